"""accounts: the roles, the permission module (the one place roles become answers and
querysets), district and vendor scoping, and the login hardening settings (axes, 2FA)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from accounts import permissions
from accounts.models import STAFF_ROLES, VENDOR_ROLES, Role, Vendor
from tests.factories import UserFactory
from tickets.models import Category, Ticket
from tickets.services import Actor, ticket_create, ticket_transition

pytestmark = pytest.mark.django_db

# role -> (desk, supervisor, district official, vendor, vendor officer)
ROLE_TABLE = {
    Role.AGENT: (True, False, False, False, False),
    Role.SUPERVISOR: (True, True, False, False, False),
    Role.ADMIN: (True, True, False, False, False),
    Role.DISTRICT_OFFICIAL: (False, False, True, False, False),
    Role.VENDOR_ENGINEER: (False, False, False, True, False),
    Role.VENDOR_OFFICER: (False, False, False, True, True),
}


def _user(role, raipur, vendor=None, **kwargs):
    extra = {}
    if role == Role.DISTRICT_OFFICIAL:
        extra["district"] = raipur
    if role in VENDOR_ROLES:
        extra["vendor"] = vendor or Vendor.objects.get_or_create(code="state-it", defaults={"name": "State IT"})[0]
    return UserFactory(role=role, **extra, **kwargs)


_mobiles = iter(range(9876500001, 9876600000))


def _ticket(district, **kwargs) -> Ticket:
    # A distinct mobile each: the same citizen writing again about an open complaint is added
    # to that complaint, not filed as a new one.
    return ticket_create(district=district, category=Category.objects.get(code="otp-not-received"),
                         requester_mobile=str(next(_mobiles)), description="OTP never arrives", requester_kind="citizen",
                         channel="web", requester_name="Ramesh", actor=Actor(label="citizen"), **kwargs).ticket


def test_every_role_is_in_the_table():
    assert set(ROLE_TABLE) | {Role.CENTRE_STAFF} == set(Role.values)
    assert set(STAFF_ROLES) == {Role.AGENT, Role.SUPERVISOR, Role.ADMIN}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_role_answers(role, raipur):
    user = _user(role, raipur)
    got = (permissions.is_desk(user), permissions.is_supervisor(user), permissions.is_district_official(user),
           permissions.is_vendor(user), permissions.is_vendor_officer(user))
    assert got == ROLE_TABLE[role]
    assert not permissions.is_centre_staff(user)


def test_superuser_is_a_supervisor_whatever_the_role(raipur):
    user = UserFactory(role=Role.AGENT, is_superuser=True)
    assert permissions.is_supervisor(user) and permissions.is_desk(user)


def test_anonymous_has_no_role():
    anon = AnonymousUser()
    for check in (permissions.is_desk, permissions.is_supervisor, permissions.is_district_official,
                  permissions.is_vendor, permissions.is_vendor_officer, permissions.is_centre_staff):
        assert check(anon) is False
    assert permissions.scope_tickets(anon, Ticket.objects.all()).count() == 0
    with pytest.raises(PermissionError):
        permissions.district_scope(anon)


@pytest.mark.parametrize(("role", "field"), [(Role.DISTRICT_OFFICIAL, "district"),
                                              (Role.VENDOR_ENGINEER, "vendor"), (Role.VENDOR_OFFICER, "vendor")])
def test_database_refuses_a_bound_role_without_its_binding(role, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=role, **{field: None})


def test_database_refuses_a_malformed_mobile():
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=Role.AGENT, mobile="12345")


def test_district_scoping(raipur, bastar):
    mine, theirs = _ticket(raipur), _ticket(bastar)
    assert mine.pk != theirs.pk
    official = _user(Role.DISTRICT_OFFICIAL, raipur)
    agent = _user(Role.AGENT, raipur)
    assert permissions.district_scope(official) == raipur.pk
    assert permissions.district_scope(agent) is None
    assert set(permissions.scope_tickets(official, Ticket.objects.all())) == {mine}
    assert set(permissions.scope_tickets(agent, Ticket.objects.all())) == {mine, theirs}
    assert permissions.can_see_ticket(official, mine) and not permissions.can_see_ticket(official, theirs)
    assert set(permissions.scope_by_district(official, Ticket.objects.all())) == {mine}
    vendor_user = _user(Role.VENDOR_ENGINEER, raipur)
    assert permissions.scope_by_district(vendor_user, Ticket.objects.all()).count() == 0
    with pytest.raises(PermissionError):
        permissions.district_scope(vendor_user)


def test_vendor_scoping_follows_the_hand_over(raipur):
    ours, _ = Vendor.objects.get_or_create(code="state-it", defaults={"name": "State IT"})
    other = Vendor.objects.create(code="sms-gw", name="SMS gateway")
    engineer, outsider = _user(Role.VENDOR_ENGINEER, raipur, ours), _user(Role.VENDOR_ENGINEER, raipur, other)
    ticket = _ticket(raipur)
    assert not permissions.can_see_ticket(engineer, ticket)
    assert permissions.scope_tickets(engineer, Ticket.objects.all()).count() == 0
    ticket_transition(ticket_id=ticket.pk, to="awaiting_vendor", actor=Actor.of(_user(Role.AGENT, raipur)),
                      vendor=ours)
    ticket.refresh_from_db()
    assert permissions.can_see_ticket(engineer, ticket)
    assert list(permissions.scope_tickets(engineer, Ticket.objects.all())) == [ticket]
    assert permissions.can_act_for_vendor(engineer, ticket)
    assert not permissions.can_see_ticket(outsider, ticket)
    assert not permissions.can_act_for_vendor(outsider, ticket)


def test_drf_permission_classes(raipur, rf):
    request = rf.get("/")
    cases = {
        permissions.IsDesk: {Role.AGENT, Role.SUPERVISOR, Role.ADMIN},
        permissions.IsSupervisor: {Role.SUPERVISOR, Role.ADMIN},
        permissions.IsDeskOrDistrict: {Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.DISTRICT_OFFICIAL},
    }
    for cls, allowed in cases.items():
        for role in ROLE_TABLE:
            request.user = _user(role, raipur)
            assert cls().has_permission(request, None) is (role in allowed), (cls.__name__, role)
        request.user = AnonymousUser()
        assert not cls().has_permission(request, None)


def test_login_hardening_settings():
    # django-axes: lock by username and by address, the address behind trusted proxies only.
    assert "axes" in settings.INSTALLED_APPS
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AXES_CLIENT_IP_CALLABLE == "helpdesk.client.client_address"
    assert settings.AXES_FAILURE_LIMIT >= 1 and settings.AXES_COOLOFF_TIME.total_seconds() > 0
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"  # first, or it is bypassed
    # django-otp: the middleware that verifies a second factor, and the TOTP plugin.
    assert "django_otp.middleware.OTPMiddleware" in settings.MIDDLEWARE
    assert "django_otp.plugins.otp_totp" in settings.INSTALLED_APPS
    assert isinstance(settings.STAFF_2FA_REQUIRED, bool)
