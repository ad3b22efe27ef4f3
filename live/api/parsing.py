"""Strict parsing of the live API's inputs (helpdesk.inputs' rules; the names a body gives are
resolved to rows here, an unknown one refused with a 400 naming it)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import District
from helpdesk import inputs
from helpdesk.exceptions import InvalidInput

from ..models import Component

MAX_BULK = 500
MAX_COMPONENTS = 20


def body(request, allowed=None) -> dict:
    return inputs.body(request.data, allowed=allowed)


def integer(value, field: str, *, required: bool = True) -> int | None:
    return inputs.integer(value, field, required=required)


def query_int(request, name: str, default: int | None = None) -> int | None:
    return inputs.query_int(request.query_params, name, default=default, minimum=0)


def text(value, field: str, *, default: str = "") -> str:
    return inputs.text(value, field, max_len=inputs.MAX_JSON_STRING, default=default)


def boolean(value, field: str, *, default: bool) -> bool:
    return inputs.boolean(value, field, default=default)


def id_list(value, field: str, *, required: bool = True) -> list[int]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value) or len(value) > MAX_BULK:
        raise InvalidInput(_("%(field)s must be a list of 1 to %(max)s ids.") % {"field": field, "max": MAX_BULK},
                           code="invalid_ids", field=field)
    return [integer(item, field) for item in value]


def components(value) -> list[Component]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_COMPONENTS or not all(isinstance(c, str) for c in value):
        raise InvalidInput(_("components is a list of component codes."), code="invalid_components",
                           field="components")
    found = {c.code: c for c in Component.objects.filter(code__in=value)}
    unknown = [c for c in value if c not in found]
    if unknown:
        raise InvalidInput(_("Unknown component."), code="invalid_components", field="components", unknown=unknown)
    return [found[c] for c in dict.fromkeys(value)]


def districts(value) -> list[District]:
    ids = id_list(value, "districts", required=False)
    found = {d.pk: d for d in District.objects.filter(pk__in=ids)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput(_("Unknown district."), code="invalid_district", field="districts", unknown=unknown)
    return [found[i] for i in dict.fromkeys(ids)]


def given_text(value, field: str, *, max_len: int) -> str:
    """Optional text that, once given, is 1..max_len characters when stripped (None and "" are
    "not given"; only spaces is refused), as the services check the text they use."""
    if value is None or value == "":
        return ""
    return inputs.text(value, field, max_len=max_len, required=True, strip=True)
