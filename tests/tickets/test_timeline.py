"""The timeline renderer: a sentence for every event kind the code writes, in English and Hindi,
with internal events hidden from citizens and clock bookkeeping folded."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from escalation.engine import OWN_KINDS
from tests.factories import UserFactory
from tickets.models import TicketEvent
from tickets.services import Actor, ticket_comment, ticket_set_priority, ticket_transition
from tickets.timeline import FOLDED, SENTENCES, Audience, render_timeline

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "bookings", "escalation", "helpdesk", "live", "reports", "tickets")


def _strings(node: ast.AST) -> set[str]:
    """String constants of an argument, including both arms of `"a" if x else "b"`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def _callee(call: ast.Call) -> tuple[str, str]:
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else getattr(func.value, "attr", "")
        return owner, func.attr
    return "", func.id if isinstance(func, ast.Name) else ""


def _parse(source: str) -> ast.AST:
    try:
        return ast.parse(source)
    except SystemError:  # CPython 3.11's "AST constructor recursion depth mismatch" (gh-106905): once more
        return ast.parse(source)


def kinds_written_in_code() -> set[str]:
    """Every literal event kind passed to the writers of TicketEvent rows: `<x>changes.add(kind)`,
    `record(ticket_id, kind, ...)`, `batch.event(sla, kind, ...)` and `timeline_event(kind, ...)`
    (escalation), `ticket_record_event(kind=...)` and
    `TicketEvent(kind=...)`, anywhere in the apps."""
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for call in (n for n in ast.walk(_parse(path.read_text())) if isinstance(n, ast.Call)):
                owner, name = _callee(call)
                keywords = {k.arg: k.value for k in call.keywords}
                if name == "add" and owner.endswith("changes") and call.args:
                    found |= _strings(call.args[0])
                elif name == "record" and len(call.args) >= 2 and owner in ("", "engine"):
                    found |= _strings(call.args[1])
                elif name == "event" and len(call.args) >= 2 and owner == "batch":  # the sweep's batch
                    found |= _strings(call.args[1])
                elif name == "timeline_event" and call.args:
                    found |= _strings(call.args[0])
                elif name in ("ticket_record_event", "TicketEvent") and "kind" in keywords:
                    found |= _strings(keywords["kind"])
    return found


def test_the_scan_finds_the_kinds_of_every_writer():
    kinds = kinds_written_in_code()
    # ticket services, the escalation engine and acknowledgements, conditional kinds
    assert {"created", "status_changed", "merged", "incident_unlinked", "clock_rearmed", "escalation_fired",
            "escalation_acknowledged", "eta_posted"} <= kinds
    assert OWN_KINDS <= kinds


def test_every_kind_in_the_code_has_a_sentence():
    missing = sorted((kinds_written_in_code() | OWN_KINDS) - set(SENTENCES))
    assert not missing, f"event kinds without a timeline sentence: {missing}"


# Representative payloads, as the writers store them; kinds without one here render from an empty
# payload (old rows, or a writer that stores nothing).
SAMPLES: dict[str, dict] = {
    "created": {"payload": {"channel": "phone", "priority": "P2"}, "is_public": True},
    "chased": {"payload": {"channel": "sms"}},
    "status_changed": {"from_value": "new", "to_value": "in_progress", "is_public": True},
    "comment": {"payload": {"author_kind": "staff", "public": True}, "is_public": True},
    "first_response": {"payload": {"contacted": True}},
    "contacted": {"payload": {"note": "फ़ोन किया"}},
    "priority_changed": {"from_value": "P3", "to_value": "P1"},
    "category_changed": {"from_value": "otp-not-received", "to_value": "portal-down"},
    "incident_linked": {"to_value": "7"},
    "incident_unlinked": {"from_value": "7"},
    "registration_attached": {"to_value": "12345678901234"},
    "merged_into": {"to_value": "K7M4QX2P", "is_public": True},
    "merged": {"from_value": "A2C3D4E6"},
    "clock_started": {"payload": {"clock": "resolution", "goal_minutes": 240, "business": True,
                                  "calendar": "business hours"}},
    "clock_paused": {"payload": {"clock": "first_response"}},
    "clock_resumed": {"payload": {"clock": "first_response"}},
    "clock_stopped": {"payload": {"clock": "vendor_ack", "within_target": False}},
    "clock_rearmed": {"payload": {"clock": "resolution", "due_at": "2026-05-04T10:30:00+00:00"}},
    "sla_warning": {"payload": {"clock": "resolution", "due_at": "2026-05-04T10:30:00+00:00"}},
    "sla_breach": {"payload": {"clock": "first_response", "due_at": "2026-05-04T10:30:00+00:00"}},
    "eta_missed": {"payload": {"clock": "eta", "eta_at": "2026-05-04T10:30:00+00:00"}},
    "escalation_fired": {"payload": {"clock": "resolution", "level": 1, "recipients": ["Neha Dewangan"],
                                     "targets": ["on_call"], "channels": ["sms"]}},
    "escalation_acknowledged": {"payload": {"via": "link", "clocks": ["resolution"]}},
    "eta_posted": {"payload": {"clock": "eta", "eta_at": "2026-05-04T10:30:00+00:00"}},
}
KINDS = sorted(set(SENTENCES) | kinds_written_in_code() | OWN_KINDS)
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # a raw code such as in_progress or clock_rearmed


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sample", ["full", "empty"])
def test_each_kind_reads_as_a_sentence_in_both_languages(kind, sample, make_ticket, agent):
    ticket = make_ticket()
    fields = SAMPLES.get(kind, {}) if sample == "full" else {}
    if kind == "assigned" and sample == "full":
        fields = {"to_value": str(agent.pk)}
    event = TicketEvent.objects.create(ticket=ticket, actor=agent, kind=kind, **fields)
    texts = {}
    for language in ("en", "hi"):
        [entry] = render_timeline([event], audience=Audience.STAFF, language=language)
        text = " ".join([entry.text, *entry.details])
        assert entry.text and not CODE.search(text), text
        assert "%(" not in text and "Other change" not in text
        texts[language] = text
    assert texts["hi"] != texts["en"]
    assert re.search("[\u0900-\u097f]", texts["hi"]), texts["hi"]  # Devanagari, not English
    names = {agent.first_name, agent.last_name, agent.username, "Neha", "Dewangan", "SMS", "SLA", "ETA", "API"}
    english = set(re.findall(r"[A-Za-z]{3,}", texts["hi"])) - names
    assert not english, texts["hi"]  # every word of the sentence is translated


def test_staff_sentences_name_the_people_and_the_moves(make_ticket, agent):
    agent.first_name, agent.last_name = "Asha", "Sahu"
    agent.save()
    ticket = make_ticket()
    ticket_transition(ticket_id=ticket.pk, to="in_progress", actor=Actor.of(agent))
    [entry] = [e for e in render_timeline(list(ticket.events.all()), language="en") if e.kind == "status_changed"]
    assert entry.text == "Status changed from New to In progress by Asha Sahu (Helpdesk agent)"
    [entry] = [e for e in render_timeline(list(ticket.events.all()), language="hi") if e.kind == "status_changed"]
    assert "नया से कार्य जारी" in entry.text and "Asha Sahu" in entry.text


def test_an_escalation_reads_with_its_acknowledgement(make_ticket):
    neha = UserFactory(username="neha", first_name="Neha", last_name="Dewangan", role="vendor_engineer")
    ticket = make_ticket()
    start = timezone.now()
    fired = TicketEvent.objects.create(ticket=ticket, kind="escalation_fired", actor_label="system",
                                       payload=SAMPLES["escalation_fired"]["payload"])
    with time_machine.travel(start + dt.timedelta(minutes=4, seconds=10)):
        ack = TicketEvent.objects.create(ticket=ticket, kind="escalation_acknowledged", actor=neha,
                                         actor_label="vendor-link", payload={"via": "link", "clocks": ["resolution"]})
    TicketEvent.objects.filter(pk=fired.pk).update(created_at=start)
    entries = render_timeline(list(TicketEvent.objects.filter(pk__in=[fired.pk, ack.pk]).order_by("id")), language="en")
    assert entries[0].text == ("Level 1 (Resolution): SMS to Neha Dewangan (Vendor engineer on call now)"
                               " — acknowledged 4 min later via the signed link")
    assert entries[1].text == "Escalation acknowledged by Neha Dewangan (Vendor engineer) via the signed link"


def test_citizens_see_public_events_only_and_no_staff_names(make_ticket, agent):
    ticket = make_ticket()
    ticket_comment(ticket_id=ticket.pk, body="internal", actor=Actor.of(agent), is_public=False)
    ticket_comment(ticket_id=ticket.pk, body="on it", actor=Actor.of(agent), is_public=True)
    ticket_set_priority(ticket_id=ticket.pk, priority="P1", actor=Actor.of(agent))
    ticket_transition(ticket_id=ticket.pk, to="resolved", actor=Actor.of(agent))
    events = list(ticket.events.all())
    staff = render_timeline(events, language="en")
    citizen = render_timeline(events, audience=Audience.CITIZEN, language="en")
    assert [e.text for e in citizen] == ["Complaint received (Web)", "The helpdesk replied",
                                         "Status changed from New to Resolved by the helpdesk"]
    assert any("Internal note" in e.text for e in staff) and any("Priority changed" in e.text for e in staff)
    assert not any(agent.username in " ".join([e.text, *e.details]) for e in citizen)


def test_clock_bookkeeping_is_folded_into_the_change_that_caused_it(make_ticket, agent):
    ticket = make_ticket()
    ticket_transition(ticket_id=ticket.pk, to="awaiting_citizen", actor=Actor.of(agent))
    events = list(ticket.events.all())
    assert {e.kind for e in events} & FOLDED  # the SLA engine wrote clock events
    entries = render_timeline(events, language="en")
    assert not any(e.kind in FOLDED for e in entries)
    opened, moved = entries
    assert any("clock started" in d for d in opened.details)
    assert moved.text.startswith("Status changed from New to Awaiting citizen")
    assert any("paused while awaiting the citizen" in d for d in moved.details)


def test_the_ticket_page_shows_sentences_not_codes(client, agent, make_ticket):
    ticket = make_ticket()
    ticket_set_priority(ticket_id=ticket.pk, priority="P1", actor=Actor.of(agent))
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    timeline = page[page.index('id="timeline"'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert "Priority changed from P2 · high to P1 · critical" in timeline
    assert "clock_" not in timeline and "<code>" not in timeline


def test_the_vendor_page_shows_the_timeline_without_the_desks_notes(client, make_ticket, agent):
    from tests.factories import VendorFactory

    vendor = VendorFactory()
    engineer = UserFactory(role="vendor_engineer", vendor=vendor)
    ticket = make_ticket()
    ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=Actor.of(agent), vendor=vendor,
                      note="caller is an MLA's relative")
    client.force_login(engineer)
    page = client.get(f"/vendor/tickets/{ticket.number}/").content.decode()
    timeline = page[page.index('id="timeline"'):]
    assert "Handed to the vendor State IT agency by" in timeline
    assert "Status changed from New to Awaiting vendor by" in timeline
    assert "MLA" not in timeline  # the desk's note stays with the desk
    client.force_login(agent)
    client_page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Note: caller is an MLA" in client_page[client_page.index('id="timeline"'):]
