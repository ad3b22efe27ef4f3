"""API bodies of the ticket endpoints: a JSON object with known fields only, each checked for its
type. The rules are helpdesk.inputs' (one set of bounds and error codes); this module only adapts
them to the ticket views' call shape and adds the size check (413)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from helpdesk import inputs
from helpdesk.exceptions import DomainError


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"


def check_size(request) -> None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    size = int(raw) if raw.isascii() and raw.isdigit() else 0
    if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge(_("The request body is too large."))


def body(request, *, allowed: set[str], required: Iterable[str] = frozenset()) -> dict[str, Any]:
    return inputs.body(request.data, allowed=allowed, required=required)


def text(data: dict, name: str, *, max_len: int, default: str = "") -> str:
    return inputs.text(data.get(name, default), name, max_len=max_len, default=default)


def integer(data: dict, name: str, *, default: int | None = None) -> int | None:
    return inputs.integer(data.get(name, default), name, required=False)


def boolean(data: dict, name: str, *, default: bool) -> bool:
    return inputs.boolean(data.get(name, default), name, default=default)


def choice(data: dict, name: str, choices, *, default: str | None = None) -> str | None:
    return inputs.choice(data.get(name, default), name, choices, default=default)
