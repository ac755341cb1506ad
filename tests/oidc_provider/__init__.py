"""A small OpenID Connect provider for the tests (django-oauth-toolkit), run as a process of its
own on loopback: `python -m tests.oidc_provider.serve` (see serve.py). Citizen sign-in is tested
against it end to end — real authorization codes, real RS256-signed ID tokens."""
