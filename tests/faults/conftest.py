"""Fault injection needs the production shape: PostgreSQL (DATABASE_URL) and a redis-server
binary for a private Redis. Each test gets a database of its own (a copy of a migrated, seeded
template made once per session), named after DATABASE_URL's: <name>_fault_tpl and <name>_fault."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest

from .harness import Stack, create_database, database_url_for, drop_database

# Load from one address: the anonymous rate limits have their own tests. A fast sweep.
LOAD_ENV = {"RATE_ANON_IP": "1000000/min", "RATE_ANON_MOBILE": "100000/min", "RATE_OTP_IP": "100000/hour",
            "RATE_OTP_MOBILE": "100000/hour", "SLA_SWEEP_SECONDS": "1",
            "OUTBOX_RETRY_SECONDS": "2"}


def _base_name() -> str:
    return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")


@pytest.fixture(scope="session")
def fault_template(tmp_path_factory):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("fault injection needs PostgreSQL (set DATABASE_URL)")
    if not shutil.which("redis-server"):
        pytest.skip("fault injection needs a redis-server binary for a private Redis")
    name = f"{_base_name()}_fault_tpl"
    url = database_url_for(name)
    create_database(url)
    setup = Stack(database_url=url, workdir=tmp_path_factory.mktemp("fault-tpl"))
    with setup:
        setup.start_redis()
        setup.manage("migrate", "--noinput", "-v0")
        setup.manage("seed_demo")
    yield name
    drop_database(url)


@pytest.fixture
def stack(fault_template, tmp_path):
    """A private Redis running, nothing else yet; the app's database a fresh copy of the template."""
    url = database_url_for(f"{_base_name()}_fault")
    create_database(url, template=fault_template)
    with Stack(database_url=url, workdir=tmp_path, extra_env=dict(LOAD_ENV)) as deployment:
        deployment.start_redis()
        yield deployment
    drop_database(url)
