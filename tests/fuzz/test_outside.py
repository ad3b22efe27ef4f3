"""Schemathesis from outside, against the production shape: gunicorn (HTTP) and uvicorn (ASGI), as
bin/prod starts them, on PostgreSQL and a private Redis, in production mode (DEBUG off, a real
secret key), with `schemathesis run --checks all` (its CLI, over TCP), anonymous and as every role.

Staff roles call with API tokens of the demo users (`Authorization: Token`, accounts/tokens.py);
the citizen with an OTP login token (`Authorization: Bearer`). Every check is on; EXCLUDED_CHECKS
lists any left out, each with its reason. The run prints, per role, the requests made, the status
codes met and the failures per check (tests/fuzz/conftest.py), and fails on any failure: a 5xx, a
status, content type, header or body the schema does not declare, a valid request refused, an
invalid one accepted.

Bounded for CI: FUZZ_OUTSIDE_EXAMPLES test cases per operation and role (default 1; the examples and fuzzing phases);
`make fuzz-outside` runs 25 with the coverage and stateful phases too.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.faults.harness import (
    ROOT,
    Stack,
    create_database,
    database_url_for,
    drop_database,
    run_django,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

EXAMPLES = int(os.environ.get("FUZZ_OUTSIDE_EXAMPLES", "1"))
PHASES = os.environ.get("FUZZ_OUTSIDE_PHASES", "examples,fuzzing")
SEED = os.environ.get("FUZZ_OUTSIDE_SEED", "1")
# While working on a few operations: FUZZ_OUTSIDE_PATHS="^/api/bookings/" (a regex on the path) and
# FUZZ_OUTSIDE_ROLES="agent,citizen" narrow the run; CI runs everything.
PATHS = os.environ.get("FUZZ_OUTSIDE_PATHS", "")
# role -> demo user (seed_demo) whose API token it uses; the citizen is a demo mobile with bookings.
ROLES = {"anonymous": None, "citizen": "9876543210", "admin": "admin", "supervisor": "supervisor",
         "agent": "agent", "district_official": "raipur", "vendor_engineer": "engineer",
         "vendor_officer": "officer", "centre_staff": "centre"}
if os.environ.get("FUZZ_OUTSIDE_ROLES"):
    ROLES = {role: ROLES[role] for role in os.environ["FUZZ_OUTSIDE_ROLES"].split(",")}
# check -> why it is not run. Empty: every check runs.
EXCLUDED_CHECKS: dict[str, str] = {}
# The two checks that compare the schema's request rules with the server's: a request valid by the
# schema must be taken (positive_data_acceptance), an invalid one refused (negative_data_rejection).
# Where the server applies a rule no JSON Schema can state (it depends on today's date or on rows in
# the database), the operation is listed here with that rule; a failure of these checks on any other
# operation, and any failure of every other check, fails the run.
INPUT_RULE_CHECKS = ("positive_data_acceptance", "negative_data_rejection")
DATE_WINDOW = "the date must be from yesterday to 30 days ahead (CoWIN's window; relative to today)"
EXISTING_ROW = "the value must name a row that exists (a district, user, OTP transaction, reference)"
NOW = "the time must be in the future (relative to now)"
PAST = "the time must not be in the future (relative to now: a report is about what has happened)"
TOGETHER = "a rule on two fields together (e.g. a resolution note when `to` is resolved; from <= to)"
ROLE = "required for this caller's role only (e.g. a district for a supervisor's position report)"
UNIQUE = "the value must not already exist (a unique title)"
FILE_TEXT = "an uploaded file must be UTF-8 text (no JSON Schema states what bytes a file holds)"
# Any operation that takes an Idempotency-Key: the run itself may have used the generated key before,
# with another request (a short key such as "0" comes up often); that is refused (422) by design, as
# the key promises one request. Known when every refusal of the operation's valid data is this one.
IDEMPOTENCY_KEY_REUSED = "the Idempotency-Key was used before with another request (an earlier one of the run)"
KNOWN_INPUT_RULES: dict[tuple[str, str], str] = {("positive_data_acceptance", label): reason for label, reason in {
    "GET /api/v2/appointment/sessions/public/calendarByCenter": DATE_WINDOW,
    "GET /api/v2/appointment/sessions/public/calendarByPin": DATE_WINDOW,
    "GET /api/v2/appointment/sessions/public/findByPin": DATE_WINDOW,
    "GET /api/v2/appointment/sessions/public/calendarByDistrict": EXISTING_ROW,
    "GET /api/v2/appointment/sessions/public/findByDistrict": EXISTING_ROW,
    "GET /api/v2/admin/location/districts/{state_id}": EXISTING_ROW,
    "GET /api/bookings/citizen/sessions/": EXISTING_ROW,
    "POST /api/bookings/citizen/otp/confirm/": EXISTING_ROW,
    "POST /api/public/tickets/": EXISTING_ROW,
    "POST /api/tickets/": EXISTING_ROW,
    "POST /api/tickets/{number}/assign/": EXISTING_ROW,
    "POST /api/sla/policies/": EXISTING_ROW,
    "POST /api/sla/tickets/{number}/progress/": NOW,
    "POST /api/sla/rotations/{id}/overrides/": TOGETHER,
    "PUT /api/sla/rotations/{id}/": TOGETHER,
    # A resolution note when `to` is resolved; a vendor code, when given, must exist.
    "POST /api/tickets/{number}/transition/": TOGETHER,
    # A supervisor's or an agent's position report names a district (a district official's is their
    # own); and the period's rules below.
    "GET /api/reports/position/": ROLE,
    "GET /api/reports/position.csv": ROLE,
    "POST /api/canned-responses/": UNIQUE,
    "PATCH /api/canned-responses/{id}/": UNIQUE,
    # The incident must exist and be open (else 404 / 409), and so must every ticket (else 404).
    "POST /api/live/incidents/{incident_id}/link/": EXISTING_ROW,
    # The district, named by its CoWIN district_id or its district_code (one of the two is needed), must exist
    # (else 400 invalid_district_id / invalid_district_code); so must a session given, with that slot.
    "POST /api/bookings/registrations/": EXISTING_ROW,
    # A rebooking's target session (an id the fuzz may take from a listing) must exist, be published, be
    # from tomorrow up to 7 days ahead, offer the slot and suit the beneficiary (else 404, 400 or 422).
    "POST /api/bookings/appointments/{appointment_id}/rebook/": EXISTING_ROW,
    "POST /api/bookings/citizen/appointments/{appointment_id}/rebook/": EXISTING_ROW,
    # A session moves to a date from tomorrow up to 30 days ahead (400 outside_window), not its own (422).
    "POST /api/bookings/sessions/{session_id}/move/": DATE_WINDOW,
    # A portal export (CoWIN JSON or CSV) is read as UTF-8 text: other bytes are refused (400 invalid_file).
    "POST /api/bookings/imports/": FILE_TEXT,
    # Components, districts and tickets named must exist (400 / 404); and a public incident (the
    # default) needs body_en and body_hi, its first update (a rule on `public` and both together).
    "POST /api/live/incidents/": EXISTING_ROW,
    # ?district= must name an existing district's code.
    "GET /api/live/status/": EXISTING_ROW,
    # body_en and body_hi together or neither (with both, a public update is posted too).
    "POST /api/live/incidents/{incident_id}/transition/": TOGETHER,
    # A level that reaches people needs a channel (none only for webhook-only levels); level numbers
    # unique, offsets not decreasing with the level; repeat_every_minutes when max_loops > 1.
    "POST /api/sla/ladders/": TOGETHER,
    "PUT /api/sla/ladders/{id}/": TOGETHER,
    # The vendor (code) and every member (username) must exist.
    "POST /api/sla/rotations/": EXISTING_ROW,
    # The calendar, category, district, ladder and vendor named must exist (as for POST).
    "PATCH /api/sla/policies/{id}/": EXISTING_ROW,
    # ?vendor= must name an existing vendor.
    "GET /api/sla/escalations/": EXISTING_ROW,
    # from <= to, at most a year apart, each a date that exists; ?district= an existing district.
    "GET /api/sla/accountability/": TOGETHER,
    # The district, category or team view must exist (a team view: the desk's; mine and by_district
    # are the desk's views too).
    "GET /api/tickets/": EXISTING_ROW,
    # The params' district and category must exist (the name is unique: 409).
    "POST /api/tickets/views/": EXISTING_ROW,
    # The assignee, vendor or incident must exist and the merge's survivor be one the caller sees; and
    # per action its own field (priority, to, survivor), a resolution note with `to` resolved.
    "POST /api/tickets/bulk/": EXISTING_ROW,
    # An active category's code.
    "POST /api/tickets/{number}/category/": EXISTING_ROW,
    # The incident must exist (null unlinks).
    "POST /api/tickets/{number}/incident/": EXISTING_ROW,
    # The ticket in the path (the survivor) must not be among `tickets`.
    "POST /api/tickets/{number}/merge/": TOGETHER,
}.items()}
# The reports' period (reports/scope.py resolve_period): `from` <= `to`, at most 400 days, and `to`
# no later than tomorrow (IST), relative to each other and to today. The ticket export's
# categories must exist too.
KNOWN_INPUT_RULES.update({("positive_data_acceptance", f"GET /api/reports/{name}{twin}"): TOGETHER
                          for name in ("sla", "response-times", "districts", "categories", "vendor", "ratings",
                                       "tickets") for twin in ("/", ".csv")})
# The shift handover's `end` (resolve_shift) must not be in the future.
KNOWN_INPUT_RULES.update({("positive_data_acceptance", f"GET /api/reports/{name}{twin}"): PAST
                          for name in ("shift-opened", "shift-closed", "shift-pending", "shift-breaches",
                                       "shift-notes") for twin in ("/", ".csv")})
KNOWN_INPUT_RULES.update({
    ("positive_data_acceptance", "GET /api/reports/shift/"): PAST,
    # A handover note's `ticket` must name a ticket that exists.
    ("positive_data_acceptance", "POST /api/reports/handover-notes/"): EXISTING_ROW,
})

PRODUCTION = {
    "HELPDESK_ENV": "production", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
    # Served over plain HTTP on 127.0.0.1, as bin/prod does.
    "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0",
    # One client makes every request: the limits have their own tests (tests/hardening).
    "RATE_ANON_IP": "1000000/min", "RATE_ANON_MOBILE": "1000000/min", "RATE_OTP_IP": "1000000/hour",
    "RATE_OTP_MOBILE": "1000000/hour", "RATE_COWIN_IP": "1000000/5min", "OTP_RESEND_SECONDS": "0",
    "LOGIN_FAILURE_LIMIT": "1000000",
}

RESULTS: dict[str, dict] = {}  # role -> summary, printed by tests/fuzz/conftest.py

CREDENTIALS = """
import datetime as dt, secrets
from django.test import Client
from django.utils import timezone
from accounts.models import User
from accounts.tokens import api_token_create
from bookings.models import CitizenToken
from bookings.otp import token_hash
result = {}
for role, who in ROLES.items():
    if who is None:
        continue
    if role == "citizen":
        raw = secrets.token_urlsafe(32)
        CitizenToken.objects.create(token_hash=token_hash(raw), mobile=who, created_at=timezone.now(),
                                    expires_at=timezone.now() + dt.timedelta(hours=6))
        result[role] = {"Authorization": "Bearer " + raw}
    else:
        user = User.objects.get(username=who)
        assert user.role == role or (role == "admin" and user.is_superuser), (who, user.role)
        token = api_token_create(user=user, name="outside fuzz", days=1)[1]
        # And a session (as a browser has after logging in), with its CSRF pair: both schemes the
        # schema declares are given, so `ignored_auth` can take each away in turn.
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)
        result[role] = {"Authorization": "Token " + token, "X-CSRFToken": csrf,
                        "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"}
"""


def _base_name() -> str:
    return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the production shape needs PostgreSQL (set DATABASE_URL)")
    if not shutil.which("redis-server"):
        pytest.skip("the production shape needs a redis-server binary for a private Redis")
    url = database_url_for(f"{_base_name()}_outside")
    create_database(url)
    workdir = tmp_path_factory.mktemp("outside")
    with Stack(database_url=url, workdir=workdir, extra_env=dict(PRODUCTION)) as stack:
        stack.start_redis()
        stack.manage("migrate", "--noinput", "-v0", timeout=1800)  # minutes on a loaded machine
        stack.manage("collectstatic", "--noinput", "-v0", timeout=600)
        # Demo data, as `DEMO_DATA=1 bin/prod` seeds it (development mode for that one command).
        subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, check=True, capture_output=True,
                       env=stack.env(HELPDESK_ENV="development"), timeout=600)
        credentials = run_django(stack.env(), f"ROLES = {ROLES!r}\n" + CREDENTIALS, timeout=300)
        web = stack.start_web(workers=2)
        ws = stack.start_ws()
        yield {"stack": stack, "web": web, "ws": ws, "credentials": credentials, "workdir": workdir}
    drop_database(url)


def schemathesis_run(base: str, headers: dict[str, str] | None, report: Path, *, examples: int = EXAMPLES,
                     phases: str = PHASES) -> subprocess.CompletedProcess:
    # The schema as the server serves it, fetched once (generating it takes seconds under load).
    schema = report.with_suffix(".schema.json")
    schema.write_bytes(httpx.get(f"{base}/api/schema/?format=json", timeout=300).raise_for_status().content)
    argv = [str(Path(sys.executable).parent / "schemathesis"), "run", str(schema),
            "--url", base, "--checks", "all", "--max-examples", str(examples), "--seed", SEED,
            "--phases", phases, "--workers", "1", "--request-timeout", "30", "--continue-on-failure",
            "--report", "ndjson", "--report-ndjson-path", str(report), "--output-truncate", "true"]
    if EXCLUDED_CHECKS:
        argv += ["--exclude-checks", ",".join(EXCLUDED_CHECKS)]
    if PATHS:
        argv += ["--include-path-regex", PATHS]
    for name, value in (headers or {}).items():
        argv += ["--header", f"{name}: {value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env["SCHEMATHESIS_HOOKS"] = ""
    return subprocess.run(argv, capture_output=True, text=True, timeout=3600, env=env, cwd=report.parent)


def _error_code(response: dict) -> str:
    """The `code` of an error body in a recorded response ("" when there is none)."""
    content = response.get("content")
    try:
        raw = base64.b64decode(content["$base64"]) if isinstance(content, dict) else (content or "")
        body = json.loads(raw)
    except (KeyError, TypeError, ValueError):
        return ""
    return body.get("code", "") if isinstance(body, dict) else ""


def summarise(report: Path) -> dict:
    """Requests, statuses and failures (check -> {operation: first message}) from the NDJSON events;
    `codes`: check -> {operation: the error codes of the responses that failed it}."""
    statuses: collections.Counter = collections.Counter()
    failures: dict[str, dict[str, str]] = collections.defaultdict(dict)
    codes: dict[str, dict[str, set[str]]] = collections.defaultdict(lambda: collections.defaultdict(set))
    requests = 0
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for name, body in event.items():
            if name != "ScenarioFinished":
                continue
            recorder = body.get("recorder") or {}
            for interactions in (recorder.get("interactions") or {}).values():
                response = interactions.get("response") or {}
                if response:
                    requests += 1
                    statuses[response.get("status_code")] += 1
            for case_id, checks in (recorder.get("checks") or {}).items():
                for check in checks:
                    if check.get("status") == "failure":
                        label = body.get("label") or recorder.get("label") or "?"
                        failure = check.get("failure_info") or {}
                        message = (failure.get("failure") or {}).get("title") or str(failure)[:300]
                        failures[check["name"]].setdefault(label, message)
                        response = ((recorder.get("interactions") or {}).get(case_id) or {}).get("response") or {}
                        codes[check["name"]][label].add(_error_code(response))
    return {"requests": requests, "statuses": dict(sorted(statuses.items(), key=lambda kv: str(kv[0]))),
            "failures": {name: dict(ops) for name, ops in failures.items()},
            "codes": {name: {label: sorted(found) for label, found in ops.items()} for name, ops in codes.items()}}


@pytest.mark.parametrize("role", list(ROLES))
def test_schemathesis_from_outside(deployment, role):
    report = deployment["workdir"] / f"{role}.ndjson"
    out = schemathesis_run(deployment["web"], deployment["credentials"].get(role), report)
    summary = summarise(report)
    summary["exit"] = out.returncode
    RESULTS[role] = summary
    assert summary["requests"] > 0, out.stdout[-3000:] + out.stderr[-3000:]
    unexpected = unexpected_failures(summary)
    assert not unexpected, json.dumps(unexpected, indent=1)[:8000]


def unexpected_failures(summary: dict) -> dict[str, dict[str, str]]:
    """Failures not explained by KNOWN_INPUT_RULES (marked in the summary as known)."""
    unexpected: dict[str, dict[str, str]] = {}
    known = summary.setdefault("known", {})
    for check, operations in summary["failures"].items():
        for label, message in operations.items():
            if check in INPUT_RULE_CHECKS and (check, label) in KNOWN_INPUT_RULES:
                known[f"{check} {label}"] = KNOWN_INPUT_RULES[(check, label)]
            elif check == "positive_data_acceptance" and summary.get("codes", {}).get(check, {}).get(label) == [
                    "idempotency_key_reused"]:
                known[f"{check} {label}"] = IDEMPOTENCY_KEY_REUSED
            else:
                unexpected.setdefault(check, {})[label] = message
    return unexpected


def test_the_asgi_server_answers_the_same_contract(deployment):
    """uvicorn serves the same application (websockets, and HTTP too): a short anonymous run."""
    report = deployment["workdir"] / "asgi.ndjson"
    out = schemathesis_run(deployment["ws"], None, report, examples=1, phases="examples,fuzzing")
    summary = summarise(report)
    summary["exit"] = out.returncode
    RESULTS["anonymous (uvicorn)"] = summary
    assert summary["requests"] > 0, out.stdout[-3000:] + out.stderr[-3000:]
    unexpected = unexpected_failures(summary)
    assert not unexpected, json.dumps(unexpected, indent=1)[:8000]
