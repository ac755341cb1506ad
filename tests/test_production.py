"""Production mode: settings from the environment, deploy checks, health, error pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parent.parent


def run_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter with Django set up under the given environment."""
    full_env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "ENVIRONMENT"}}
    full_env.update(env)
    script = (
        "import os, sys, django\n"
        f"sys.path.insert(0, {str(ROOT / 'src')!r})\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hamburg_service.settings')\n"
        "django.setup()\n" + code
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "x" * 20 + "a-long-production-secret-key-for-the-deploy-check-only",
    "ALLOWED_HOSTS": "service.example",
}


@pytest.fixture(scope="module", autouse=True)
def provided_keys(keys_dir: Path) -> None:
    """Production is given its signing keys (created here as an operator would, with
    `keys_create`); the processes these tests start find them under KEYS_DIR."""
    result = run_django(
        "from django.core.management import call_command\ncall_command('keys_create')\n",
        KEYS_DIR=str(keys_dir),
    )
    assert result.returncode == 0, result.stderr
    PRODUCTION["KEYS_DIR"] = str(keys_dir)


# What a multi-process deployment behind a proxy adds (docs/deploy.md); the check does not
# connect to the cache.
BEHIND_A_PROXY = {"CACHE_URL": "redis://127.0.0.1:6379/0", "TRUSTED_PROXIES": "1"}
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
DEPLOY_CHECK = (
    "from django.core.management import call_command\n"
    "call_command('check', '--deploy', '--fail-level', 'DEBUG')\n"
)


def test_deploy_check_reports_nothing_in_production_mode():
    result = run_django(DEPLOY_CHECK, **PRODUCTION, **BEHIND_A_PROXY)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_of_a_production_process_fails_when_proxies_are_not_said():
    # As an operator runs it, in a production process: the default fail level (errors).
    setup = {**PRODUCTION, **BEHIND_A_PROXY}
    del setup["TRUSTED_PROXIES"]
    result = run_django(
        "from django.core.management import call_command\ncall_command('check', '--deploy')\n",
        **setup,
    )
    assert result.returncode != 0
    assert set(re.findall(r"hamburg\.E\d+", result.stderr)) == {"hamburg.E002"}


@pytest.mark.parametrize(
    ("lacking", "error"),
    [
        ({"CACHES": {"default": {"BACKEND": LOCMEM}}}, "hamburg.E001"),
        ({"TRUSTED_PROXIES_SET": False}, "hamburg.E002"),
        ({"RATE_LIMITS_ENABLED": False}, "hamburg.E003"),
        ({"CAPTCHA_ENABLED": False}, "hamburg.E003"),
        ({"AXES_ENABLED": False}, "hamburg.E003"),
        ({"BOOKING_CONFIRM_BY_EMAIL": False}, "hamburg.E003"),
    ],
    ids=[
        "process-local cache",
        "proxies not said",
        "no rate limits",
        "no captcha",
        "no lockout",
        "no confirmation by e-mail",
    ],
)
def test_the_deploy_check_fails_on_a_set_up_that_lacks_a_protection(settings, lacking, error):
    # The production settings of a complete set-up, in this process, less one protection.
    settings.PRODUCTION = True
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": BEHIND_A_PROXY["CACHE_URL"]}}
    settings.TRUSTED_PROXIES_SET = True
    for protection in ("RATE_LIMITS_ENABLED", "CAPTCHA_ENABLED", "AXES_ENABLED"):
        setattr(settings, protection, True)  # the test settings switch some off
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    for name, value in lacking.items():
        setattr(settings, name, value)
    found = [
        message.id
        for message in run_checks(include_deployment_checks=True)
        if message.id and message.id.startswith("hamburg.") and message.is_serious()
    ]
    assert set(found) == {error}


def test_the_deploy_check_fails_without_the_signing_keys(tmp_path):
    result = run_django(
        "from django.core.management import call_command\ncall_command('check', '--deploy')\n",
        **PRODUCTION | {"KEYS_DIR": str(tmp_path)},
        **BEHIND_A_PROXY,
    )
    assert result.returncode != 0
    assert set(re.findall(r"hamburg\.E\d+", result.stderr)) == {"hamburg.E010"}


def test_the_deploy_check_passes_without_proxies_when_that_is_said():
    result = run_django(DEPLOY_CHECK, **PRODUCTION, **BEHIND_A_PROXY | {"TRUSTED_PROXIES": "0"})
    assert result.returncode == 0, result.stderr


def test_production_settings_trust_the_configured_proxies_for_client_addresses():
    result = run_django(
        "from django.conf import settings\n"
        "print(settings.TRUSTED_PROXIES)\n"
        "print(settings.AXES_CLIENT_IP_CALLABLE)\n"
        "print(hasattr(settings, 'RATELIMIT_IP_META_KEY'))\n"
        "print(any('ratelimit' in app for app in settings.INSTALLED_APPS))\n",
        **PRODUCTION,
        TRUSTED_PROXIES="1",
    )
    assert result.stdout.split() == [
        "1",
        "hamburg_service.core.ratelimit.client_address",
        "False",
        "False",
    ], result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_django("print('started')", **env, SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_health_is_503_when_the_database_is_unreachable():
    result = run_django(
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='localhost').get('/healthz')\n"
        "print(r.status_code, r.json()['database'])\n",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nowhere",
        CONN_MAX_AGE="0",
    )
    assert result.stdout.split() == ["503", "unreachable"], result.stderr


def test_production_error_page_shows_no_stack_trace():
    result = run_django(
        "from unittest import mock\n"
        "from django.test import Client\n"
        "from hamburg_service.catalog import selectors\n"
        "with mock.patch.object(selectors, 'services_search', side_effect=RuntimeError('boom')):\n"
        "    r = Client(raise_request_exception=False, SERVER_NAME='service.example',\n"
        "               **{'wsgi.url_scheme': 'https'}).get('/', secure=True)\n"
        "print(r.status_code)\n"
        "print(r.content.decode())\n",
        **PRODUCTION,
        DATABASE_URL="sqlite:///:memory:",
    )
    status, _, body = result.stdout.partition("\n")
    assert status == "500", result.stderr
    assert "Es ist ein Fehler aufgetreten" in body
    assert "Traceback" not in body
    assert "boom" not in body


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Hamburg Service" in response.content.decode()


@pytest.mark.django_db
def test_unsupported_language_falls_back_to_german(client):
    page = client.get("/imprint/", headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="de">' in page.content.decode()
    assert client.get("/fr/imprint/").status_code == 404
    english = client.get("/en/imprint/")
    assert '<html lang="en">' in english.content.decode()


@pytest.mark.django_db
def test_pages_send_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_make_run_gives_every_process_the_site_address_it_serves(tmp_path):
    """E-mails are built by the server, the worker and the scheduler (reminders, waitlist
    offers): all three link to the host and port `make run` was given."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    python = fake_bin / "python"
    # Each command notes its SITE_URL; the server waits (up to 10 s) until the worker and the
    # scheduler, started in the background before it, have noted theirs.
    python.write_text(
        "#!/bin/sh\n"
        f'printf %s "$SITE_URL" > "{tmp_path}/$2"\n'
        'if [ "$2" = runserver ]; then\n'
        "  for _ in $(seq 100); do\n"
        f'    [ -e "{tmp_path}/db_worker" ] && [ -e "{tmp_path}/scheduler" ] && break\n'
        "    sleep 0.1\n"
        "  done\n"
        "fi\n"
    )
    python.chmod(0o755)
    installed = tmp_path / "installed"
    installed.touch()  # newer than pyproject.toml: make installs nothing
    subprocess.run(
        [
            *("make", "--no-print-directory", "run"),
            *(f"BIN={fake_bin}", f"INSTALLED={installed}", "HOST=127.0.0.1", "PORT=8123"),
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=True,
    )
    for command in ("db_worker", "scheduler", "runserver"):
        assert (tmp_path / command).read_text() == "http://127.0.0.1:8123"
