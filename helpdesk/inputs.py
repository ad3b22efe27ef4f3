"""The one input layer: the rules every string from outside obeys, and the typed parsers that
every API view, page and consumer calls (DOMAIN.md §9).

Two levels:
- `check_request` and `check_body` (run once per request by `helpdesk.middleware.InputGuardMiddleware`,
  before any view; `check_json` by the websocket consumers on each message): every path, query value, API body value
  (JSON strings and keys, forms) and header value is valid UTF-8 (page forms are checked field by
  field by their page, with the same parsers, so the form comes back with what was typed), carries no NUL or other control
  character (tab, newline and carriage return are allowed in body text only), no lone
  surrogate, and stays under a length bound. A refusal is `InvalidInput` (400) naming the field.
- Typed parsers for the fields themselves (`text`, `integer`, `positive_int`, `version`,
  `boolean`, `choice`, `one`, `body`): one set of integer bounds and one set of error codes
  (`missing_<field>`, `invalid_<field>`, `duplicate_parameter`, `unknown_fields`, `invalid_body`).
  The citizen formats (reference id, mobile, PIN, OTP, dates, UUIDs) are in `helpdesk.validation`,
  which uses the same rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import DomainError, InvalidInput
from .forms import label

# One set of integer bounds: ids, versions, counts. 2**53 - 1 keeps every id exact in a
# JavaScript client and inside PostgreSQL's bigint.
MAX_INT = 2**53 - 1
MAX_QUERY_VALUE = 2000  # characters of one query or form value
MAX_HEADER_VALUE = 8192
MAX_JSON_STRING = 100_000  # characters of one JSON string (the body itself is capped by MAX_BODY_BYTES)
MAX_JSON_DEPTH = 20
# A note (status move, progress, hand-back, report note): one limit and one message everywhere.
NOTE_MAX_CHARS = 2000

# C0 controls, DEL, C1 controls and lone surrogates; body text may keep \t \n \r.
_CONTROL_STRICT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_HEADER_BAD = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_DIGITS_RE = re.compile(r"^[0-9]{1,16}$")


def _refuse(field: str, message: str, code: str = "invalid_input") -> InvalidInput:
    return InvalidInput(message, code=code, field=field)


def _bad_characters(field: str) -> InvalidInput:
    return _refuse(field, _("“%(field)s” contains characters that are not allowed (control characters).")
                   % {"field": label(field)}, code="invalid_characters")


def check_string(value: str, field: str, *, max_len: int, multiline: bool) -> None:
    """Refuse control characters (multi-line text keeps tab/newline/CR) and over-long values."""
    pattern = _CONTROL_TEXT if multiline else _CONTROL_STRICT
    if pattern.search(value):
        raise _bad_characters(field)
    if len(value) > max_len:
        raise _refuse(field, _("“%(field)s” is too long (at most %(max)s characters).")
                      % {"field": label(field), "max": max_len}, code="too_long")


def _pairs(raw: str) -> Iterator[tuple[str, str]]:
    """Decode an application/x-www-form-urlencoded string strictly (invalid UTF-8 refused). The
    servers hand the raw bytes over as latin-1 text (WSGI and Django's ASGI handler alike)."""
    try:
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        data = raw.encode("utf-8")
    for chunk in data.split(b"&"):
        if not chunk:
            continue
        name, _sep, value = chunk.partition(b"=")
        try:
            decoded_name = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse("parameter", _("A parameter name is not valid UTF-8 text."),
                          code="invalid_encoding") from None
        try:
            decoded_value = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            name_shown = decoded_name[:40]
            raise _refuse(name_shown, _("“%(field)s” is not valid UTF-8 text.") % {"field": label(name_shown)},
                          code="invalid_encoding") from None
        yield decoded_name, decoded_value


def check_query_string(raw: str, *, multiline: bool = False) -> None:
    for name, value in _pairs(raw):
        check_string(name, "parameter", max_len=200, multiline=False)
        check_string(value, name, max_len=MAX_JSON_STRING if multiline else MAX_QUERY_VALUE,
                     multiline=multiline)


def check_json(value: Any, field: str = "body", depth: int = 0) -> None:
    """Walk a decoded JSON document: every string (and key) obeys the text rules."""
    if depth > MAX_JSON_DEPTH:
        raise _refuse(field, _("The JSON body is nested too deeply."), code="invalid_body")
    if isinstance(value, str):
        check_string(value, field, max_len=MAX_JSON_STRING, multiline=True)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_string(key, "field name", max_len=200, multiline=False)
            check_json(item, key if depth == 0 else field, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json(item, field, depth + 1)


def check_headers(meta: dict) -> None:
    for key, value in meta.items():
        if not key.startswith("HTTP_") or not isinstance(value, str):
            continue
        name = key[5:].replace("_", "-").title()
        if _HEADER_BAD.search(value) or len(value) > MAX_HEADER_VALUE:
            raise _refuse(name, _("The %(field)s header is malformed.") % {"field": name}, code="invalid_header")


def checks_each_record(view):
    """Declare (on a view function or class) that the view checks every record of its body itself
    and refuses a bad record alone, keeping the rest (a batch endpoint such as the centres' offline
    sync): one bad record must not make the whole batch a 400 that the device would send again and
    again. The request-wide body check then leaves that view's body to it; path, query and headers
    are still checked."""
    view.input_checks_each_record = True
    return view


def _checks_each_record(view_func) -> bool:
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    return bool(getattr(view_func, "input_checks_each_record", False)
                or getattr(view_class, "input_checks_each_record", False))


def check_request(request) -> None:
    """The checks every request passes, routed or not, before any view runs: path, query, headers."""
    if _CONTROL_STRICT.search(request.path_info):
        raise _refuse("path", _("The address contains characters that are not allowed."), code="invalid_characters")
    check_query_string(request.META.get("QUERY_STRING", ""))
    check_headers(request.META)


def check_body(request, view_func=None) -> None:
    """The body check of an API request, once its view is known (the view may declare
    `checks_each_record`)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not request.path_info.startswith("/api/"):
        # A page's form is checked field by field by the page itself (the same parsers), so the
        # person gets the form back with the message beside the field and keeps what they typed.
        return
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not (length.isascii() and length.isdigit()) or int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return  # the view refuses an oversized body (413) without reading it
    if view_func is not None and _checks_each_record(view_func):
        return
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except ValueError:
            return  # not JSON: the view's parser answers 400 with its own message
        check_json(document)
    elif content_type == "application/x-www-form-urlencoded":
        check_query_string(request.body.decode("latin-1"), multiline=True)
    elif content_type == "multipart/form-data":
        for name, values in request.POST.lists():
            for value in values:
                check_string(name, "field name", max_len=200, multiline=False)
                check_string(value, name, max_len=MAX_JSON_STRING, multiline=True)


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"


def check_size(request) -> None:
    """A declared body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused (413) without being read."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    size = int(raw) if raw.isascii() and raw.isdigit() else 0
    if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge(_("The request body is too large."))


# --- typed parsers ------------------------------------------------------------------------------

def body(data: Any, *, allowed: Iterable[str] | None = None, required: Iterable[str] = ()) -> dict[str, Any]:
    """A JSON object; with `allowed`, unknown fields are refused; `required` fields must be non-empty."""
    if not isinstance(data, dict):
        raise InvalidInput(_("The body must be a JSON object."), code="invalid_body")
    if allowed is not None:
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise InvalidInput(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)},
                               code="unknown_fields", fields=unknown)
    missing = sorted(name for name in required if data.get(name) in (None, ""))
    if missing:
        raise InvalidInput(_("Missing fields: %(fields)s.") % {"fields": ", ".join(missing)},
                           code="missing_fields", fields=missing)
    return data


def one(query, name: str, *, required: bool = True) -> str | None:
    """Exactly one value of a query or form parameter (duplicates refused); `query` is a QueryDict
    or a plain mapping."""
    values = query.getlist(name) if hasattr(query, "getlist") else ([query[name]] if name in query else [])
    if not values:
        if required:
            raise InvalidInput(_("%(field)s is required.") % {"field": name}, code=f"missing_{name}", field=name)
        return None
    if len(values) > 1:
        raise InvalidInput(_("%(field)s was given more than once.") % {"field": name},
                           code="duplicate_parameter", field=name)
    return values[0]


def text(raw: Any, field: str, *, max_len: int, required: bool = False, strip: bool = False,
         multiline: bool = True, default: str = "") -> str:
    """Text as written (optionally stripped), checked for control characters and length."""
    if raw is None:
        raw = default
    if not isinstance(raw, str):
        raise InvalidInput(_("“%(field)s” must be text.") % {"field": label(field)}, code=f"invalid_{field}",
                           field=field)
    if strip:
        raw = raw.strip()
    try:
        check_string(raw, field, max_len=max_len, multiline=multiline)
    except InvalidInput as exc:
        exc.code = f"invalid_{field}"
        raise
    if required and not raw:
        raise InvalidInput(_("Fill in “%(field)s”.") % {"field": label(field)}, code=f"missing_{field}", field=field)
    return raw


def integer(raw: Any, field: str, *, required: bool = True, minimum: int = 1, maximum: int = MAX_INT,
            allow_text: bool = False, message: str | None = None) -> int | None:
    """A whole number in [minimum, maximum]: a JSON integer (never a boolean), or, with
    `allow_text` (query strings, forms), a string of ASCII digits. `message` replaces the default
    refusal (a page's "Unknown district."); the code stays `invalid_<field>`."""
    if raw is None or raw == "":
        if required:
            raise InvalidInput(_("%(field)s is required.") % {"field": field}, code=f"missing_{field}", field=field)
        return None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif allow_text and isinstance(raw, str) and _DIGITS_RE.match(raw):
        value = int(raw)  # safe: ASCII digits only
    else:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise InvalidInput(message or _("%(field)s must be a whole number from %(min)s to %(max)s.")
                           % {"field": field, "min": minimum, "max": maximum},
                           code=f"invalid_{field}", field=field)
    return value


def form_int(raw: Any, field: str, **bounds: int) -> int | None:
    """An optional whole number from a form or query value (empty: None)."""
    return integer(raw, field, required=False, allow_text=True, **bounds)


def integers(values: Iterable[Any], field: str, *, message: str | None = None, maximum_count: int = 500) -> list[int]:
    """Ids from a repeated form field or a JSON list (each as `integer`, text allowed)."""
    items = list(values)
    if len(items) > maximum_count:
        raise InvalidInput(_("%(field)s: at most %(max)s values.") % {"field": field, "max": maximum_count},
                           code=f"invalid_{field}", field=field)
    return [integer(item, field, allow_text=True, message=message) for item in items]


def single_values(query, names: Iterable[str]) -> dict[str, str]:
    """The given parameters of a query or form that may appear once (a repeat is refused with
    `duplicate_parameter`); absent ones are left out."""
    values = {}
    for name in names:
        value = one(query, name, required=False)
        if value is not None:
            values[name] = value
    return values


def query_int(query, name: str, *, default: int | None = None, minimum: int = 1,
              maximum: int = MAX_INT) -> int | None:
    raw = one(query, name, required=False)
    if raw is None:
        return default
    return integer(raw, name, minimum=minimum, maximum=maximum, allow_text=True)


def note(raw: Any, *, required: bool, field: str = "note", max_chars: int = NOTE_MAX_CHARS,
         strip: bool = True) -> str:
    """A note (status move, ETA progress, hand-back, handover): text (trimmed unless `strip` is
    off), at most `max_chars`, no control characters but tab and newlines. One limit, one message."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput(_("Write the note as text."), code=f"invalid_{field}", field=field)
    value = raw.strip() if strip else raw
    if len(value) > max_chars:
        raise InvalidInput(_("The note is too long: at most %(max)s characters (this one has %(n)s).")
                           % {"max": max_chars, "n": len(value)}, code=f"{field}_too_long", field=field)
    if _CONTROL_TEXT.search(value):
        raise InvalidInput(_("The note contains characters that cannot be stored."), code=f"invalid_{field}",
                           field=field)
    if required and not value.strip():
        raise InvalidInput(_("Write a few words: this field is required."), code=f"{field}_required", field=field)
    return value


def boolean(raw: Any, field: str, *, default: bool) -> bool:
    if raw is None:
        return default
    if not isinstance(raw, bool):
        raise InvalidInput(_("%(field)s must be true or false.") % {"field": field}, code=f"invalid_{field}", field=field)
    return raw


def choice(raw: Any, field: str, choices: Iterable[str], *, default: str | None = None) -> str | None:
    if raw is None:
        return default
    options = list(choices)
    if not isinstance(raw, str) or raw not in options:
        raise InvalidInput(_("%(field)s must be one of: %(choices)s.") % {"field": field, "choices": ", ".join(options)},
                           code=f"invalid_{field}", field=field)
    return raw
