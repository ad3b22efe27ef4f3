"""The district official's side: centre staff logins, sync state, refusals, reconciliation."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from bookings.models import Appointment, Beneficiary, ChangeRecord
from bookings.offline.models import OfflineRecord, Resolution
from bookings.offline.services import offline_sync_batch
from tests.bookings.factories import BeneficiaryFactory, book

from .conftest import batch, make_centre, make_staff, walk_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(make_user):
    return make_user("district_official")  # Raipur


def test_the_database_refuses_centre_staff_without_a_centre(raipur):
    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.create(username="nocentre", role=Role.CENTRE_STAFF, district=raipur)


def test_a_district_official_creates_staff_for_their_own_centres_only(client, official, centre):
    client.force_login(official)
    page = client.get(f"/booking/district/centres/{centre.pk}/")
    assert page.status_code == 200
    response = client.post(f"/booking/district/centres/{centre.pk}/", {
        "username": "phc-tilda", "first_name": "Lata", "last_name": "Sahu", "password": "a-long-secret-9"}, follow=True)
    assert "phc-tilda" in response.content.decode()
    user = User.objects.get(username="phc-tilda")
    assert (user.role, user.centre, user.district) == ("centre_staff", centre, centre.district)
    assert user.check_password("a-long-secret-9")
    weak = client.post(f"/booking/district/centres/{centre.pk}/", {"username": "phc-two", "first_name": "A",
                                                                   "password": "password"})
    assert weak.status_code == 200 and not User.objects.filter(username="phc-two").exists()
    taken = client.post(f"/booking/district/centres/{centre.pk}/", {"username": "phc-tilda", "first_name": "B",
                                                                    "password": "another-long-one-7"})
    assert "taken" in taken.content.decode()
    bastar = make_centre("bastar")
    assert client.get(f"/booking/district/centres/{bastar.pk}/").status_code == 404
    assert client.post(f"/booking/district/centres/{bastar.pk}/", {"username": "sneaky", "first_name": "S",
                                                                   "password": "a-long-secret-9"}).status_code == 404
    assert not User.objects.filter(username="sneaky").exists()


def test_the_sync_state_shows_last_contact_waiting_and_refusals(client, official, centre, staff):
    offline_sync_batch(user=staff, data=batch([walk_in(centre), walk_in(centre, vaccine="COVAXIN")], waiting=12))
    client.force_login(official)
    html = client.get("/booking/district/centres/").content.decode()
    row = html[html.index(f'data-center-id="{centre.center_id}"'):]
    row = row[:row.index("</tr>")]
    assert '<td class="waiting">10</td>' in row and '<td class="accepted">1</td>' in row
    assert '<span class="badge bad">1</span>' in row
    bastar = make_centre("bastar")
    assert f'data-center-id="{bastar.center_id}"' not in html

    detail = client.get(f"/booking/district/centres/{centre.pk}/").content.decode()
    assert "The session is for another age group" in detail
    refused = OfflineRecord.objects.get(status="refused")
    client.post(f"/booking/district/offline-records/{refused.pk}/resolve/", {"resolution": "resolved",
                                                                           "note": "entered on paper"})
    refused.refresh_from_db()
    assert (refused.resolution, refused.resolved_by, refused.resolution_note) == ("resolved", official, "entered on paper")


def test_the_sync_state_page_in_hindi(client, official, centre, staff):
    client.force_login(official)
    client.cookies["django_language"] = "hi"
    html = client.get("/booking/district/centres/").content.decode()
    assert "ऑफ़लाइन" in html or "केंद्र" in html


def test_a_district_official_of_another_district_cannot_resolve(client, centre, staff, make_user, bastar):
    offline_sync_batch(user=staff, data=batch([walk_in(centre, vaccine="COVAXIN")]))
    client.force_login(make_user("district_official", district=bastar))
    record = OfflineRecord.objects.get()
    client.post(f"/booking/district/offline-records/{record.pk}/resolve/", {"resolution": "resolved"})
    record.refresh_from_db()
    assert record.resolution == Resolution.OPEN


def test_a_look_alike_of_a_portal_registration_is_merged(client, official, centre, staff):
    portal = BeneficiaryFactory(name="Ramesh Kumar Sahu", birth_year=1980, mobile="9876500077")
    other_centre = make_centre()
    from tests.offline.test_sync_services import session_today

    booking = book(portal, session_today(other_centre))
    [result] = offline_sync_batch(user=staff, data=batch([walk_in(centre, name="Ramesh Kumar Saahu", birth_year=1980,
                                                                  mobile="9876500077")]))["results"]
    assert result["status"] == "accepted"
    unrelated = offline_sync_batch(user=staff, data=batch([walk_in(centre, name="Geeta Bai", birth_year=1980,
                                                                   mobile="9876500077")]))["results"][0]
    client.force_login(official)
    page = client.get("/booking/district/duplicates/").content.decode()
    assert "Ramesh Kumar Saahu" in page and portal.reference_id in page and "Geeta Bai" not in page
    record = OfflineRecord.objects.get(beneficiary__reference_id=result["reference_id"])
    before = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first()
    client.post("/booking/district/duplicates/", {"record": record.pk, "into": portal.reference_id})
    record.refresh_from_db()
    portal.refresh_from_db()
    booking.refresh_from_db()
    assert record.resolution == Resolution.MERGED
    assert Appointment.objects.get(pk=record.appointment_id).beneficiary == portal
    assert (portal.dose1_vaccine, booking.status) == ("COVISHIELD", "cancelled")
    assert session_today(other_centre).booked_dose1 == 0
    assert Beneficiary.objects.get(reference_id=result["reference_id"]).mobile is None
    assert [c.kind for c in ChangeRecord.objects.filter(id__gt=before).order_by("id")] == [
        "appointment.cancelled", "beneficiary.merged"]
    assert "Ramesh Kumar Saahu" not in client.get("/booking/district/duplicates/").content.decode()
    assert unrelated["status"] == "accepted"


def test_keep_both_closes_the_question(client, official, centre, staff):
    BeneficiaryFactory(name="Sunita Devi", birth_year=1975, mobile="9876500088")
    offline_sync_batch(user=staff, data=batch([walk_in(centre, name="Sunita Devii", birth_year=1975, mobile="9876500088")]))
    record = OfflineRecord.objects.get()
    client.force_login(official)
    client.post(f"/booking/district/offline-records/{record.pk}/resolve/", {"resolution": "kept"})
    record.refresh_from_db()
    assert record.resolution == Resolution.KEPT
    assert "Sunita Devii" not in client.get("/booking/district/duplicates/").content.decode()


def test_centre_staff_see_their_app_and_nothing_of_the_desk(client, staff):
    client.force_login(staff)
    app = client.get("/centre/")
    assert app.status_code == 200 and b"centre-strings" in app.content and b"<script>" not in app.content
    assert client.get("/booking/district/centres/").status_code == 404
    assert client.get("/booking/desk/").status_code in (403, 404)
    assert client.get("/api/tickets/").status_code in (403, 404) or client.get("/api/tickets/").json()["count"] == 0


def test_the_service_worker_and_manifest(client, staff, centre):
    from bookings.offline.pages import APP_VERSION

    sw = client.get("/centre/sw.js")
    assert sw["Content-Type"].startswith("application/javascript") and sw["Service-Worker-Allowed"] == "/centre/"
    assert '"centre-app-" + VERSION' in sw.content.decode() and APP_VERSION in sw.content.decode()
    manifest = client.get("/centre/manifest.webmanifest").json()
    assert manifest["start_url"] == "/centre/" and manifest["scope"] == "/centre/"
    other = make_staff(make_centre("bastar"))
    client.force_login(other)
    assert client.get("/centre/").status_code == 200


def test_centre_staff_land_on_their_app_with_it_on_the_bar(client, staff):
    client.force_login(staff)
    assert client.get("/start/")["Location"] == "/centre/"
    home = client.get("/").content.decode()
    assert 'href="/centre/"' in home and 'href="/tickets/"' not in home
