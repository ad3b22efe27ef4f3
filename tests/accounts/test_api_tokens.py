"""API tokens of service accounts (accounts/tokens.py, accounts/authentication.py): issued and revoked
by admins (admin site and `manage.py api_token`), hashed at rest, shown once, scoped to the role of
their user, last use recorded."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke
from helpdesk.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


def _refused(response) -> bool:
    return response.status_code == 403 and response.json()["code"] == "authentication_failed"


def _api(raw: str | None = None) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    if raw is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_a_token_authenticates_as_its_user_without_csrf(make_user):
    svc = make_user("agent", username="svc-portal")
    _, raw = api_token_create(user=svc, name="portal sync")
    response = _api(raw).post("/api/tickets/", {"category": "otp", "description": "x"}, format="json")
    assert response.status_code != 403, response.content  # no CSRF needed, not refused
    assert response.status_code in (201, 400)
    assert _api(raw).get("/api/tickets/").status_code == 200


def test_the_token_is_hashed_at_rest_and_never_shown_again(make_user, admin_client_for):
    svc = make_user("agent", username="svc-hash")
    token, raw = api_token_create(user=svc, name="hash check")
    row = ApiToken.objects.get(pk=token.pk)
    assert raw not in (row.digest, row.token_key) and len(row.digest) == 128
    assert row.token_key == raw[: len(row.token_key)] and len(row.token_key) < len(raw)
    # Nowhere in the admin's list or detail page, nor in `api_token list`. (The digest is the row's
    # key in the admin's URLs: a SHA-512 of 256 random bits, which authenticates nobody.)
    client = admin_client_for()
    for url in ("/admin/accounts/apitoken/", f"/admin/accounts/apitoken/{row.pk}/change/"):
        page = client.get(url)
        assert page.status_code == 200
        assert raw not in page.content.decode()
    out = io.StringIO()
    call_command("api_token", "list", stdout=out)
    assert row.token_key in out.getvalue() and raw not in out.getvalue()


def test_a_revoked_token_is_refused(make_user):
    svc = make_user("supervisor", username="svc-revoke")
    token, raw = api_token_create(user=svc, name="to revoke")
    assert _api(raw).get("/api/tickets/").status_code == 200
    api_token_revoke(token=token)
    response = _api(raw).get("/api/tickets/")
    # 403, not 401: the session is the first authentication scheme and names no challenge (DRF).
    assert response.status_code == 403
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token."}


def test_unknown_expired_and_malformed_tokens_are_refused(make_user):
    svc = make_user("agent", username="svc-expired")
    token, raw = api_token_create(user=svc, name="expires", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expiry="2000-01-01T00:00:00Z")
    assert _refused(_api(raw).get("/api/tickets/"))
    assert not ApiToken.objects.filter(pk=token.pk).exists()  # knox removes an expired token
    assert _refused(_api("0" * 64).get("/api/tickets/"))
    assert _refused(_api("not hex at all").get("/api/tickets/"))
    assert _refused(_api("").get("/api/tickets/"))


def test_a_token_is_scoped_to_the_role_and_objects_of_its_user(make_user, raipur, bastar):
    official = make_user("district_official", username="svc-raipur", district=raipur)
    token, raw = api_token_create(user=official, name="district dashboard")
    assert token.role == "district_official"
    # Supervisor-only operations stay refused; the district scope is the user's.
    assert _api(raw).get("/api/config/policies/").status_code in (403, 404)
    listing = _api(raw).get("/api/tickets/").json()
    assert all(t["district"] in (raipur.code, raipur.pk, raipur.name_en) for t in listing.get("results", []))
    # The user's role changes: the old token no longer works (it never gains rights).
    official.role = "supervisor"
    official.save(update_fields=["role"])
    response = _api(raw).get("/api/tickets/")
    assert _refused(response) and "role" in response.json()["detail"]


def test_an_inactive_user_is_refused(make_user):
    svc = make_user("agent", username="svc-inactive")
    _, raw = api_token_create(user=svc, name="inactive")
    svc.is_active = False
    svc.save(update_fields=["is_active"])
    assert _refused(_api(raw).get("/api/tickets/"))
    with pytest.raises(InvalidInput):
        api_token_create(user=svc, name="again")


def test_last_use_is_recorded(make_user):
    svc = make_user("agent", username="svc-use")
    token, raw = api_token_create(user=svc, name="use")
    assert token.last_used_at is None
    _api(raw).get("/api/tickets/", REMOTE_ADDR="10.1.2.3")
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_ip == "10.1.2.3"


def test_bad_names_and_days_are_refused(make_user):
    svc = make_user("agent", username="svc-bad")
    for kwargs in ({"name": " "}, {"name": "x" * 101}, {"name": "ok", "days": -1}, {"name": "ok", "days": 5000}):
        with pytest.raises(InvalidInput):
            api_token_create(user=svc, **kwargs)


def test_the_management_command_creates_lists_and_revokes(make_user):
    make_user("agent", username="svc-cli")
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", "--user", "svc-cli", "--name", "cli", "--days", "0", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", raw)
    assert "not shown again" in err.getvalue()
    assert _api(raw).get("/api/tickets/").status_code == 200
    token = ApiToken.objects.get(user__username="svc-cli")
    assert token.expiry is None
    call_command("api_token", "revoke", token.token_key, stdout=io.StringIO())
    assert _refused(_api(raw).get("/api/tickets/"))


def test_only_admins_manage_tokens_in_the_admin(make_user, admin_client_for):
    svc = make_user("agent", username="svc-admin")
    supervisor = make_user("supervisor", is_staff=True)
    client = Client()
    client.force_login(supervisor)
    assert client.get("/admin/accounts/apitoken/").status_code == 403
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403

    admin = admin_client_for()
    page = admin.post("/admin/accounts/apitoken/add/", {"user": svc.pk, "name": "from admin", "days": 30},
                      follow=True)
    assert page.status_code == 200
    token = ApiToken.objects.get(name="from admin")
    shown = re.search(r"Token for svc-admin: ([0-9a-f]{64})", page.content.decode())
    assert shown, page.content.decode()[:2000]
    raw = shown.group(1)
    assert _api(raw).get("/api/tickets/").status_code == 200
    again = admin.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert raw not in again
    admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert _refused(_api(raw).get("/api/tickets/"))


@pytest.fixture
def admin_client_for(make_user):
    def make() -> Client:
        admin = make_user("admin", is_staff=True, is_superuser=True)
        client = Client()
        client.force_login(admin)
        return client

    return make
