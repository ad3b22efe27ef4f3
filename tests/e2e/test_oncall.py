"""Journeys of on-call configuration: a supervisor (desktop, admin) sees who is on call now and
next, makes Neha cover the current shift with an override, and tests the ladder; the engineers'
vendor page (a phone, English and Hindi) shows the new "now and next"; the covering engineer
gets the hand-off SMS."""

import datetime as dt
import os
from pathlib import Path

import pytest

from .conftest import PHONE, chromium_missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]
SHOTS = Path(os.environ.get("E2E_SHOTS", "")) if os.environ.get("E2E_SHOTS") else None

STATE = """
from escalation.models import OnCallRotation
rotation = OnCallRotation.objects.filter(is_active=True).order_by("id").first()
result = {"id": rotation.pk, "vendor": rotation.vendor_id}
"""
WHO = """
from django.utils import timezone
from escalation import people
result = getattr(people.on_call_now({vendor}, timezone.now()), "username", None)
"""


def shot(page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def pick_person(page, row: str, name: str, username: str) -> None:
    """The admin's autocomplete: open it, type the first name, take the match (shown by username)."""
    page.click(f"{row}-user + .select2 .select2-selection")
    page.keyboard.type(name.split()[0])
    page.get_by_role("option", name=username, exact=True).click()


def test_supervisor_overrides_the_shift_and_engineers_see_it(app_server, new_page, login):
    rotation = app_server.django(STATE)
    before = app_server.django(WHO.format(vendor=rotation["vendor"]))
    cover = "engineer2" if before == "engineer" else "engineer"
    cover_name = {"engineer": "Vikas Singh", "engineer2": "Neha Dewangan"}[cover]
    cover_mobile = {"engineer": "9000000007", "engineer2": "9000000008"}[cover]

    desk = new_page(viewport={"width": 1280, "height": 900})
    login(desk, "admin", next_path="/admin/escalation/oncallrotation/")
    desk.goto(app_server.url("/admin/escalation/oncallrotation/"))
    assert desk.get_by_role("columnheader", name="On call now").is_visible()
    shot(desk, "admin-rotations-before")

    # Override: the other engineer covers from a minute ago for three hours.
    desk.goto(app_server.url(f"/admin/escalation/oncallrotation/{rotation['id']}/change/"))
    desk.click("#overrides-group .add-row a")
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    start, end = now - dt.timedelta(minutes=1), now + dt.timedelta(hours=3)
    row = "#id_overrides-0"
    pick_person(desk, row, cover_name, cover)
    desk.fill(f"{row}-starts_at_0", start.strftime("%Y-%m-%d"))
    desk.fill(f"{row}-starts_at_1", start.strftime("%H:%M:%S"))
    desk.fill(f"{row}-ends_at_0", end.strftime("%Y-%m-%d"))
    desk.fill(f"{row}-ends_at_1", end.strftime("%H:%M:%S"))
    desk.fill(f"{row}-reason", "covers the night")
    desk.click("input[name=_save]")
    desk.wait_for_url("**/admin/escalation/oncallrotation/")
    assert "was changed successfully" in desk.content(), desk.content()[:2000]
    listing = desk.locator("#result_list").inner_text()
    assert cover_name.split()[0] in listing and "covering" in listing
    shot(desk, "admin-rotations-after")

    # An inverted interval is refused with a message, nothing saved.
    desk.goto(app_server.url(f"/admin/escalation/oncallrotation/{rotation['id']}/change/"))
    desk.click("#overrides-group .add-row a")
    row = "#id_overrides-1"
    pick_person(desk, row, cover_name, cover)
    desk.fill(f"{row}-starts_at_0", (end + dt.timedelta(days=2)).strftime("%Y-%m-%d"))
    desk.fill(f"{row}-starts_at_1", "10:00:00")
    desk.fill(f"{row}-ends_at_0", (end + dt.timedelta(days=2)).strftime("%Y-%m-%d"))
    desk.fill(f"{row}-ends_at_1", "09:00:00")
    desk.click("input[name=_save]")
    desk.locator(".errorlist").first.wait_for()
    errors = desk.locator(".errorlist").all_inner_texts()
    assert "The end must be after the start." in " ".join(errors), errors
    shot(desk, "admin-override-refused")

    # Ladder levels are ticked from lists; "test this ladder" reports what it queued.
    desk.goto(app_server.url("/admin/escalation/ladder/"))
    first = desk.locator("#result_list tbody tr").first
    first.locator("input.action-select").check()
    desk.select_option("select[name=action]", "test_ladder")
    desk.click("button[name=index]")
    desk.wait_for_load_state()
    assert "test messages queued" in desk.locator(".messagelist").inner_text()
    shot(desk, "admin-ladder-tested")
    first_link = desk.locator("#result_list tbody tr th a").first
    first_link.click()
    desk.wait_for_url("**/change/")
    desk.locator("input[type=checkbox][value=on_call]").first.wait_for(state="visible")
    desk.locator("input[type=checkbox][value=voice]").first.wait_for(state="visible")
    shot(desk, "admin-ladder-levels")

    # The covering engineer is told (hand-off SMS from the periodic job) ...
    app_server.wait_outbox(cover_mobile, r"on call for .* until", timeout=90)

    # ... and both engineers' vendor page, on a phone, shows who is on call now and next.
    for lang, expect in (("en", "Who is on call"), ("hi", "कौन ऑन-कॉल है")):
        phone = new_page(**PHONE)
        login(phone, "engineer", next_path="/vendor/")
        if lang == "hi":
            phone.click("label.nav-toggle-label")
            phone.click("button[name=language][value=hi]")
            phone.wait_for_load_state()
        phone.goto(app_server.url("/vendor/"))
        section = phone.locator("section.on-call")
        text = section.inner_text()
        assert expect in text and cover_name in text, text
        if lang == "hi":
            assert "covering" not in text and "Nobody" not in text
        shot(phone, f"vendor-on-call-{lang}")
