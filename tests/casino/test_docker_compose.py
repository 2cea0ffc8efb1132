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


def test_prometheus_and_grafana_are_wired_to_the_files_in_the_repository():
    services = compose()["services"]

    prometheus_mounts = dict(
        v.rsplit(":", 1)[0].split(":", 1) for v in services["prometheus"]["volumes"] if v.startswith("./")
    )
    for source in prometheus_mounts:
        assert (ROOT / source).exists(), source
    assert prometheus_mounts["./deploy/prometheus/alerts.yml"] == "/etc/prometheus/alerts.yml"
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    assert "/etc/prometheus/alerts.yml" in config["rule_files"]
    assert config["scrape_configs"][0]["static_configs"][0]["targets"] == ["web:8000"]

    grafana = services["grafana"]
    for volume in grafana["volumes"]:
        if volume.startswith("./"):
            assert (ROOT / volume.split(":")[0]).exists(), volume
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/casino.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_web_and_worker_share_the_metrics_folder():
    services = compose()["services"]

    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/var/run/casino-metrics"
        assert "metrics:/var/run/casino-metrics" in services[name]["volumes"]
    assert "metrics" in compose()["volumes"]


def test_every_service_has_an_image_or_a_build_and_every_named_volume_is_declared():
    document = compose()
    declared = set(document["volumes"])
    for name, service in document["services"].items():
        assert "image" in service or "build" in service, name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith(("./", "/")):
                assert source in declared, (name, source)
        for dependency in service.get("depends_on", {}):
            assert dependency in document["services"], (name, dependency)
