"""Ladder levels chosen from lists in the admin (not typed JSON), their validation, and the
"test this ladder" action (marked TEST messages through the outbox, recorded, no escalation)."""

from __future__ import annotations

import pytest
import time_machine

from escalation.models import EscalationRecord, LadderLevel, LadderTestRun
from notifications.models import OutboxMessage
from tests.escalation.conftest import T0
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


def level_form(ladder, rows):
    """The admin change form's POST for `ladder` with these level rows."""
    data = {"name": ladder.name, "repeat_every_minutes": "", "max_loops": "1",
            "levels-TOTAL_FORMS": str(len(rows)), "levels-INITIAL_FORMS": "0", "levels-MIN_NUM_FORMS": "0",
            "levels-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data |= {f"levels-{i}-level": str(row["level"]), f"levels-{i}-offset_minutes": str(row["offset"]),
                 f"levels-{i}-requires_ack": "on", f"levels-{i}-ladder": str(ladder.pk)}
        data[f"levels-{i}-targets"] = row["targets"]
        data[f"levels-{i}-channels"] = row["channels"]
    return data


def test_level_form_offers_lists(admin_client, ladder):
    page = admin_client.get(f"/admin/escalation/ladder/{ladder.pk}/change/").content.decode()
    assert 'type="checkbox" name="levels-0-targets" value="on_call"' in page
    assert 'name="levels-0-channels" value="voice"' in page


def test_levels_saved_from_checkboxes(admin_client, ladder):
    ladder.levels.all().delete()
    rows = [{"level": 1, "offset": 0, "targets": ["on_call"], "channels": ["voice", "sms"]},
            {"level": 2, "offset": 10, "targets": ["vendor_head", "responsible_officer"], "channels": ["email"]}]
    response = admin_client.post(f"/admin/escalation/ladder/{ladder.pk}/change/", level_form(ladder, rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    levels = list(LadderLevel.objects.filter(ladder=ladder).order_by("level").values_list("targets", "channels"))
    assert levels == [(["on_call"], ["sms", "voice"]), (["responsible_officer", "vendor_head"], ["email"])]


BAD_LEVELS = [
    ("no target", [{"level": 1, "offset": 0, "targets": [], "channels": ["sms"]}], "This field is required"),
    ("unknown target", [{"level": 1, "offset": 0, "targets": ["ceo"], "channels": ["sms"]}], "Select a valid choice"),
    ("unknown channel", [{"level": 1, "offset": 0, "targets": ["on_call"], "channels": ["fax"]}], "Select a valid choice"),
    ("no channel for people", [{"level": 1, "offset": 0, "targets": ["on_call"], "channels": []}],
     "at least one channel"),
    ("higher level fires first", [{"level": 1, "offset": 30, "targets": ["on_call"], "channels": ["sms"]},
                                  {"level": 2, "offset": 10, "targets": ["vendor_head"], "channels": ["sms"]}],
     "offsets must not decrease"),
]


@pytest.mark.parametrize(("why", "rows", "message"), BAD_LEVELS, ids=[b[0] for b in BAD_LEVELS])
def test_bad_levels_refused_with_a_message(why, rows, message, admin_client, ladder):
    ladder.levels.all().delete()
    response = admin_client.post(f"/admin/escalation/ladder/{ladder.pk}/change/", level_form(ladder, rows))
    assert response.status_code == 200 and message in response.content.decode()
    assert not LadderLevel.objects.filter(ladder=ladder).exists()  # nothing saved


def test_webhook_only_level_needs_no_channel(admin_client, ladder):
    ladder.levels.all().delete()
    rows = [{"level": 1, "offset": 0, "targets": ["webhook"], "channels": []}]
    response = admin_client.post(f"/admin/escalation/ladder/{ladder.pk}/change/", level_form(ladder, rows))
    assert response.status_code == 302


def test_test_this_ladder_sends_marked_messages_and_records_them(admin_client, ladder, policy, people,
                                                                django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/escalation/ladder/", {"action": "test_ladder",
                                                                   "_selected_action": [ladder.pk]}, follow=True)
    assert response.status_code == 200
    run = LadderTestRun.objects.get(ladder=ladder)
    got = sorted((s["level"], s["user"], s["channel"]) for s in run.sent)
    # Level 1 the engineer on call now, 2 the officer by SMS and email, 3 the head, 4 the department.
    assert got == [(1, "eng1", "sms"), (2, "off", "email"), (2, "off", "sms"), (3, "head", "sms"), (4, "dept", "sms")]
    messages = OutboxMessage.objects.filter(idempotency_key__startswith=f"ladder-test:{run.pk}:")
    assert messages.count() == 5
    assert all(m.body.startswith("TEST, not an escalation") and m.ticket_id is None and m.notice_id is None
               for m in messages)
    assert set(messages.values_list("status", flat=True)) == {"sent"}
    assert not EscalationRecord.objects.exists()
    assert "5 test messages queued" in response.content.decode()


def test_test_reports_levels_that_reach_nobody(admin_client, ladder, policy, people):
    people["head"].is_active = False
    people["head"].save()
    admin_client.post("/admin/escalation/ladder/", {"action": "test_ladder", "_selected_action": [ladder.pk]})
    run = LadderTestRun.objects.get(ladder=ladder)
    assert [u["level"] for u in run.unreachable] == [3]
