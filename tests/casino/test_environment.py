"""CASINO_ENV: a production start refuses what only a demo may use; local stays plain http.

Settings are read once per process, so the starts are real processes (manage.py), each with
exactly the environment given here."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from casino.environment import frontend_keys_problem, secret_key_problem
from casino.models import Aggregator

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET_KEY = secrets.token_urlsafe(50)
STRONG_FRONTEND_KEY = secrets.token_urlsafe(32)
PRODUCTION = {
    "CASINO_ENV": "production",
    "DEBUG": "false",
    "SECRET_KEY": STRONG_SECRET_KEY,
    "FRONTEND_API_KEYS": STRONG_FRONTEND_KEY,
}
LOCAL = {"CASINO_ENV": "local", "SECRET_KEY": "any-local-key", "FRONTEND_API_KEYS": "dev-frontend-key"}


def start(*args: str, environment: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    """manage.py with only the given settings variables (none inherited from this test run)."""
    inherited = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, *LOCAL}}
    # PostgreSQL's address only satisfies settings: `check` opens no connection.
    env = {**inherited, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/unused", "REDIS_URL": ""}
    # Nor from the file of generated local secrets a `make run` in this checkout wrote.
    env["LOCAL_ENV_FILE"] = str(tmp_path / "no-local.env")
    env.update({k: v for k, v in environment.items() if v is not None})
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({**PRODUCTION, "SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({**LOCAL, "SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({**PRODUCTION, "FRONTEND_API_KEYS": None}, "FRONTEND_API_KEYS is not set"),
        ({**PRODUCTION, "SECRET_KEY": "change-me-in-production"}, "SECRET_KEY is a known placeholder"),
        ({**PRODUCTION, "FRONTEND_API_KEYS": "dev-frontend-key"}, "FRONTEND_API_KEYS holds the development key"),
        ({**PRODUCTION, "CASINO_ENV": "staging"}, "CASINO_ENV='staging' is not one of production, local"),
    ],
)
def test_a_start_without_its_secrets_exits_naming_the_variable(tmp_path, environment, named):
    started = start("check", environment=environment, tmp_path=tmp_path)

    assert started.returncode != 0
    assert f"ImproperlyConfigured: {named}" in started.stderr


def test_an_unset_casino_env_is_production(tmp_path):
    started = start("check", environment={**PRODUCTION, "CASINO_ENV": None, "SECRET_KEY": "short"}, tmp_path=tmp_path)

    assert started.returncode != 0
    assert "SECRET_KEY is too weak for production" in started.stderr


def test_make_runs_local_file_lends_its_secrets_to_a_local_start_and_never_to_production(tmp_path):
    # What `make run` writes (scripts/run_local.py): management commands beside it find its secrets.
    written = tmp_path / "local.env"
    written.write_text(f"SECRET_KEY={STRONG_SECRET_KEY}\n")
    beside = {"LOCAL_ENV_FILE": str(written), "SECRET_KEY": None}

    local = start("check", environment={**LOCAL, **beside}, tmp_path=tmp_path)
    production = start("check", environment={**PRODUCTION, **beside}, tmp_path=tmp_path)

    assert local.returncode == 0, local.stderr
    assert production.returncode != 0 and "ImproperlyConfigured: SECRET_KEY is not set" in production.stderr


def test_a_production_start_does_not_even_have_the_demo_commands(tmp_path):
    production = start("help", "load_demo", environment=PRODUCTION, tmp_path=tmp_path)
    local = start("help", "load_demo", environment=LOCAL, tmp_path=tmp_path)

    assert production.returncode != 0 and "Unknown command: 'load_demo'" in production.stderr
    assert local.returncode == 0 and "demo" in local.stdout


def test_the_production_configuration_passes_the_deployment_checks_without_a_warning(tmp_path):
    started = start("check", "--deploy", "--fail-level", "WARNING", environment=PRODUCTION, tmp_path=tmp_path)

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "System check identified no issues (0 silenced)."
    assert started.stderr == ""


PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/admin/login/")
health = client.get("/health")
secure = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "health": health.status_code,
    "secure": secure.status_code,
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
}))
"""


def probe(environment: dict, tmp_path: Path) -> dict:
    started = start("shell", "--no-imports", "-c", PROBE, environment=environment, tmp_path=tmp_path)
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout)


def test_production_sends_http_to_https_with_hsts_and_secure_cookies(tmp_path):
    answers = probe(PRODUCTION, tmp_path)

    assert answers["plain"] == [301, "https://testserver/admin/login/"]
    assert answers["health"] == 200  # probes from inside the network stay on plain http
    assert answers["secure"] == 200
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert answers["csrf_cookie_secure"] is True
    assert answers["session_cookie_secure"] is True


def test_local_keeps_plain_http_working(tmp_path):
    answers = probe(LOCAL, tmp_path)

    assert answers["plain"] == [200, None]
    assert answers["hsts"] is None
    assert answers["csrf_cookie_secure"] is False
    assert answers["session_cookie_secure"] is False


@override_settings(CASINO_ENV="production")
def test_load_demo_refuses_to_run_outside_local(db, django_user_model):
    with pytest.raises(CommandError, match="runs only with CASINO_ENV=local"):
        call_command("load_demo")

    assert not django_user_model.objects.filter(username="admin").exists()
    assert not Aggregator.objects.filter(code__startswith="sandbox").exists()


@pytest.mark.parametrize(
    ("key", "environment", "refused"),
    [
        ("", "local", True),
        ("short", "local", False),
        ("short", "production", True),
        ("x" * 60, "production", True),  # long, but one character
        ("django-insecure-" + STRONG_SECRET_KEY, "production", True),
        ("dev-only-insecure-secret-key-change-me", "production", True),
        (STRONG_SECRET_KEY, "production", False),
    ],
)
def test_which_secret_keys_each_environment_accepts(key, environment, refused):
    assert (secret_key_problem(key, environment=environment) is not None) is refused


@pytest.mark.parametrize(
    ("keys", "environment", "refused"),
    [
        ([], "local", True),
        (["dev-frontend-key"], "local", False),
        (["dev-frontend-key"], "production", True),
        ([STRONG_FRONTEND_KEY, "too-short"], "production", True),
        ([STRONG_FRONTEND_KEY], "production", False),
    ],
)
def test_which_frontend_keys_each_environment_accepts(keys, environment, refused):
    assert (frontend_keys_problem(keys, environment=environment) is not None) is refused
