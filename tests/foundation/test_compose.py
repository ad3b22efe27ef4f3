"""docker-compose.yml cannot be run here (no Docker engine): check that it parses and describes
the production shape with consistent settings."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_the_production_services():
    services = load()["services"]
    assert {"postgres", "redis", "web", "ws", "proxy", "worker", "beat"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "uvicorn" in services["ws"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_app_services_share_database_and_redis_settings_from_env_file():
    services = load()["services"]
    app_services = ["web", "ws", "worker", "beat", "migrate"]
    envs = [services[name]["environment"] for name in app_services]
    assert len({e["DATABASE_URL"] for e in envs}) == 1
    assert len({e["REDIS_URL"] for e in envs}) == 1
    assert all(services[name]["env_file"] == ".env" for name in app_services)
    assert services["web"]["environment"]["HELPDESK_SERVER"] == "wsgi"
    assert services["ws"]["environment"]["HELPDESK_SERVER"] == "asgi"
    db_url = envs[0]["DATABASE_URL"]
    pg = services["postgres"]["environment"]
    assert f"{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}" in db_url


def test_health_checks_and_proxy_routes():
    services = load()["services"]
    for name in ["postgres", "redis", "web", "ws", "proxy"]:
        assert "healthcheck" in services[name], name
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    assert "location /ws/" in nginx and "proxy_pass http://ws" in nginx
    assert "proxy_pass http://web" in nginx
    for key in ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"]:
        assert key in (ROOT / ".env.example").read_text()
