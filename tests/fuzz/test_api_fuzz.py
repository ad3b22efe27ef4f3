"""API fuzzing: schemathesis against the project's own OpenAPI schema (/api/schema/), in process
through the WSGI application, for every operation, as the anonymous user and as each role.

Checks on every generated request (valid and invalid inputs): no 5xx (`not_a_server_error`) and,
where the status is documented, the body matches the schema (`response_schema_conformance`).

Bounded for CI: FUZZ_EXAMPLES examples per operation and role (default 4; `make fuzz-long` sets
it to 60 and adds randomised runs). Each request runs in a savepoint, so one request's database
error cannot leak into the next example of the same test.

A bug found here is reproduced exactly in test_found_bugs.py (xfail(strict=True), with its owner:
CI stays green while the bug is visible, and the fix must remove the mark) and listed in
KNOWN_BUGS, which marks the operation's fuzz test xfail(strict=False).
"""

from __future__ import annotations

import collections
import json
import os
import secrets

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

SCHEMA_PATH = "/api/schema/"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") in ("", "0")
ROLES = ["anonymous", "citizen", "agent", "supervisor", "district_official", "vendor_engineer", "vendor_officer",
         "admin", "centre_staff"]
CITIZEN_MOBILE = "9876543210"  # demo data: two beneficiaries, each with a booked appointment

ENVIRON = {"REMOTE_ADDR": "127.0.0.1"}

# Status codes seen, per role: printed at the end of the run (tests/fuzz/conftest.py), so a run
# that only ever reached 401/403/404 is visible.
SEEN: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

# (operation label "METHOD /path", role or "*") -> (reason, only on PostgreSQL?): bugs found by
# fuzzing, owned by other apps. Each is reproduced exactly, xfail(strict=True), in
# test_found_bugs.py; here the operation's fuzz test is xfail(strict=False), because whether a
# few generated examples hit the bug depends on the draw.
KNOWN_BUGS: dict[tuple[str, str], tuple[str, bool]] = {}


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
            bug = KNOWN_BUGS.get((label, role)) or KNOWN_BUGS.get((label, "*"))
            marks = []
            if bug and (not bug[1] or settings.USING_POSTGRES):
                marks = [pytest.mark.xfail(strict=False, reason=bug[0])]
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


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_connection():
    """Requests go through Django's WSGIHandler, whose request_started/finished signals close
    "obsolete" connections: inside the test's transaction that would close it. Django's test client
    disconnects them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def real_ids(_keep_the_test_connection, django_db_setup, django_db_blocker):
    """The demo data (seed_demo), loaded once for the module inside a transaction rolled back at
    its end; each test runs in a savepoint within it. Returns real values for path parameters,
    so generated requests reach the handlers, not only the 404 of an unknown id."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
            yield _collect_ids()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _collect_ids() -> dict[str, list]:
    from django.apps import apps

    def values(model: str, field: str, **filters) -> list:
        try:
            return [str(v) for v in apps.get_model(model).objects.filter(**filters).values_list(field, flat=True)[:5]]
        except LookupError:
            return []

    return {
        "number": values("tickets.Ticket", "number"),
        "incident_id": values("live.Incident", "pk"),
        "suspicion_id": values("live.Suspicion", "pk") if _has_model("live.Suspicion") else [],
        "code": values("live.Component", "code"),
        "appointment_id": values("bookings.Appointment", "appointment_id", beneficiary__mobile=CITIZEN_MOBILE),
        "session_id": values("bookings.Session", "session_id"),
        "run_id": values("bookings.ImportRun", "pk") if _has_model("bookings.ImportRun") else [],
        "state_id": ["7"],
    }


def _has_model(label: str) -> bool:
    from django.apps import apps

    try:
        apps.get_model(label)
        return True
    except LookupError:
        return False


@pytest.fixture(scope="module")
def role_credentials(real_ids, django_db_blocker):
    """{role: (cookies, headers)}: a logged-in session (and a CSRF pair) per staff role; an OTP
    login token (Authorization: Bearer) for the citizen."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories import UserFactory

    creds: dict[str, tuple[dict, dict]] = {"anonymous": ({}, {})}
    blocker = django_db_blocker.unblock()
    blocker.__enter__()
    from bookings.models import CitizenToken
    from bookings.otp import token_hash

    raw = secrets.token_urlsafe(32)
    CitizenToken.objects.create(token_hash=token_hash(raw), mobile=CITIZEN_MOBILE, created_at=timezone.now(),
                                expires_at=timezone.now() + dt.timedelta(minutes=15))
    creds["citizen"] = ({}, {"Authorization": f"Bearer {raw}"})
    for role in ROLES[2:]:
        bound = {}
        if role == "centre_staff":  # bound to a demo centre and its district
            from bookings.models import Centre

            centre = Centre.objects.order_by("center_id").first()
            bound = {"centre": centre, "district": centre.district}
        user = UserFactory(role=role, is_superuser=(role == "admin"), is_staff=role in ("admin", "supervisor"), **bound)
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}
        creds[role] = (cookies, {"X-CSRFToken": csrf})
    blocker.__exit__(None, None, None)
    return creds


def _checks():
    from schemathesis.checks import load_all_checks, not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    load_all_checks()
    return [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize(("label", "role"), list(_params()))
def test_operation_as_role(label, role, role_credentials, real_ids, db, settings):
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
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = [p.name for p in operation.path_parameters]
    known = {name: real_ids.get(name) for name in names}
    if names and all(known.values()):
        # Real objects: the handler runs past its lookup (twice the weight of the random ids).
        real = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
        with_ids = real.flatmap(lambda ids: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids))
        strategies += [with_ids, with_ids]
    strategies += SCHEMA.get_strategies_from_examples(operation)  # the documented examples
    strategy = st.one_of(strategies)

    @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None,
               suppress_health_check=list(HealthCheck), print_blob=True)
    @given(case=strategy)
    def fuzz(case):
        with transaction.atomic():
            # As a TCP server would: gunicorn and uvicorn always set REMOTE_ADDR.
            # identity: the in-process WSGI transport does not decode gzip the way HTTP clients do.
            response = case.call(headers={"Accept-Encoding": "identity", **headers}, cookies=dict(cookies),
                                 environ_base=ENVIRON)
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
