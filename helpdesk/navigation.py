"""The staff navigation bar and where each role lands after login.

Which role sees which page is decided by accounts.permissions (the one place for roles); this
module only turns those answers into menu items. URLs are reversed by name, so no app is
imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.permissions import (
    is_centre_staff,
    is_desk,
    is_district_official,
    is_supervisor,
    is_vendor,
)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    prefixes: tuple[str, ...]


# key -> (label, url name, path prefixes that make the item current)
_PAGES = {
    "dashboard": (_("Dashboard"), "reports:state", ("/reports/state/",)),
    "console": (_("Console"), "tickets:console", ("/console/",)),
    "tickets": (_("Tickets"), "tickets:list", ("/tickets/",)),
    "file": (_("File an issue"), "tickets:file", ("/tickets/new/",)),
    "incidents": (_("Incidents"), "live:incidents", ("/incidents/",)),
    "reports": (_("Reports"), "reports:index", ("/reports/",)),
    "bookings": (_("Bookings desk"), "bookings:desk", ("/booking/desk/",)),
    "sessions": (_("Sessions"), "bookings:district-sessions", ("/booking/district/",)),
    "centres": (_("Centres"), "offline:centres", ("/booking/district/centres/", "/booking/district/duplicates/")),
    "centre_app": (_("Centre app"), "offline:app", ("/centre/",)),
    "vendor": (_("Vendor inbox"), "escalation:vendor-queue", ("/vendor/",)),
    "admin": (_("Admin"), "admin:index", ("/admin/",)),
}


def _is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser))


def nav_keys(user) -> list[str]:
    """The pages on `user`'s bar, in order. Empty for anonymous visitors (citizens)."""
    if not user.is_authenticated:
        return []
    if _is_admin(user):
        return ["admin", "console", "tickets", "incidents", "reports", "bookings"]
    if is_supervisor(user):
        return ["dashboard", "console", "tickets", "incidents", "reports", "bookings", "admin"]
    if is_desk(user):
        return ["console", "tickets", "incidents", "reports", "bookings"]
    if is_district_official(user):
        return ["tickets", "file", "incidents", "reports", "sessions", "centres"]
    if is_vendor(user):
        return ["vendor", "tickets"]
    if is_centre_staff(user):
        return ["centre_app"]
    return []


def nav_items(user) -> list[NavItem]:
    return [NavItem(key, str(label), reverse(name), prefixes)
            for key in nav_keys(user) for label, name, prefixes in [_PAGES[key]]]


def _current(items: list[NavItem], path: str) -> str:
    """The item whose prefix matches the path most specifically (/tickets/new/ over /tickets/)."""
    best, length = "", 0
    for item in items:
        for prefix in item.prefixes:
            if path.startswith(prefix) and len(prefix) > length:
                best, length = item.key, len(prefix)
    return best


def landing_url(user) -> str:
    """Where `user` works: agent -> console, supervisor -> state dashboard, district official ->
    their district's tickets, vendor staff -> vendor inbox, centre staff -> the centre app, admin -> admin; citizens -> home."""
    if not user.is_authenticated:
        return reverse("home")
    if _is_admin(user):
        return reverse("admin:index")
    if is_supervisor(user):
        return reverse("reports:state")
    if is_desk(user):
        return reverse("tickets:console")
    if is_district_official(user):
        return reverse("tickets:list")
    if is_vendor(user):
        return reverse("escalation:vendor-queue")
    if is_centre_staff(user):
        return reverse("offline:app")
    return reverse("home")


def landing(request: HttpRequest) -> HttpResponse:
    """LOGIN_REDIRECT_URL: the login view already honoured a safe `next`; otherwise go to work."""
    return redirect(landing_url(request.user))


def staff_nav(request: HttpRequest) -> dict:
    """Context processor: the bar's items and the current one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_nav": [], "staff_nav_current": ""}
    items = nav_items(user)
    return {"staff_nav": items, "staff_nav_current": _current(items, request.path)}
