"""Parsing of a complaint, shared by the citizen form, the citizen API, the district form, the
agents' console and the staff API (DOMAIN.md §9: clear errors, never int() on raw input)."""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import District
from helpdesk import inputs, validation
from helpdesk.exceptions import InvalidInput
from helpdesk.forms import collect, label

from .models import Category, Priority, TicketStatus

_CACHE: dict[str, tuple[float, dict]] = {}
_TTL = 60.0


def _cached(name: str, load) -> dict:
    # Districts and categories are read on every complaint; they change rarely (admin edits),
    # so each process keeps them for a minute instead of querying twice per ticket.
    hit = _CACHE.get(name)
    now = time.monotonic()
    if hit is None or now - hit[0] > _TTL:
        hit = (now, load())
        _CACHE[name] = hit
    return hit[1]


def clear_cache() -> None:
    _CACHE.clear()


def forget_on_commit(sender=None, **kwargs) -> None:
    """Signal receiver: a district or category changed; drop this process's copy once it commits."""
    transaction.on_commit(clear_cache)


def districts() -> dict[int, District]:
    return _cached("districts", lambda: {d.pk: d for d in District.objects.all()})


def categories() -> dict[str, Category]:
    return _cached("categories", lambda: {c.code: c for c in Category.objects.filter(is_active=True)})


def district_from(raw: object) -> District:
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 6:
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput(_("Choose a district."), code="invalid_district", field="district")
    district = districts().get(raw)
    if district is None:
        raise InvalidInput(_("Choose a district."), code="invalid_district", field="district")
    return district


def category_from(raw: object) -> Category:
    category = categories().get(raw) if isinstance(raw, str) else None
    if category is None:
        raise InvalidInput(_("Choose a category."), code="invalid_category", field="category")
    return category


def text_field(raw: object, field: str, max_len: int, *, required: bool) -> str:
    """Text as written; the messages name the field by its label in the user's language."""
    name = label(field)
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput(_("“%(field)s” must be text.") % {"field": name}, code=f"invalid_{field}", field=field)
    if len(raw) > max_len:
        raise InvalidInput(_("“%(field)s” is too long (at most %(max)s characters).") % {"field": name, "max": max_len},
                           code=f"invalid_{field}", field=field)
    if "\x00" in raw:
        raise InvalidInput(_("“%(field)s” contains a null character.") % {"field": name}, code=f"invalid_{field}",
                           field=field)
    if required and not raw.strip():
        raise InvalidInput(_("Fill in “%(field)s”.") % {"field": name}, code=f"invalid_{field}", field=field)
    return raw


def transition_note(raw: object, *, to: str | None, current: str | None = None) -> str:
    """The note of a status move (page, API, bulk). Resolving needs one: the citizen's resolution
    SMS carries it. `current`: the ticket's status (no move, no rule)."""
    note = inputs.note(raw, required=False)
    if to == TicketStatus.RESOLVED and to != current and not note:
        raise InvalidInput(_("Write the resolution note: the citizen's SMS carries it."), code="missing_note",
                           field="note")
    return note


def _language(raw: object) -> str:
    language = raw or "en"
    if language not in ("en", "hi"):
        raise InvalidInput(_("Language is en or hi."), code="invalid_language", field="language")
    return language


def complaint(data: dict[str, Any], *, mobile_required: bool = True, name_required: bool = True) -> dict[str, Any]:
    """Validated keyword arguments for ticket_create (district, category, description, requester_*,
    registration_reference). Every field is checked: raises FormErrors (an InvalidInput naming the
    first bad field, with `errors` listing all of them)."""
    raw_mobile = data.get("mobile")
    reference = data.get("reference_id")
    return collect({
        "requester_name": lambda: text_field(data.get("name"), "name", 120, required=name_required).strip(),
        "requester_mobile": lambda: validation.mobile(raw_mobile)
        if (mobile_required or raw_mobile not in (None, "")) else "",
        "district": lambda: district_from(data.get("district")),
        "category": lambda: category_from(data.get("category")),
        "description": lambda: text_field(data.get("description"), "description", 5000, required=True),
        "registration_reference": lambda: validation.reference_id(reference) if reference not in (None, "") else "",
        "requester_language": lambda: _language(data.get("language")),
    })


def priority_from(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or raw not in Priority.values:
        raise InvalidInput(_("Priority is one of P1, P2, P3, P4."), code="invalid_priority", field="priority")
    return raw
