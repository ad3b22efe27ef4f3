"""The staff navigation bar by role, and where each role lands after login."""

import pytest
from django.utils import translation

from accounts.models import User

NAV = {
    "agent": ["/console/", "/tickets/", "/incidents/", "/reports/", "/booking/desk/"],
    "supervisor": ["/reports/state/", "/console/", "/tickets/", "/incidents/", "/reports/", "/booking/desk/", "/admin/"],
    "district_official": ["/tickets/", "/tickets/new/", "/incidents/", "/reports/", "/booking/district/sessions/",
                          "/booking/district/centres/"],
    "vendor_engineer": ["/vendor/", "/tickets/"],
    "admin": ["/admin/", "/console/", "/tickets/", "/incidents/", "/reports/", "/booking/desk/"],
}
LANDS = {
    "agent": "/console/",
    "supervisor": "/reports/state/",
    "district_official": "/tickets/",
    "vendor_engineer": "/vendor/",
    "vendor_officer": "/vendor/",
    "admin": "/admin/",
}


def _nav_links(html: str) -> list[str]:
    start = html.index('<ul class="staff-nav">')
    block = html[start:html.index("</ul>", start)]
    return [part.split('"', 1)[0] for part in block.split('href="')[1:]]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(NAV))
def test_each_role_sees_its_pages_and_each_opens(client, make_user, role):
    user = make_user(role)
    client.force_login(user)
    page = client.get("/").content.decode()
    assert _nav_links(page) == NAV[role]
    for link in NAV[role]:
        assert client.get(link).status_code in (200, 302), (role, link)


@pytest.mark.django_db
def test_citizens_get_no_staff_bar(client):
    page = client.get("/").content.decode()
    assert "class=\"staff-nav\"" not in page
    assert 'href="/accounts/login/' in page


@pytest.mark.django_db
def test_current_page_is_marked_most_specific_first(client, make_user):
    client.force_login(make_user("district_official"))
    page = client.get("/tickets/new/").content.decode()
    assert 'href="/tickets/new/" data-nav="file" aria-current="page"' in page
    assert 'data-nav="tickets" aria-current' not in page


@pytest.mark.django_db
def test_bar_is_in_hindi_on_a_hindi_page(client, make_user):
    client.force_login(make_user("agent"))
    client.cookies["django_language"] = "hi"
    page = client.get("/console/").content.decode()
    with translation.override("hi"):
        assert "कंसोल" in page and "बुकिंग डेस्क" in page and "मेनू" in page
    assert ">Console<" not in page and "Bookings desk" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(LANDS))
def test_login_lands_where_the_role_works(client, make_user, role):
    user = make_user(role)
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw"})
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"] == LANDS[role]


@pytest.mark.django_db
def test_login_honours_a_safe_next_and_ignores_an_unsafe_one(client, make_user):
    user = make_user("agent")
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw", "next": "/incidents/"})
    assert response["Location"] == "/incidents/"
    client.logout()
    for unsafe in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/accounts/login/", {"username": user.username, "password": "pw", "next": unsafe})
        assert response.status_code == 302 and "evil" not in response["Location"], unsafe
        client.logout()


@pytest.mark.django_db
def test_a_superuser_lands_in_admin(client):
    user = User.objects.create_superuser("root", password="pw", role="agent")
    response = client.post("/accounts/login/", {"username": "root", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert user.is_superuser
