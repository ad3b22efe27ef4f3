"""The session search of the booking pages (citizens and the desk): ?district=<district pk> (all
33 districts, as the complaint form), ?district_id=<CoWIN id> (links in CoWIN's terms), or
?pincode=49xxxx; tomorrow to 7 days ahead."""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import District
from helpdesk import validation
from helpdesk.exceptions import DomainError, InvalidInput

from . import selectors

_DIGITS = re.compile(r"^[0-9]{1,6}$")

MAX_SESSIONS = 200


def district_choices() -> list[District]:
    """Every district (33), in the same order as the complaint form."""
    return list(District.objects.all())


def _district(raw: str, *, by: str) -> District:
    district = None
    if _DIGITS.match(raw):
        district = District.objects.filter(**{by: int(raw)}).first()
    if district is None:
        raise InvalidInput(_("Choose a district from the list."), code="invalid_district_id", field="district")
    return district


def session_search(request: HttpRequest) -> tuple[list, dict, DomainError | None]:
    """(sessions, the values to show again, the refusal or None)."""
    district_pk = request.GET.get("district", "")[:12]
    district_id = request.GET.get("district_id", "")[:12]
    pincode = request.GET.get("pincode", "")[:12]
    values = {"district": district_pk, "district_id": district_id, "pincode": pincode}
    if not (district_pk or district_id or pincode):
        return [], values, None
    try:
        if pincode:
            sessions = selectors.sessions_open(pincode=validation.pincode(pincode))
        else:
            district = _district(district_pk, by="pk") if district_pk else _district(district_id, by="cowin_id")
            values["district"] = str(district.pk)
            sessions = selectors.sessions_open(district=district)
    except DomainError as exc:
        return [], values, exc
    return list(sessions[:MAX_SESSIONS]), values, None
