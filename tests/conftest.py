"""Shared fixtures. Tests run on whatever DATABASE_URL/REDIS_URL say (Postgres + Redis in CI's
first pass, the embedded default in its second). Tests that depend on row locks or Redis are
marked and skipped where those are absent."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings

from tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not settings.USING_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and settings.EMBEDDED:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    """Fast password hashing, and no cache state (rate-limit counters) leaking between tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "memory"  # the phone's inbox: notifications.channels.MemorySms.outbox
    from django.core.cache import cache

    cache.clear()
    yield
    # A fresh channel layer per test: channels-redis keeps receive locks on the layer object, and
    # each test's async_to_sync runs its own event loop; a receive still winding down when one
    # test's loop closed would leave the next test's loop a lock bound to the old one.
    from channels.layers import channel_layers

    channel_layers.backends.clear()


# Data migrations that load reference data. A transactional test (transaction=True) ends with a
# flush that empties every table, so the next test would find no districts or categories.
REFERENCE_DATA = [
    ("accounts.migrations.0002_load_districts", "load"),
    ("tickets.migrations.0002_seed_categories", "load"),
]


def ensure_reference_data() -> None:
    from importlib import import_module

    from django.apps import apps

    from accounts.models import District
    from tickets import intake

    if District.objects.exists():
        return
    for module_name, function in REFERENCE_DATA:
        getattr(import_module(module_name), function)(apps, None)
    # Reloaded rows have new ids: the per-process lookup of districts and categories must not
    # hand out the ids of rows an earlier test's flush removed.
    intake.clear_cache()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Every database test starts with the districts and categories the migrations load."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if uses_db:
        request.getfixturevalue("_django_db_helper")
        ensure_reference_data()
    yield


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def raipur(db):
    from accounts.models import District

    return District.objects.get(code="raipur")


@pytest.fixture
def bastar(db):
    from accounts.models import District

    return District.objects.get(code="bastar")


@pytest.fixture
def make_user(db):
    def make(role: str = "agent", **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def agent(make_user):
    return make_user("agent")


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")
