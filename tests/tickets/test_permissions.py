"""The permission matrix: role x endpoint x own/other object (accounts/permissions.py).

own = a ticket in the caller's scope (district officials: their district; vendor staff: handed to
their vendor); other = outside it. Outside the scope is always 404; inside the scope but a
forbidden action is 403; anonymous callers get 403 from every staff endpoint.
"""

import pytest

from accounts.models import Vendor
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "agent", "supervisor", "district_official", "vendor_engineer", "vendor_officer"]

# endpoint -> (method, path suffix, body)
ENDPOINTS = {
    "detail": ("get", "", None),
    "comments_list": ("get", "comments/", None),
    "events": ("get", "events/", None),
    "comment": ("post", "comments/", {"body": "note"}),
    "transition": ("post", "transition/", {"to": "acknowledged"}),
    "assign": ("post", "assign/", {"assignee": None}),
    "priority": ("post", "priority/", {"priority": "P1"}),
    "category": ("post", "category/", {"category": "other"}),
    "contacted": ("post", "contacted/", {}),
    "registration": ("post", "registration/", {"reference_id": "12345678901234"}),
    "incident": ("post", "incident/", {"incident": None}),
    "merge": ("post", "merge/", "MERGE"),
}

READ = {"detail", "comments_list", "events"}
DESK_ONLY = {"transition", "assign", "priority", "category", "contacted", "registration", "incident"}


def expected(role: str, endpoint: str, own: bool) -> int:
    if role == "anonymous":
        return 403
    if role == "supervisor":
        return 200
    if endpoint == "merge":
        return 403  # supervisors only, checked before the object
    if role == "agent":
        return 200
    if not own:
        return 404
    if endpoint in READ or endpoint == "comment":
        return 200
    return 403


@pytest.fixture
def world(make_user, make_ticket, raipur, bastar):
    vendor = Vendor.objects.create(code="portal-vendor", name="Portal vendor")
    other_vendor = Vendor.objects.create(code="other-vendor", name="Other vendor")
    users = {
        "agent": make_user("agent"),
        "supervisor": make_user("supervisor"),
        "district_official": make_user("district_official", district=raipur),
        "vendor_engineer": make_user("vendor_engineer", vendor=vendor),
        "vendor_officer": make_user("vendor_officer", vendor=vendor),
    }
    own = make_ticket(district=raipur, mobile="9876500101")
    other = make_ticket(district=bastar, mobile="9876500102")
    Ticket.objects.filter(pk=own.pk).update(vendor=vendor)
    Ticket.objects.filter(pk=other.pk).update(vendor=other_vendor)
    return users, own, other


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(api, world, make_ticket, role, endpoint, own):
    users, own_ticket, other_ticket = world
    ticket = own_ticket if own else other_ticket
    if role != "anonymous":
        api.force_login(users[role])
    method, suffix, body = ENDPOINTS[endpoint]
    if body == "MERGE":
        body = {"tickets": [make_ticket(district=ticket.district, mobile="9876500199").number]}
    url = f"/api/tickets/{ticket.number}/{suffix}"
    response = getattr(api, method)(url, body, format="json") if method == "post" else api.get(url)
    want = expected(role, endpoint, own)
    got = response.status_code if response.status_code not in (201,) else 200
    assert got == want, (role, endpoint, own, response.content[:200])


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_the_scope(api, world, role):
    users, own, other = world
    if role == "anonymous":
        assert api.get("/api/tickets/").status_code == 403
        return
    api.force_login(users[role])
    numbers = {t["number"] for t in api.get("/api/tickets/").json()["results"]}
    if role in ("agent", "supervisor"):
        assert numbers == {own.number, other.number}
    else:
        assert numbers == {own.number}


@pytest.mark.parametrize("role, status", [("anonymous", 403), ("agent", 201), ("supervisor", 201),
                                          ("district_official", 201), ("vendor_engineer", 403),
                                          ("vendor_officer", 403)])
def test_create_by_role(api, world, raipur, role, status):
    users, _, _ = world
    if role != "anonymous":
        api.force_login(users[role])
    r = api.post("/api/tickets/", {"district": raipur.pk, "category": "other", "description": "x"}, format="json")
    assert r.status_code == status


@pytest.mark.parametrize("role, status", [("anonymous", 403), ("agent", 200), ("supervisor", 200),
                                          ("district_official", 403), ("vendor_engineer", 403)])
def test_caller_lookup_by_role(api, world, role, status):
    users, _, _ = world
    if role != "anonymous":
        api.force_login(users[role])
    assert api.get("/api/callers/?q=9876500101").status_code == status


def test_citizen_link_reaches_only_its_own_ticket(api, make_ticket, sent_sms):
    first = make_ticket(mobile="9876500111")
    second = make_ticket(mobile="9876500112")
    links = {key.split(":")[1]: body.split("/t/")[1].strip("/") for _, body, key in sent_sms()}
    secret_of_first = links[str(first.pk)].split("/")[1]
    assert api.get(f"/api/public/tickets/{first.number}/{secret_of_first}/").status_code == 200
    assert api.get(f"/api/public/tickets/{second.number}/{secret_of_first}/").status_code == 404
    r = api.post(f"/api/public/tickets/{second.number}/{secret_of_first}/", {"body": "x"}, format="json")
    assert r.status_code == 404


PAGES = ["/tickets/{n}/", "/tickets/{n}/thread/"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role, own_status, other_status", [
    ("agent", 200, 200), ("supervisor", 200, 200), ("district_official", 200, 404),
    ("vendor_engineer", 200, 404)])
def test_pages_scope(client, world, page, role, own_status, other_status):
    users, own, other = world
    client.force_login(users[role])
    assert client.get(page.format(n=own.number)).status_code == own_status
    assert client.get(page.format(n=other.number)).status_code == other_status


@pytest.mark.parametrize("role, status", [("agent", 200), ("supervisor", 200), ("district_official", 403),
                                          ("vendor_engineer", 403)])
def test_console_is_for_the_desk(client, world, role, status):
    users, _, _ = world
    client.force_login(users[role])
    assert client.get("/console/").status_code == status
    assert client.get("/console/queue/").status_code == status


def test_pages_need_login(client, world):
    _, own, _ = world
    for url in ("/console/", f"/tickets/{own.number}/", "/tickets/", "/tickets/new/"):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("role, status", [("agent", 201), ("supervisor", 201), ("district_official", 403),
                                          ("vendor_engineer", 403)])
def test_only_the_desk_replies_publicly(api, world, role, status):
    users, own, _ = world
    api.force_login(users[role])
    r = api.post(f"/api/tickets/{own.number}/comments/", {"body": "public?", "public": True}, format="json")
    assert r.status_code == status
