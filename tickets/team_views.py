"""Writes of team views (saved views a supervisor defines for the desk)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.permissions import is_supervisor
from helpdesk.exceptions import Conflict, Forbidden, InvalidInput, NotFound

from . import intake
from .listing import parse_for
from .models import TeamView

_NOT_STORED = ("view", "page", "page_size", "partial", "format", "lang")


@transaction.atomic
def team_view_create(*, user, name_en: str, name_hi: str = "", params) -> TeamView:
    """Save the list parameters `params` (a QueryDict or dict) as a team view. Supervisors only.
    The parameters are parsed by the list's own parser first (a bad one is InvalidInput and
    nothing is stored); the view given becomes the base view. Two active views cannot share a
    name (Conflict). No locks beyond the unique constraint; nothing leaves after commit."""
    if not is_supervisor(user):
        raise Forbidden(_("Only supervisors may define team views."))
    name_en = intake.text_field(name_en, "name_en", 80, required=True).strip()
    name_hi = intake.text_field(name_hi, "name_hi", 80, required=False).strip()
    if not name_en:
        raise InvalidInput(_("Give the view a name."), code="invalid_name_en", field="name_en")
    query, _views = parse_for(user, params)
    if query.view.startswith("team-"):
        raise InvalidInput(_("Start a team view from a built-in view."), code="invalid_view", field="view")
    filters = {k: v for k, v in query.filters().items() if k not in _NOT_STORED}
    try:
        with transaction.atomic():
            return TeamView.objects.create(name_en=name_en, name_hi=name_hi, base_view=query.view, filters=filters,
                                           created_by=user)
    except IntegrityError:
        raise Conflict(_("A team view with this name already exists."), code="duplicate_name") from None


@transaction.atomic
def team_view_delete(*, user, view_id: int) -> None:
    """Retire a team view (kept, inactive, for the record). Supervisors only."""
    if not is_supervisor(user):
        raise Forbidden(_("Only supervisors may define team views."))
    updated = TeamView.objects.filter(pk=view_id, is_active=True).update(is_active=False)
    if not updated:
        raise NotFound(_("No such team view."))
