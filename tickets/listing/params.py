"""Parsing of list parameters (query string of the page, the API and the export). Written once:
every refusal is an InvalidInput (400) with the parameter's name and a message in the user's
language; nothing is silently dropped or guessed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from helpdesk import inputs
from helpdesk.exceptions import InvalidInput
from tickets.models import Channel, Priority, TicketStatus

SEARCH_MAX = 200
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200
PAGE_MAX = 10_000
# Sort keys a client may ask for -> the columns (a leading "-" reverses). Anything else is a 400.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "created": ("created_at",),
    "updated": ("updated_at",),
    "priority": ("priority",),
    "status": ("status",),
    "district": ("district_id",),  # the state's district order (CoWIN ids), on an index
    "category": ("category_id",),
    "assignee": ("assignee__username",),
    "number": ("number",),
}
SORT_DEFAULT = "-created"
# Parameters that may appear once; `status` and `priority` may repeat (or be comma-separated).
SINGLE = ("view", "district", "category", "assignee", "unassigned", "channel", "created_after", "created_before",
          "q", "sort", "page", "page_size")
MULTI = ("status", "priority")
# Known but not list parameters (the page's fragment switch, the export's format).
IGNORED = ("partial", "format", "lang")


@dataclass(frozen=True)
class ListQuery:
    view: str = "open"
    status: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    district: int | None = None
    category: str | None = None
    assignee: int | None = None
    unassigned: bool | None = None
    channel: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    q: str = ""
    sort: str = SORT_DEFAULT
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT
    explicit: frozenset[str] = field(default_factory=frozenset)

    def filters(self) -> dict[str, object]:
        """The filter parameters given (for team views and links), as query-string values."""
        out: dict[str, object] = {}
        for name in ("status", "priority"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        for name in ("district", "category", "assignee", "channel", "q"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        if self.unassigned is not None:
            out["unassigned"] = "true" if self.unassigned else "false"
        for name in ("created_after", "created_before"):
            if getattr(self, name):
                out[name] = getattr(self, name).isoformat()
        if "sort" in self.explicit:
            out["sort"] = self.sort
        return out


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=f"invalid_{name}", field=name)


def _clean_text(name: str, raw: str, limit: int) -> str:
    if "\x00" in raw:
        raise _bad(name, _("%(field)s contains a null character.") % {"field": name})
    if len(raw) > limit:
        raise _bad(name, _("%(field)s is too long (at most %(max)s characters).") % {"field": name, "max": limit})
    return raw


def _whole(name: str, raw: str, *, low: int = 1, high: int = inputs.MAX_INT) -> int:
    return inputs.integer(raw, name, minimum=low, maximum=high, allow_text=True)


def _instant(name: str, raw: str) -> dt.datetime:
    """An ISO 8601 instant, or a day (read as IST midnight), years 2000-2100, offsets within ±14 h."""
    from django.utils import timezone

    parsed = None
    if raw.isascii() and len(raw) <= 40:
        try:
            parsed = parse_datetime(raw)
            if parsed is None and (day := parse_date(raw)) is not None:
                parsed = dt.datetime.combine(day, dt.time(0))
        except ValueError:
            parsed = None
    if parsed is None:
        raise _bad(name, _("%(field)s must be a date (yyyy-mm-dd) or an ISO 8601 instant.") % {"field": name})
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed)
    offset = parsed.utcoffset() or dt.timedelta(0)
    if not (2000 <= parsed.year <= 2100) or abs(offset) > dt.timedelta(hours=14):
        raise _bad(name, _("Give an instant between the years 2000 and 2100 with a real UTC offset."))
    return parsed


def _choices(name: str, values: list[str], allowed) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            if part == "":
                continue
            if part not in allowed:
                raise _bad(name, _("Unknown %(field)s: %(value)s. Choose from: %(choices)s.")
                           % {"field": name, "value": part[:40], "choices": ", ".join(allowed)})
            if part not in out:
                out.append(part)
    return tuple(out)


def _boolean(name: str, raw: str) -> bool:
    if raw.lower() in ("true", "1", "yes", "on"):
        return True
    if raw.lower() in ("false", "0", "no", "off"):
        return False
    raise _bad(name, _("%(field)s must be true or false.") % {"field": name})


def parse_list_query(params, *, views: set[str], categories: set[str], districts: set[int],
                     defaults: dict | None = None) -> ListQuery:
    """Parse a QueryDict (or a dict of lists/strings) into a ListQuery. `views`, `categories` and
    `districts` are the allowed values (the caller's own views, the active categories, the
    district ids). `defaults` (a team view's stored filters) apply under explicit parameters."""
    getlist = params.getlist if hasattr(params, "getlist") else (
        lambda k: v if isinstance(v := params.get(k, []), list) else [v])
    keys = list(params.keys())
    unknown = sorted(k for k in keys if k not in SINGLE + MULTI + IGNORED)
    if unknown:
        raise InvalidInput(_("Unknown parameters: %(names)s.") % {"names": ", ".join(k[:40] for k in unknown[:5])},
                           code="unknown_parameters", fields=unknown[:20])
    values: dict[str, str] = {}
    for name in SINGLE:
        items = [str(v) for v in getlist(name)]
        if len(items) > 1:
            raise _bad(name, _("%(field)s was sent twice.") % {"field": name})
        if items:
            values[name] = _clean_text(name, items[0], SEARCH_MAX if name == "q" else 100)
    multi = {name: [_clean_text(name, str(v), 100) for v in getlist(name)] for name in MULTI}
    explicit = frozenset(k for k in values if values[k] != "") | frozenset(k for k in multi if multi[k])
    if defaults:
        for name, value in defaults.items():
            if name in MULTI and not multi.get(name):
                multi[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
            elif name in SINGLE and values.get(name, "") == "":
                values[name] = str(value)

    kwargs: dict[str, object] = {"explicit": explicit}
    view = values.get("view") or "open"
    if view not in views:
        raise _bad("view", _("Unknown view: %(value)s.") % {"value": view[:40]})
    kwargs["view"] = view
    kwargs["status"] = _choices("status", multi["status"], TicketStatus.values)
    kwargs["priority"] = _choices("priority", multi["priority"], Priority.values)
    if values.get("district"):
        district = _whole("district", values["district"])
        if district not in districts:
            raise _bad("district", _("Unknown district."))
        kwargs["district"] = district
    if values.get("category"):
        if values["category"] not in categories:
            raise _bad("category", _("Unknown category: %(value)s.") % {"value": values["category"][:40]})
        kwargs["category"] = values["category"]
    if values.get("assignee"):
        kwargs["assignee"] = _whole("assignee", values["assignee"])
    if values.get("unassigned"):
        kwargs["unassigned"] = _boolean("unassigned", values["unassigned"])
    if values.get("channel"):
        kwargs["channel"] = _choices("channel", [values["channel"]], Channel.values)[0]
    for name in ("created_after", "created_before"):
        if values.get(name):
            kwargs[name] = _instant(name, values[name])
    kwargs["q"] = values.get("q", "").strip()
    sort = values.get("sort") or SORT_DEFAULT
    if sort.lstrip("-") not in SORT_KEYS or sort.count("-") > 1:
        raise _bad("sort", _("Unknown sort key: %(value)s. Choose from: %(choices)s.")
                   % {"value": sort[:40], "choices": ", ".join(SORT_KEYS)})
    kwargs["sort"] = sort
    if values.get("page"):
        kwargs["page"] = _whole("page", values["page"], high=PAGE_MAX)
    if values.get("page_size"):
        kwargs["page_size"] = _whole("page_size", values["page_size"], high=PAGE_SIZE_MAX)
    return ListQuery(**kwargs)
