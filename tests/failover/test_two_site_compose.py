"""docker-compose.two-site.yml cannot be run here (no Docker engine): check that it parses and
describes two sites and a witness with consistent settings that the app's own parsers accept."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from helpdesk.backends import database_from_url, sentinel_target

ROOT = Path(__file__).resolve().parents[2]
APP_ROLES = ("web", "ws", "worker", "beat")


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.two-site.yml").read_text())


def site(service: dict) -> str:
    return service.get("labels", {}).get("site", "")


def test_each_site_has_a_database_node_redis_sentinel_etcd_and_the_whole_app():
    services = load()["services"]
    for s in ("a", "b"):
        names = {name for name, svc in services.items() if site(svc) == s}
        assert {f"pg-{s}", f"redis-{s}", f"sentinel-{s}", f"etcd-{s}", f"proxy-{s}"} <= names
        assert {f"{role}-{s}" for role in APP_ROLES} <= names
    witness = {name for name, svc in services.items() if site(svc) == "witness"}
    assert witness == {"etcd-witness", "sentinel-witness"}  # votes only, no data


def test_every_long_running_service_has_a_healthcheck():
    for name, svc in load()["services"].items():
        if svc.get("restart") == "no":
            continue
        assert "healthcheck" in svc and svc["healthcheck"]["test"], name


def test_the_app_at_both_sites_reaches_whichever_node_is_primary():
    services = load()["services"]
    envs = [services[f"{role}-{s}"]["environment"] for role in APP_ROLES for s in "ab"]
    assert len({e["DATABASE_URL"] for e in envs}) == 1 and len({e["REDIS_URL"] for e in envs}) == 1
    db = database_from_url(envs[0]["DATABASE_URL"])
    assert db["HOST"].split(",") == ["pg-a", "pg-b"] and db["OPTIONS"]["target_session_attrs"] == "read-write"
    target = sentinel_target(envs[0]["REDIS_URL"], envs[0]["REDIS_SENTINEL_MASTER"])
    sentinels = {name for name, svc in services.items() if name.startswith("sentinel-")}
    assert {host for host, _ in target.sentinels} == sentinels
    # The Sentinels monitor the master name the app asks for, with a quorum of 2 of 3.
    for name in sentinels:
        monitor = re.search(r"sentinel monitor (\S+) (\S+) (\d+) (\d+)", " ".join(services[name]["command"]))
        assert monitor and monitor.group(1) == target.master and monitor.group(4) == "2", name
    # Every app process runs the start-up check first; the web's probe is readiness.
    for role in APP_ROLES:
        for s in "ab":
            assert "manage.py preflight" in " ".join(services[f"{role}-{s}"]["command"]), f"{role}-{s}"
    assert services["web-a"]["environment"]["HELPDESK_SERVER"] == "wsgi"
    assert services["ws-b"]["environment"]["HELPDESK_SERVER"] == "asgi"
    assert "/readyz" in " ".join(services["web-a"]["healthcheck"]["test"])


def test_patroni_nodes_share_one_etcd_quorum_and_synchronous_replication():
    services = load()["services"]
    etcd = {name for name in services if name.startswith("etcd-")}
    assert len(etcd) == 3
    for s in "ab":
        env = services[f"pg-{s}"]["environment"]
        assert {urlsplit(f"//{h}").hostname for h in env["PATRONI_ETCD3_HOSTS"].split(",")} == etcd
        assert env["PATRONI_NAME"] == f"pg-{s}"
        assert services[f"pg-{s}"]["build"] == "deploy/patroni"
    for name in etcd:
        cluster = services[name]["command"][services[name]["command"].index("--initial-cluster") + 1]
        assert {member.split("=")[0] for member in cluster.split(",")} == etcd
    patroni = yaml.safe_load((ROOT / "deploy/patroni/patroni.yml").read_text())
    dcs = patroni["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True and dcs["postgresql"]["use_pg_rewind"] is True
    assert "pgbackrest" in dcs["postgresql"]["parameters"]["archive_command"]
    assert (ROOT / "deploy/patroni/pgbackrest.conf").exists()
    nginx = (ROOT / "deploy/nginx-two-site.conf").read_text()
    assert "server web-${SITE}:8000" in nginx and "server ws-${SITE}:8001" in nginx
