"""Connection strings of the replicated shape (helpdesk/backends.py) and the start-up check
(`manage.py preflight`, run first by bin/prod): a DSN with several hosts, a sentinel:// REDIS_URL,
and bad configuration stopping the start with a clear message."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.backends import database_from_url, kombu_broker_url, sentinel_target

ROOT = Path(__file__).resolve().parents[2]
# Ports of these tests' own Redis and Sentinel (never the shared 6379).
REDIS_PORT, SENTINEL_PORT = 55490, 26490
NOWHERE = "postgres://postgres@127.0.0.1:55497,127.0.0.1:55498/helpdesk?target_session_attrs=read-write"


def test_a_dsn_with_several_hosts_becomes_libpq_host_and_port_lists():
    db = database_from_url("postgres://app:s%40cret@db-a:5432,db-b:6432/helpdesk?target_session_attrs=read-write")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("db-a,db-b", "5432,6432", "helpdesk")
    assert (db["USER"], db["PASSWORD"]) == ("app", "s@cret")
    assert db["OPTIONS"] == {"target_session_attrs": "read-write"}
    assert database_from_url("postgres://u@db-a,db-b/x")["PORT"] == "5432,5432"


def test_a_single_host_dsn_is_parsed_as_before():
    db = database_from_url("postgres://u:p@127.0.0.1:5432/x")
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("127.0.0.1", 5432, "x")


def test_a_dsn_with_several_hosts_and_no_database_is_refused():
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        database_from_url("postgres://u@db-a,db-b/")
    with pytest.raises(ImproperlyConfigured, match="not a number"):
        database_from_url("postgres://u@db-a:x,db-b/h")


def test_a_sentinel_url_names_the_sentinels_the_master_and_the_database():
    target = sentinel_target("sentinel://:pw@s1:26401,s2,[::1]:26403/4", "hd")
    assert target.sentinels == [("s1", 26401), ("s2", 26379), ("::1", 26403)]
    assert (target.master, target.db, target.password) == ("hd", 4, "pw")
    assert kombu_broker_url(target) == "sentinel://:pw@s1:26401/4;sentinel://:pw@s2:26379/4;sentinel://:pw@::1:26403/4"
    assert sentinel_target("redis://127.0.0.1:6379/0") is None
    with pytest.raises(ImproperlyConfigured, match="is a number"):
        sentinel_target("sentinel://s1:26401/zero")
    with pytest.raises(ImproperlyConfigured, match="names no Sentinel"):
        sentinel_target("sentinel:///0")


PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"db": settings.DATABASES["default"], "broker": settings.CELERY_BROKER_URL,
  "transport": settings.CELERY_BROKER_TRANSPORT_OPTIONS, "hosts": settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"],
  "cache": settings.CACHES["default"]["LOCATION"]}, default=str))
"""


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "CELERY_"))}
    env.update(DJANGO_SETTINGS_MODULE="helpdesk.settings", PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING", **more)
    return env


def test_settings_point_every_redis_client_at_the_sentinels():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
                         env=_env(DATABASE_URL=NOWHERE, REDIS_URL="sentinel://127.0.0.1:26401,127.0.0.1:26402/3",
                                  REDIS_SENTINEL_MASTER="hd-main", HELPDESK_SERVER="wsgi"))
    s = json.loads(out.stdout)
    assert (s["db"]["HOST"], s["db"]["PORT"]) == ("127.0.0.1,127.0.0.1", "55497,55498")
    assert s["db"]["OPTIONS"]["target_session_attrs"] == "read-write"
    assert s["broker"] == "sentinel://127.0.0.1:26401/3;sentinel://127.0.0.1:26402/3"
    assert s["transport"]["master_name"] == "hd-main"
    assert s["hosts"][0]["master_name"] == "hd-main" and s["hosts"][0]["db"] == 3
    assert s["hosts"][0]["sentinels"] == [["127.0.0.1", 26401], ["127.0.0.1", 26402]]
    assert "address" not in s["hosts"][0]
    assert s["cache"] == "sentinel://hd-main"


def _preflight(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "preflight"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=_env(**env))


def test_a_dsn_with_no_reachable_primary_stops_the_start_with_a_clear_message(tmp_path):
    out = _preflight(DATABASE_URL=NOWHERE, REDIS_URL="", HELPDESK_VAR_DIR=str(tmp_path))
    assert out.returncode == 1
    assert "DATABASE_URL: no reachable primary (read-write) PostgreSQL among 127.0.0.1:55497, 127.0.0.1:55498" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.fixture
def sentinel(tmp_path):
    """A private Redis and one Sentinel monitoring it as `helpdesk`; stopped by pid."""
    if not (shutil.which("redis-server") and shutil.which("redis-sentinel")):
        pytest.skip("needs redis-server and redis-sentinel (Debian: redis-sentinel; .ci/run installs it)")
    import redis

    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {SENTINEL_PORT}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor helpdesk 127.0.0.1 {REDIS_PORT} 1\n")
    procs = [subprocess.Popen(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)]
    procs.append(subprocess.Popen(["redis-sentinel", str(conf)], stdout=subprocess.DEVNULL))
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if "helpdesk" in redis.Redis(port=SENTINEL_PORT, socket_timeout=1).sentinel_masters():
                    break
            except redis.RedisError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the private Sentinel did not start")
        yield f"sentinel://127.0.0.1:{SENTINEL_PORT}/2"
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def test_a_sentinel_master_name_that_does_not_exist_stops_the_start(sentinel, tmp_path):
    env = {"REDIS_URL": sentinel, "HELPDESK_VAR_DIR": str(tmp_path)}
    out = _preflight(REDIS_SENTINEL_MASTER="no-such-master", **env)
    assert out.returncode == 1
    assert ("REDIS_SENTINEL_MASTER: the Sentinels (127.0.0.1:26490) monitor no master named 'no-such-master'"
            in out.stderr)
    assert "Traceback" not in out.stderr
    good = _preflight(REDIS_SENTINEL_MASTER="helpdesk", **env)
    assert good.returncode == 0, good.stderr
    assert "reachable" in good.stdout


def test_no_sentinel_answering_stops_the_start(tmp_path):
    out = _preflight(REDIS_URL="sentinel://127.0.0.1:26499/0", HELPDESK_VAR_DIR=str(tmp_path))
    assert out.returncode == 1
    assert "REDIS_URL: no Sentinel answers among 127.0.0.1:26499" in out.stderr


def test_the_cache_and_the_layer_work_through_the_sentinel(sentinel, tmp_path):
    code = """
import asyncio, django
django.setup()
from django.core.cache import cache
from channels.layers import get_channel_layer
from helpdesk.backends import redis_client
from django.conf import settings
cache.set("k", "v", 30)
assert cache.get("k") == "v"
assert redis_client(settings.REDIS_URL).ping()
async def main():
    layer = get_channel_layer()
    name = await layer.new_channel()
    await layer.send(name, {"type": "x.y", "n": 1})
    assert (await layer.receive(name))["n"] == 1
asyncio.run(main())
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=_env(REDIS_URL=sentinel, REDIS_SENTINEL_MASTER="helpdesk", HELPDESK_VAR_DIR=str(tmp_path),
                                  CHANNEL_PREFIX="hd-failover-test"))
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
