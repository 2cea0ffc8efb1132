"""docker-compose.yml starts nothing with a known secret (no Docker engine here: the file is
read as compose reads it, YAML with merge keys)."""

from pathlib import Path

import yaml

from sandbox.management.commands.load_demo import ADMIN_PASSWORD, SANDBOX_SECRET

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_no_service_loads_the_demo_data():
    for name, service in compose()["services"].items():
        assert "load_demo" not in str(service.get("command", "")), name


def test_every_secret_comes_from_the_users_environment_or_compose_stops():
    services = compose()["services"]

    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["CASINO_ENV"] == "production"
        for variable in ("SECRET_KEY", "FRONTEND_API_KEYS", "FIELD_ENCRYPTION_KEYS"):
            assert environment[variable].startswith(f"${{{variable}:?"), (name, variable)
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_no_demo_secret_appears_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()

    for known in (SANDBOX_SECRET, "dev-frontend-key", "change-me", "PRIVATE KEY", "casino:casino@"):
        assert known not in text, known
    assert f"admin / {ADMIN_PASSWORD}" not in text


def test_a_local_env_file_never_goes_into_the_image():
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
