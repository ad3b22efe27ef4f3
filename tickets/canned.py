"""Canned responses: Hindi/English reply pairs with placeholders, managed by supervisors (admin
and API), inserted by the picker on the ticket page, usage counted."""

from __future__ import annotations

import string
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from helpdesk.exceptions import InvalidInput, NotFound

from .models import Ticket
from .workspace_models import CannedResponse

# The placeholders a canned response may use, and what each becomes on a ticket.
PLACEHOLDERS = ("number", "district", "category", "status", "name", "agent", "eta")


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in `text`. Raises InvalidInput for a broken brace or a format spec
    ({number!r}, {number:>9}, {number.attr}): only plain {name} is allowed."""
    names = []
    try:
        for _literal, name, spec, conversion in string.Formatter().parse(text):
            if name is None:
                continue
            if spec or conversion or not name.isidentifier():
                raise InvalidInput(_("Write placeholders as {name}, for example {number}."),
                                   code="invalid_placeholder")
            names.append(name)
    except ValueError:
        raise InvalidInput(_("A brace { or } is not closed. Write placeholders as {name}, for example {number}."),
                           code="invalid_placeholder") from None
    return names


def canned_validate(*, body_en: str, body_hi: str) -> None:
    """Both texts present, and only known placeholders. Raises InvalidInput naming the field."""
    for field, text in (("body_en", body_en), ("body_hi", body_hi)):
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput(_("Write the response in English and in Hindi."), code="invalid_body", field=field)
        try:
            names = placeholders_in(text)
        except InvalidInput as exc:
            exc.extra["field"] = field
            raise
        unknown = sorted(set(names) - set(PLACEHOLDERS))
        if unknown:
            raise InvalidInput(
                _("Unknown placeholder %(names)s. Allowed: %(allowed)s.") % {
                    "names": ", ".join("{" + n + "}" for n in unknown),
                    "allowed": ", ".join("{" + n + "}" for n in PLACEHOLDERS)},
                code="unknown_placeholder", field=field)


@transaction.atomic
def canned_create(*, title: str, body_en: str, body_hi: str, actor: User, is_active: bool = True) -> CannedResponse:
    """A new canned response. Raises InvalidInput for an empty text or an unknown placeholder;
    nothing is saved then."""
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise InvalidInput(_("Give the response a title (up to 120 characters)."), code="invalid_title", field="title")
    canned_validate(body_en=body_en, body_hi=body_hi)
    if CannedResponse.objects.filter(title=title).exists():
        raise InvalidInput(_("A canned response with this title exists."), code="duplicate_title", field="title")
    return CannedResponse.objects.create(title=title, body_en=body_en, body_hi=body_hi, is_active=is_active,
                                         created_by=actor)


@transaction.atomic
def canned_update(*, canned_id: int, actor: User, **fields: Any) -> CannedResponse:
    """Change title, texts or is_active. Locks the row; the same checks as canned_create."""
    canned = CannedResponse.objects.select_for_update().filter(pk=canned_id).first()
    if canned is None:
        raise NotFound(_("Canned response not found."))
    for name in ("title", "body_en", "body_hi", "is_active"):
        if name in fields:
            setattr(canned, name, fields[name])
    canned.title = (canned.title or "").strip()
    if not canned.title or len(canned.title) > 120:
        raise InvalidInput(_("Give the response a title (up to 120 characters)."), code="invalid_title", field="title")
    canned_validate(body_en=canned.body_en, body_hi=canned.body_hi)
    if CannedResponse.objects.filter(title=canned.title).exclude(pk=canned.pk).exists():
        raise InvalidInput(_("A canned response with this title exists."), code="duplicate_title", field="title")
    canned.save()
    return canned


def canned_count_use(*, canned_id: int) -> None:
    """One more use (a reply was sent with it). An atomic UPDATE: concurrent uses all count."""
    updated = CannedResponse.objects.filter(pk=canned_id, is_active=True).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now())
    if not updated:
        raise InvalidInput(_("This canned response is no longer available."), code="invalid_canned")


def canned_values(ticket: Ticket, *, agent: User | None, language: str, eta: str = "") -> dict[str, str]:
    with translation.override(language):
        return {
            "number": ticket.display_number,
            "district": ticket.district.name,
            "category": ticket.category.name,
            "status": str(ticket.get_status_display()),
            "name": ticket.requester_name or _("citizen"),
            "agent": (agent.get_full_name() or agent.username) if agent else _("Helpdesk"),
            "eta": eta or "{eta}",
        }


def canned_render(canned: CannedResponse, ticket: Ticket, *, agent: User | None, language: str, eta: str = "") -> str:
    """The text in `language` with the ticket's values filled in ({eta} stays until given)."""
    return canned.body_for(language).format_map(canned_values(ticket, agent=agent, language=language, eta=eta))


def canned_active() -> list[CannedResponse]:
    return list(CannedResponse.objects.filter(is_active=True).order_by("-usage_count", "title"))
