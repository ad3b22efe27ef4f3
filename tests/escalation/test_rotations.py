"""Who is on call now and next: the pure rotation functions (tables, IST boundaries), overrides
and swaps (validation), the escalation reaching the covering engineer, the hand-off SMS (exactly
once per shift change), the preview selector and its include."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string

from escalation import engine, oncall, rotations, selectors
from escalation import people as people_mod
from escalation.models import EscalationNotice, RotationOverride
from escalation.rotations import Span, Turns
from helpdesk.exceptions import Conflict, InvalidInput, NotFound
from notifications.models import OutboxMessage
from tests.escalation.conftest import IST, T0
from tests.factories import UserFactory, VendorFactory
from tickets import services as ts

A, B, C, N = 1, 2, 3, 9  # Arjun, Bina, Chetan (members), Neha (covers)
# Turns of 12 h from 08:00 IST on Mon 4 May 2026: A 08-20, B 20-08, C 08-20 (Tue), A ...
START = dt.datetime(2026, 5, 4, 8, 0, tzinfo=IST)
TURNS = Turns(START, 12, (A, B, C))


def ist(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, day, hour, minute, tzinfo=IST)


FRIDAY_NIGHT = Span(N, ist(8, 20), ist(9, 8), override_id=77)  # Neha covers Fri 20:00 - Sat 08:00

CASES = [
    # (why, overrides, at, now (user, from, until), next (user, from))
    ("before the rotation starts: nobody", [], ist(4, 7, 59), (None, None, ist(4, 8)), (A, ist(4, 8))),
    ("first instant of the first turn", [], ist(4, 8), (A, ist(4, 8), ist(4, 20)), (B, ist(4, 20))),
    ("last minute of a turn", [], ist(4, 19, 59), (A, ist(4, 8), ist(4, 20)), (B, ist(4, 20))),
    ("hand-over instant belongs to the incoming turn", [], ist(4, 20), (B, ist(4, 20), ist(5, 8)), (C, ist(5, 8))),
    ("IST midnight inside a night turn", [], ist(5, 0), (B, ist(4, 20), ist(5, 8)), (C, ist(5, 8))),
    ("UTC midnight (05:30 IST) inside a night turn", [], dt.datetime(2026, 5, 5, 0, 0, tzinfo=dt.UTC),
     (B, ist(4, 20), ist(5, 8)), (C, ist(5, 8))),
    ("round and round: fourth turn is A again", [], ist(5, 21), (A, ist(5, 20), ist(6, 8)), (B, ist(6, 8))),
    # Fri 8 May 20:00 is turn 10 (index 9 % 3 = 0): Arjun's night; Neha covers it.
    ("Friday night without override", [], ist(8, 23), (A, ist(8, 20), ist(9, 8)), (B, ist(9, 8))),
    ("Neha covers for Arjun on Friday night", [FRIDAY_NIGHT], ist(8, 23), (N, ist(8, 20), ist(9, 8)), (B, ist(9, 8))),
    ("the override is next", [FRIDAY_NIGHT], ist(8, 19), (C, ist(8, 8), ist(8, 20)), (N, ist(8, 20))),
    ("override ends: the turns resume", [FRIDAY_NIGHT], ist(9, 8), (B, ist(9, 8), ist(9, 20)), (C, ist(9, 20))),
    ("partial cover splits a turn", [Span(N, ist(8, 22), ist(9, 2), 1)], ist(8, 21),
     (A, ist(8, 20), ist(8, 22)), (N, ist(8, 22))),
    ("after a partial cover the turn's owner is back", [Span(N, ist(8, 22), ist(9, 2), 1)], ist(9, 3),
     (A, ist(9, 2), ist(9, 8)), (B, ist(9, 8))),
    ("cover by the person on call anyway changes nothing", [Span(A, ist(8, 22), ist(9, 2), 1)], ist(8, 23),
     (A, ist(8, 20), ist(9, 8)), (B, ist(9, 8))),
    ("cover extending one's own turn merges", [Span(C, ist(8, 20), ist(9, 8), 1)], ist(8, 10),
     (C, ist(8, 8), ist(9, 8)), (B, ist(9, 8))),
    ("swap: A and B trade Tue night / Wed day", [Span(B, ist(5, 20), ist(6, 8), 1), Span(A, ist(6, 8), ist(6, 20), 2)],
     ist(5, 21), (B, ist(5, 20), ist(6, 8)), (A, ist(6, 8))),
    ("swap, second half", [Span(B, ist(5, 20), ist(6, 8), 1), Span(A, ist(6, 8), ist(6, 20), 2)],
     ist(6, 9), (A, ist(6, 8), ist(6, 20)), (C, ist(6, 20))),
    ("an override before the start puts someone on call", [Span(N, ist(4, 6), ist(4, 8), 1)], ist(4, 7),
     (N, ist(4, 6), ist(4, 8)), (A, ist(4, 8))),
]


@pytest.mark.parametrize(("why", "overrides", "at", "now", "upcoming"), CASES, ids=[c[0] for c in CASES])
def test_now_and_next(why, overrides, at, now, upcoming):
    current, following = rotations.now_and_next(TURNS, overrides, at)
    user, begin, until = now
    assert current.user_id == user
    if begin is not None:
        assert current.starts_at == begin
    assert current.ends_at == until
    assert (following.user_id, following.starts_at) == upcoming


def test_one_member_rotation_has_a_shift_per_turn():
    turns = Turns(START, 24, (A,))
    current, following = rotations.now_and_next(turns, [], ist(6, 9))
    assert (current.user_id, current.starts_at, current.ends_at) == (A, ist(6, 8), ist(7, 8))
    assert (following.user_id, following.starts_at) == (A, ist(7, 8))


def test_empty_rotation_is_nobody():
    current, _following = rotations.now_and_next(Turns(START, 12, ()), [], ist(6, 9))
    assert current.user_id is None


# --- Database: overrides, escalation, hand-off, preview ---------------------------------------------
@pytest.fixture
def neha(people):
    return UserFactory(username="neha", first_name="Neha", last_name="Dewangan", role="vendor_engineer",
                       vendor=people["vendor"], mobile="9100000009")


@pytest.fixture
def rotation(people):
    return people["vendor"].rotations.get()


def test_override_validation(db, people, rotation, neha):
    other = UserFactory(username="x", role="vendor_engineer", vendor=VendorFactory(code="other", name="Other agency"), mobile="9100000010")
    good = {"rotation_id": rotation.pk, "user_id": neha.pk, "starts_at": T0, "ends_at": T0 + dt.timedelta(hours=4)}
    bad = [
        ({"ends_at": T0}, "invalid_interval"),
        ({"ends_at": T0 - dt.timedelta(hours=1)}, "invalid_interval"),
        ({"ends_at": T0 + dt.timedelta(days=40)}, "invalid_interval"),
        ({"starts_at": T0.replace(tzinfo=None)}, "invalid_interval"),
        ({"user_id": other.pk}, "not_vendor_member"),
        ({"user_id": people["dept"].pk}, "not_vendor_member"),
        ({"user_id": 10**8}, "unknown_user"),
    ]
    for change, code in bad:
        with pytest.raises(InvalidInput) as err:
            oncall.rotation_override_create(**(good | change))
        assert err.value.code == code, change
    with pytest.raises(NotFound):
        oncall.rotation_override_create(**(good | {"rotation_id": 10**8}))
    oncall.rotation_override_create(**good)
    with pytest.raises(Conflict) as err:
        oncall.rotation_override_create(**(good | {"starts_at": T0 + dt.timedelta(hours=3),
                                                   "ends_at": T0 + dt.timedelta(hours=6)}))
    assert err.value.code == "override_overlap"
    # Back to back is not an overlap.
    oncall.rotation_override_create(**(good | {"starts_at": T0 + dt.timedelta(hours=4),
                                               "ends_at": T0 + dt.timedelta(hours=6)}))
    assert RotationOverride.objects.count() == 2


def test_escalation_reaches_the_covering_engineer(policy, people, rotation, neha, make_ticket,
                                                  django_capture_on_commit_callbacks):
    # eng1's shift (T0-2h .. T0+10h); Neha covers from T0+30min.
    oncall.rotation_override_create(rotation_id=rotation.pk, user_id=neha.pk, starts_at=T0 + dt.timedelta(minutes=30),
                                    ends_at=T0 + dt.timedelta(hours=3))
    with time_machine.travel(T0, tick=False) as tm:
        ticket = make_ticket()
        ts.ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=ts.Actor.of(people["dept"]),
                             vendor=people["vendor"])
        tm.shift(dt.timedelta(minutes=61))
        people_mod.clear_cache()
        with django_capture_on_commit_callbacks(execute=True):
            engine.sweep()
    notices = EscalationNotice.objects.filter(record__ticket=ticket, record__level=1)
    assert {n.user for n in notices} == {neha}
    assert OutboxMessage.objects.filter(notice__in=notices, recipient="9100000009", channel="sms").exists()


def test_handoff_sms_once_per_shift_change(db, people, rotation, neha, django_capture_on_commit_callbacks):
    def handoffs():
        return list(OutboxMessage.objects.filter(idempotency_key__startswith="oncall-handoff:")
                    .order_by("id").values_list("recipient", flat=True))

    # T0-2h: eng1's turn began 2 h ago (outside the window): nothing.
    with time_machine.travel(T0, tick=False) as tm:
        assert oncall.handoff_sweep() == 0
        tm.move_to(T0 + dt.timedelta(hours=10, minutes=1))  # eng2's turn began a minute ago
        assert oncall.handoff_sweep() == 1
        assert oncall.handoff_sweep() == 0  # the next run (and any parallel one) adds nothing
        tm.shift(dt.timedelta(minutes=5))
        assert oncall.handoff_sweep() == 0
        assert handoffs() == ["9100000002"]
        # Neha covers from 2 h on: she is told when her cover begins, once.
        oncall.rotation_override_create(rotation_id=rotation.pk, user_id=neha.pk,
                                        starts_at=T0 + dt.timedelta(hours=12), ends_at=T0 + dt.timedelta(hours=14))
        tm.move_to(T0 + dt.timedelta(hours=12))
        people_mod.clear_cache()
        assert oncall.handoff_sweep() == 1
        assert oncall.handoff_sweep() == 0
        tm.move_to(T0 + dt.timedelta(hours=14, minutes=2))  # cover over: eng2 again, a new shift
        assert oncall.handoff_sweep() == 1
    assert handoffs() == ["9100000002", "9100000009", "9100000002"]
    neha_sms = OutboxMessage.objects.get(recipient="9100000009")
    assert "until" in neha_sms.body and "Next:" in neha_sms.body


def test_handoff_for_an_override_created_after_it_began(db, people, rotation, neha):
    with time_machine.travel(T0, tick=False):
        oncall.rotation_override_create(rotation_id=rotation.pk, user_id=neha.pk,
                                        starts_at=T0 - dt.timedelta(hours=1), ends_at=T0 + dt.timedelta(hours=3))
        assert oncall.handoff_sweep() == 1
    assert OutboxMessage.objects.filter(recipient="9100000009", idempotency_key__startswith="oncall-handoff:").count() == 1


def test_handoff_in_hindi(db, people, rotation):
    people["eng2"].preferred_language = "hi"
    people["eng2"].save()
    with time_machine.travel(T0 + dt.timedelta(hours=10, minutes=1), tick=False):
        oncall.handoff_sweep()
    body = OutboxMessage.objects.get(recipient="9100000002").body
    assert "ऑन-कॉल" in body and "On call" not in body


def test_preview_now_and_next_with_scoping(db, people, rotation, neha):
    oncall.rotation_override_create(rotation_id=rotation.pk, user_id=neha.pk, starts_at=T0 + dt.timedelta(hours=10),
                                    ends_at=T0 + dt.timedelta(hours=22))
    other_vendor_engineer = UserFactory(username="o1", role="vendor_engineer", vendor=VendorFactory(code="other", name="Other agency"))
    with time_machine.travel(T0, tick=False):
        preview = selectors.on_call_preview(people["dept"])
        mine = selectors.on_call_preview(people["eng1"])
        theirs = selectors.on_call_preview(other_vendor_engineer)
    row = next(v for v in preview if v["vendor_id"] == people["vendor"].pk)
    shift = row["rotations"][0]
    assert shift["now"]["person"]["username"] == "eng1" and shift["now"]["until"] == T0 + dt.timedelta(hours=10)
    assert shift["next"]["person"]["username"] == "neha" and shift["next"]["override"] is True
    assert [p["username"] for p in row["responsible_officers"]] == ["off"]
    assert [p["username"] for p in row["vendor_heads"]] == ["head"]
    assert [v["vendor_id"] for v in mine] == [people["vendor"].pk]
    assert people["vendor"].pk not in [v["vendor_id"] for v in theirs]
    html = render_to_string("escalation/_on_call.html", {"on_call": preview})
    assert "Neha Dewangan" in html and "covering" in html


def test_admin_rotation_preview_and_override_inline(db, people, rotation, neha, client):
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    with time_machine.travel(T0, tick=False):
        listing = client.get("/admin/escalation/oncallrotation/")
    assert listing.status_code == 200
    assert people["eng1"].get_full_name() in listing.content.decode()
    url = f"/admin/escalation/oncallrotation/{rotation.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "override" in page.content.decode().lower()


def test_plan_ignores_inactive_people(db, people, rotation, neha):
    people["eng1"].is_active = False
    people["eng1"].save()
    with time_machine.travel(T0, tick=False):
        # eng1's turn, but eng1 left: the turns are among the active members (eng2 alone).
        assert people_mod.on_call_now(people["vendor"].pk, T0) == people["eng2"]


def test_vendor_page_shows_who_is_on_call(db, people, rotation, neha, client):
    oncall.rotation_override_create(rotation_id=rotation.pk, user_id=neha.pk, starts_at=T0 - dt.timedelta(hours=1),
                                    ends_at=T0 + dt.timedelta(hours=1))
    client.force_login(people["eng2"])
    with time_machine.travel(T0, tick=False):
        page = client.get("/vendor/").content.decode()
    assert "Who is on call" in page and "Neha Dewangan" in page and "covering" in page
