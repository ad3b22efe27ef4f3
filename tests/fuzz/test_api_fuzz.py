"""API fuzzing: schemathesis against the project's own OpenAPI schema (/api/schema/), in process
through the WSGI application, for every operation, as the anonymous user and as each role.

Checks on every generated request (valid and invalid inputs): no 5xx (`not_a_server_error`) and,
where the status is documented, the body matches the schema (`response_schema_conformance`).

Bounded for CI: FUZZ_EXAMPLES examples per operation and role (default 4; `make fuzz-long` sets
it to 60 and adds randomised runs). Each request runs in a savepoint, so one request's database
error cannot leak into the next example of the same test.

A bug found here is recorded in KNOWN_BUGS (operation label, role) -> reason, which marks that
one test xfail(strict=True): CI stays green while the bug is visible, and the mark must go when
the owner fixes it.
"""

from __future__ import annotations

import collections
import json
import os
import secrets

import pytest
from django.db import transaction
from django.test import Client

SCHEMA_PATH = "/api/schema/"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") in ("", "0")
ROLES = ["anonymous", "agent", "supervisor", "district_official", "vendor_engineer", "vendor_officer", "admin"]

# Status codes seen, per role: printed at the end of the run (tests/fuzz/conftest.py), so a run
# that only ever reached 401/403/404 is visible.
SEEN: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

# (operation label "METHOD /path", role or "*") -> reason: bugs found by fuzzing, owned by other apps.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _load_schema():
    """The schema as the running app serves it, loaded at collection time (no database needed)."""
    import schemathesis
    from django.core.handlers.wsgi import WSGIHandler

    return schemathesis.openapi.from_wsgi(f"{SCHEMA_PATH}?format=json", WSGIHandler())


try:
    SCHEMA = _load_schema()
    LOAD_ERROR = ""
except Exception as exc:  # noqa: BLE001 - reported by test_the_schema_loads instead of breaking collection
    SCHEMA = None
    LOAD_ERROR = f"{type(exc).__name__}: {exc}"


def _operations() -> list:
    if SCHEMA is None:
        return []
    ops = []
    for result in SCHEMA.get_all_operations():
        try:
            ops.append(result.ok())
        except Exception:  # noqa: BLE001, S112 - an invalid operation fails test_the_schema_loads
            continue
    return ops


OPERATIONS = {op.label: op for op in _operations()}


def _params():
    for label in sorted(OPERATIONS):
        for role in ROLES:
            reason = KNOWN_BUGS.get((label, role)) or KNOWN_BUGS.get((label, "*"))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(label, role, id=f"{role}-{label.replace(' ', '_')}", marks=marks)


def test_the_schema_loads_and_documents_operations():
    assert not LOAD_ERROR, f"{SCHEMA_PATH} does not load as OpenAPI: {LOAD_ERROR}"
    invalid = []
    for result in SCHEMA.get_all_operations():
        try:
            result.ok()
        except Exception as exc:  # noqa: BLE001
            invalid.append(str(exc)[:300])
    assert not invalid, f"operations schemathesis cannot use: {invalid}"


@pytest.fixture
def role_credentials(db):
    """{role: (cookies, headers)}: a logged-in session (and a CSRF pair) per role."""
    from tests.factories import UserFactory

    creds: dict[str, tuple[dict, dict]] = {"anonymous": ({}, {})}
    for role in ROLES[1:]:
        user = UserFactory(role=role, is_superuser=(role == "admin"), is_staff=role in ("admin", "supervisor"))
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}
        creds[role] = (cookies, {"X-CSRFToken": csrf})
    return creds


def _checks():
    from schemathesis.checks import load_all_checks, not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    load_all_checks()
    return [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize(("label", "role"), list(_params()))
def test_operation_as_role(label, role, role_credentials, settings):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    # Enough room for every example: rate limits have their own tests.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        name: "100000/min" for name in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}}
    operation = OPERATIONS[label]
    cookies, headers = role_credentials[role]
    checks = _checks()
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None,
               suppress_health_check=list(HealthCheck), print_blob=True)
    @given(case=strategy)
    def fuzz(case):
        with transaction.atomic():
            response = case.call(headers=dict(headers), cookies=dict(cookies))
            if response.status_code >= 500:
                transaction.set_rollback(True)
        SEEN[role][response.status_code] += 1
        case.validate_response(response, checks=checks, headers=headers)

    fuzz()


def test_every_operation_is_fuzzed_for_every_role():
    """The parametrisation covers the whole schema: a new endpoint is fuzzed without edits here."""
    if SCHEMA is None:
        pytest.fail(LOAD_ERROR)
    raw = SCHEMA.raw_schema
    documented = {f"{method.upper()} {path}" for path, item in raw.get("paths", {}).items()
                  for method in item if method in ("get", "put", "post", "patch", "delete")}
    assert documented == set(OPERATIONS), json.dumps(sorted(documented ^ set(OPERATIONS)))
