"""Centre staff accounts, created by the district official of the centre's district."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import can_manage_centre_staff, scope_by_district
from bookings.models import Centre
from helpdesk.exceptions import Conflict, InvalidInput, NotFound

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


def centre_staff_create(*, actor: User, centre_id: int, username: str, first_name: str, last_name: str,
                        password: str, mobile: str = "") -> User:
    """Create a centre-staff login bound to `centre_id` and its district (the database refuses a
    centre-staff user without both). District officials: their district's centres only (another
    is not found); supervisors: any. Refused: a taken username (409), a weak password, a bad
    username (400). Nothing is sent anywhere: the official hands the password over in person."""
    centre = scope_by_district(actor, Centre.objects.all()).filter(pk=centre_id).first()
    if centre is None or not can_manage_centre_staff(actor, centre):
        raise NotFound(_("No such centre."), code="not_found")
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput(_("A username is 3-40 small letters, digits, dots, dashes or underscores."),
                           code="invalid_username", field="username")
    first_name, last_name = (first_name or "").strip()[:150], (last_name or "").strip()[:150]
    if not first_name:
        raise InvalidInput(_("Enter the name."), code="invalid_name", field="first_name")
    user = User(username=username, first_name=first_name, last_name=last_name, role=Role.CENTRE_STAFF,
                centre=centre, district_id=centre.district_id, mobile=mobile or "",
                preferred_language=actor.preferred_language)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="weak_password", field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(_("That username is taken."), code="username_taken", field="username") from None
    return user


@transaction.atomic
def centre_staff_set_active(*, actor: User, user_id: int, active: bool) -> User:
    """Disable (or re-enable) a centre-staff login of the actor's district. Locks the user row."""
    user = (User.objects.select_for_update().select_related("centre").filter(pk=user_id, role=Role.CENTRE_STAFF).first())
    if user is None or not can_manage_centre_staff(actor, user.centre):
        raise NotFound(_("No such centre staff."), code="not_found")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user
