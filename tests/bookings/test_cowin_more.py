"""CoWIN's calendarByCenter, findByLatLong and the vaccine filter, as CoWIN documented them;
an unknown path under /api/v2/ answers in CoWIN's envelope."""

import pytest

from tests.bookings.factories import CentreFactory, SessionFactory, day

pytestmark = pytest.mark.django_db
BASE = "/api/v2/appointment/sessions/public/"


def ddmmyyyy(date):
    return date.strftime("%d-%m-%Y")


def test_calendar_by_center_is_one_centre_with_seven_days(client):
    centre = CentreFactory(center_id=603445, name="CHC Tilda")
    SessionFactory(centre=centre, date=day(0))
    SessionFactory(centre=centre, date=day(6), vaccine="COVAXIN")
    SessionFactory(centre=centre, date=day(7))  # the 8th day
    SessionFactory(centre=CentreFactory(), date=day(1))  # another centre
    body = client.get(BASE + "calendarByCenter", {"center_id": "603445", "date": ddmmyyyy(day(0))}).json()
    assert list(body) == ["centers"] and isinstance(body["centers"], dict)
    assert body["centers"]["center_id"] == 603445 and body["centers"]["name"] == "CHC Tilda"
    assert [s["date"] for s in body["centers"]["sessions"]] == [ddmmyyyy(day(0)), ddmmyyyy(day(6))]
    nothing = client.get(BASE + "calendarByCenter", {"center_id": "999999", "date": ddmmyyyy(day(0))})
    assert nothing.status_code == 200 and nothing.json() == {"centers": {}}


def test_vaccine_filter_on_every_session_endpoint(client):
    centre = CentreFactory(center_id=603446, pincode="492001")
    SessionFactory(centre=centre, date=day(1), vaccine="COVISHIELD")
    covaxin = SessionFactory(centre=centre, date=day(1), vaccine="COVAXIN")
    date = ddmmyyyy(day(1))
    for path, params, pick in [
        ("findByPin", {"pincode": "492001"}, lambda b: b["sessions"]),
        ("findByDistrict", {"district_id": "109"}, lambda b: b["sessions"]),
        ("calendarByPin", {"pincode": "492001"}, lambda b: b["centers"][0]["sessions"]),
        ("calendarByDistrict", {"district_id": "109"}, lambda b: b["centers"][0]["sessions"]),
        ("calendarByCenter", {"center_id": "603446"}, lambda b: b["centers"]["sessions"]),
    ]:
        everything = pick(client.get(BASE + path, {**params, "date": date}).json())
        assert {s["vaccine"] for s in everything} == {"COVISHIELD", "COVAXIN"}, path
        only = pick(client.get(BASE + path, {**params, "date": date, "vaccine": "covaxin"}).json())
        assert [s["session_id"] for s in only] == [str(covaxin.session_id)], path


@pytest.mark.parametrize("value", ["SPUTNIK", "COVAXIN%", "कोवैक्सिन", "", "COVAXIN "])
def test_unknown_vaccine_is_refused(client, value):
    answer = client.get(BASE + "calendarByPin", {"pincode": "492001", "date": ddmmyyyy(day(1)), "vaccine": value})
    assert answer.status_code == 400 and answer.json()["errorCode"] == "APPOIN0022"


def test_find_by_lat_long_nearest_first(client):
    far = CentreFactory(center_id=700001, lat=19.07, long=82.03)  # Jagdalpur
    near = CentreFactory(center_id=700002, lat=21.25, long=81.63)  # Raipur
    body = client.get("/api/v2/appointment/centers/public/findByLatLong", {"lat": "21.24", "long": "81.62"}).json()
    ids = [c["center_id"] for c in body["centers"]]
    assert ids.index(near.center_id) < ids.index(far.center_id)
    first = body["centers"][0]
    assert first["center_id"] == near.center_id
    assert {"center_id", "name", "name_l", "address", "address_l", "state_name", "state_name_l", "district_name",
            "district_name_l", "block_name", "block_name_l", "pincode", "lat", "long"} <= set(first)
    assert first["state_name_l"] == "छत्तीसगढ़" and first["district_name_l"] == "रायपुर"


@pytest.mark.parametrize("lat,long", [("91", "81"), ("21", "181"), ("2e1", "81"), ("२१", "81"), ("21,2", "81"),
                                      ("", "81"), ("nan", "81"), ("21." + "1" * 20, "81")])
def test_bad_coordinates_are_refused(client, lat, long):
    answer = client.get("/api/v2/appointment/centers/public/findByLatLong", {"lat": lat, "long": long})
    assert answer.status_code == 400 and "errorCode" in answer.json()


@pytest.mark.parametrize("center_id", ["-1", "1e3", "१२", "12 ", "1" * 12])
def test_bad_center_ids_are_refused(client, center_id):
    answer = client.get(BASE + "calendarByCenter", {"center_id": center_id, "date": ddmmyyyy(day(0))})
    assert answer.status_code == 400 and answer.json()["errorCode"] in ("APPOIN0015", "APPOIN0021")


def test_unknown_paths_answer_json_in_each_surface_format(client):
    cowin = client.get("/api/v2/appointment/sessions/public/calendarByVillage")
    assert cowin.status_code == 404 and cowin.json() == {"errorCode": "APPOIN0404", "error": "No such endpoint"}
    ours = client.get("/api/no-such-thing/")
    assert ours.status_code == 404 and ours["Content-Type"].startswith("application/json")
    assert ours.json()["code"] == "not_found"
