"""Start the test OpenID Connect provider (a manage-style entry):

    python -m tests.oidc_provider.serve --db /tmp/x.sqlite3 --users users.json \
        --client-id ID --client-secret SECRET --redirect-uri http://testserver/cb/

Creates the database, an RS256 signing key, the users and one confidential
authorization-code client that skips the consent page; binds a free loopback port, prints
"READY <port>" on stdout, and serves (threaded) until it is terminated. The issuer is
http://127.0.0.1:<port>/o.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _rsa_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--users", required=True, help="JSON file: name -> password, claims")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", required=True)
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    os.environ["OIDC_TEST_DB"] = args.db
    os.environ["OIDC_TEST_RSA_KEY"] = _rsa_key()
    users = json.loads(Path(args.users).read_text())
    os.environ["OIDC_TEST_USERS"] = json.dumps(users)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0, interactive=False)
    user_model = get_user_model()
    for name, user in users.items():
        user_model.objects.create_user(username=name, password=user["password"])
    application = get_application_model()
    application.objects.create(
        name="Hamburg Service (tests)",
        client_id=args.client_id,
        client_secret=args.client_secret,
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(args.redirect_uri),
        skip_authorization=True,
        algorithm=application.RS256_ALGORITHM,
    )

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
