"""The CoWIN-shaped public API answers as CoWIN did (DOMAIN.md §8)."""

import pytest

from accounts.models import District
from bookings.models import Session
from tests.bookings.factories import BeneficiaryFactory, CentreFactory, SessionFactory, book, day

pytestmark = pytest.mark.django_db
BASE = "/api/v2/appointment/sessions/public/"


def ddmmyyyy(date):
    return date.strftime("%d-%m-%Y")


def test_states_and_districts(client):
    states = client.get("/api/v2/admin/location/states").json()
    assert {"state_id": 7, "state_name": "Chhattisgarh"} in states["states"]
    districts = client.get("/api/v2/admin/location/districts/7").json()["districts"]
    assert len(districts) == 28
    assert districts[0] == {"district_id": 109, "district_name": "Raipur"}
    assert {d["district_id"] for d in districts} == set(range(109, 137))
    assert client.get("/api/v2/admin/location/districts/21").json() == {"districts": [], "ttl": 24}
    assert client.get("/api/v2/admin/location/districts/x7").status_code == 400


def test_calendar_by_district_shape_and_7_day_window(client):
    centre = CentreFactory(center_id=603445, name="CHC Tilda", pincode="493114", block_name="Tilda")
    inside = [SessionFactory(centre=centre, date=day(n), capacity_dose1=10, capacity_dose2=5) for n in (0, 6)]
    SessionFactory(centre=centre, date=day(7))  # the 8th day: outside
    SessionFactory(centre=centre, date=day(2), published=False)
    book(BeneficiaryFactory(), inside[0])
    CentreFactory(district=District.objects.get(cowin_id=113), pincode="494001")
    body = client.get(BASE + "calendarByDistrict", {"district_id": "109", "date": ddmmyyyy(day(0))}).json()
    assert list(body) == ["centers"]
    [center] = body["centers"]
    assert set(center) == {"center_id", "name", "address", "state_name", "district_name", "block_name", "pincode",
                           "lat", "long", "from", "to", "fee_type", "sessions"}
    assert (center["center_id"], center["state_name"], center["district_name"], center["pincode"]) == (
        603445, "Chhattisgarh", "Raipur", 493114)
    assert center["from"] == "09:00:00" and center["fee_type"] == "Free"
    assert [s["date"] for s in center["sessions"]] == [ddmmyyyy(day(0)), ddmmyyyy(day(6))]
    first = center["sessions"][0]
    assert set(first) == {"session_id", "date", "available_capacity", "available_capacity_dose1",
                          "available_capacity_dose2", "min_age_limit", "vaccine", "slots"}
    assert (first["available_capacity"], first["available_capacity_dose1"], first["available_capacity_dose2"]) == (14, 9, 5)
    assert first["session_id"] == str(inside[0].session_id) and first["vaccine"] == "COVISHIELD"


def test_find_by_pin_flattens_centre_fields(client):
    centre = CentreFactory(pincode="492001")
    session = SessionFactory(centre=centre, date=day(1), max_age_limit=44)
    SessionFactory(centre=centre, date=day(2))
    body = client.get(BASE + "findByPin", {"pincode": "492001", "date": ddmmyyyy(day(1))}).json()
    [row] = body["sessions"]
    assert row["session_id"] == str(session.session_id) and row["center_id"] == centre.center_id
    assert row["name"] == centre.name and row["max_age_limit"] == 44 and row["date"] == ddmmyyyy(day(1))
    assert client.get(BASE + "findByDistrict", {"district_id": "109", "date": ddmmyyyy(day(1))}).json()["sessions"][0][
        "session_id"] == str(session.session_id)
    assert len(client.get(BASE + "calendarByPin", {"pincode": "492001", "date": ddmmyyyy(day(0))}).json()["centers"]) == 1


def test_answers_are_cached_and_may_be_stale(client, django_assert_max_num_queries):
    SessionFactory(date=day(1))
    params = {"district_id": "109", "date": ddmmyyyy(day(0))}
    first = client.get(BASE + "calendarByDistrict", params).content
    Session.objects.update(capacity_dose1=99)
    with django_assert_max_num_queries(0):
        assert client.get(BASE + "calendarByDistrict", params).content == first


def test_per_ip_limit_is_configurable(client, settings):
    settings.RATE_COWIN_IP = "3/5min"
    for _ in range(3):
        assert client.get("/api/v2/admin/location/states").status_code == 200
    limited = client.get("/api/v2/admin/location/states")
    assert limited.status_code == 429 and limited.json()["errorCode"] == "APPOIN0429"
    assert 0 < int(limited["Retry-After"]) <= 300


def test_anonymous_and_get_only(client):
    assert client.post(BASE + "calendarByDistrict").status_code == 405


def test_fast_path_serves_the_same_answers_with_security_headers(client, settings):
    from bookings import middleware

    # Right after the security headers and the one input check (helpdesk/inputs.py).
    assert settings.MIDDLEWARE[settings.MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 2] == \
        "bookings.middleware.fast_path"
    SessionFactory(date=day(1))
    url = BASE + "calendarByDistrict?district_id=109&date=" + ddmmyyyy(day(0))
    fast = client.get(url)
    assert fast["X-Content-Type-Options"] == "nosniff" and fast["Cache-Control"] == "public, max-age=60"
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "bookings.middleware.fast_path"]
    assert client.get(url).content == fast.content  # the URLconf route gives the same bytes
    assert middleware.fast_path(lambda request: "next")(type("R", (), {"path_info": "/api/v2/admin/location/districts/"})()) == "next"


def test_gzip_for_clients_that_accept_it(client):
    import gzip
    import json as jsonlib

    SessionFactory(date=day(1))
    params = {"district_id": "109", "date": ddmmyyyy(day(0))}
    plain = client.get(BASE + "calendarByDistrict", params)
    packed = client.get(BASE + "calendarByDistrict", params, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert jsonlib.loads(gzip.decompress(packed.content)) == plain.json()
    assert plain["Vary"] == "Accept-Encoding"
