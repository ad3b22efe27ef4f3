"""The home page leads each role to its own pages; the ticket page carries clocks and incidents."""

import pytest
from django.core.management import call_command

from accounts.models import User

LINKS = {
    None: ["/complaint/", "/status/ticket/", "/booking/", "/status/"],
    "agent": ["/console/", "/booking/desk/", "/incidents/", "/reports/"],
    "supervisor": ["/console/", "/admin/", "/reports/", "/reports/accountability/", "/booking/imports/"],
    "raipur": ["/tickets/new/", "/reports/", "/reports/accountability/", "/booking/district/sessions/"],
    "engineer": ["/vendor/"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("username", list(LINKS))
def test_home_page_links_for_each_role(client, username):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    if username:
        client.force_login(User.objects.get(username=username))
    page = client.get("/").content.decode()
    for link in LINKS[username]:
        assert f'href="{link}' in page, (username, link)
        # Followed to the end: a link of one's own home page opens (200), never a login or error page.
        answer = client.get(link, follow=True)
        assert answer.status_code == 200, (username, link, answer.status_code)
        assert not answer.request["PATH_INFO"].startswith("/accounts/login/"), (username, link)


@pytest.mark.django_db
def test_ticket_page_shows_sla_clocks_and_open_incidents(client):
    from tickets.models import Ticket

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(User.objects.get(username="agent"))
    ticket = Ticket.objects.filter(status="new").first()
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'aria-label="SLA clocks"' in page
    assert "First response" in page or "first response" in page.lower()
    console = client.get("/console/").content.decode()
    assert 'id="incident-banner"' in console
