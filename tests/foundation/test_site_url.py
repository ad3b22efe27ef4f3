"""SITE_URL follows the host and port `manage.py serve` (make run) serves on, unless it is set."""

import pytest

from accounts.management.commands.serve import apply_site_url, site_url


@pytest.mark.parametrize("host, port, expected", [
    ("127.0.0.1", 8123, "http://127.0.0.1:8123"), ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
    ("localhost", 8000, "http://localhost:8000"), ("::1", 8080, "http://[::1]:8080"),
])
def test_site_url_of_a_server(host, port, expected):
    assert site_url(host, port) == expected


def test_serve_sets_site_url_when_unset(settings):
    settings.SITE_URL_SET = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert apply_site_url("127.0.0.1", 8765) == "http://127.0.0.1:8765"


def test_an_explicit_site_url_wins(settings):
    settings.SITE_URL_SET = True
    settings.SITE_URL = "https://helpdesk.example.in"
    assert apply_site_url("127.0.0.1", 8765) == "https://helpdesk.example.in"


def test_status_links_use_the_site_url(settings, db):
    from tickets.models import Ticket
    from tickets.notifications import status_link

    settings.SITE_URL = "http://127.0.0.1:8765"
    assert status_link(Ticket(number="K7M4QX2P"), "s3cret") == "http://127.0.0.1:8765/t/K7M4QX2P/s3cret/"
