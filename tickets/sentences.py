"""One sentence per event kind, for tickets.timeline (which decides who sees what and folds
bookkeeping). A writer gets the event, its payload, the reading context and the entry (to add
detail lines) and returns (text, tone)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User, Vendor

from .models import Category, Channel, Priority, TicketEvent, TicketStatus


class Audience(StrEnum):
    STAFF = "staff"
    VENDOR = "vendor"
    CITIZEN = "citizen"


@dataclass
class TimelineEntry:
    event_id: int
    at: dt.datetime
    text: str
    kind: str
    tone: str = ""  # "", "warn", "bad", "ok": a CSS hint
    public: bool = False
    details: list[str] = field(default_factory=list)


CLOCK_NAMES = {
    "first_response": gettext_lazy("First response"),
    "resolution": gettext_lazy("Resolution"),
    "vendor_ack": gettext_lazy("Vendor acknowledgement"),
    "vendor_restore": gettext_lazy("Vendor restore"),
    "eta": gettext_lazy("Vendor progress / ETA"),
}
TARGET_NAMES = {
    "on_call": gettext_lazy("Vendor engineer on call now"),
    "responsible_officer": gettext_lazy("Vendor responsible officer"),
    "vendor_head": gettext_lazy("Vendor head"),
    "department_officer": gettext_lazy("Department officer"),
    "webhook": gettext_lazy("Vendor webhook"),
}
SEND_CHANNELS = {"sms": gettext_lazy("SMS"), "email": gettext_lazy("Email"), "webhook": gettext_lazy("Webhook"),
                 "voice": gettext_lazy("Voice call")}
ACK_VIA = {"app": gettext_lazy("the app"), "link": gettext_lazy("the signed link"), "api": gettext_lazy("the API")}


@dataclass
class _Context:
    audience: Audience
    users: dict[int, User]
    vendors: dict[int, Vendor]
    categories: dict[str, Category]
    acks: list[TicketEvent]  # escalation_acknowledged events, in order


# --- small formatters ---------------------------------------------------------------------------

def _choice(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return _("unknown")


def _status(value: str) -> str:
    return _choice(TicketStatus, value)


def _clock(payload: dict, event: TicketEvent) -> str:
    name = CLOCK_NAMES.get(payload.get("clock") or event.to_value)
    return str(name) if name else _("SLA")


def _when(raw) -> str:
    moment = parse_datetime(raw) if isinstance(raw, str) else raw
    if not isinstance(moment, dt.datetime):
        return _("unknown time")
    return formats.date_format(timezone.localtime(moment), "j M, H:i")


def minutes_text(minutes: int) -> str:
    minutes = max(0, int(minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(n)s min") % {"n": minutes}
    if hours >= 48 and not rest:
        return _("%(n)s days") % {"n": hours // 24}
    if not rest:
        return _("%(h)s h") % {"h": hours}
    return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}


def _person(user: User | None) -> str:
    if user is None:
        return _("someone")
    name = user.get_full_name() or user.username
    return _("%(name)s (%(role)s)") % {"name": name, "role": _choice(Role, user.role)}


def _actor(event: TicketEvent, ctx: _Context) -> str:
    label = event.actor_label
    if label in ("citizen", "sms"):
        if ctx.audience == Audience.CITIZEN:
            return _("you")
        return _("the citizen, by SMS") if label == "sms" else _("the citizen")
    if ctx.audience == Audience.CITIZEN:
        return _("the helpdesk") if event.actor_id or label == "vendor-link" else _("the system")
    if event.actor_id:
        return _person(ctx.users.get(event.actor_id) or event.actor)
    return _("the vendor") if label == "vendor-link" else _("the system")


def _user_ref(raw, ctx: _Context) -> str:
    if isinstance(raw, str) and raw.isdigit():
        user = ctx.users.get(int(raw))
        if user is not None:
            return _person(user) if ctx.audience != Audience.CITIZEN else (user.get_full_name() or user.username)
    return _("a colleague")


def _number(raw: str) -> str:
    raw = raw or ""
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 and "-" not in raw else raw


# --- one sentence per kind ------------------------------------------------------------------------
# Each writer returns (text, tone); it may add detail lines to the entry.

Writer = Callable[[TicketEvent, dict, _Context, TimelineEntry], tuple[str, str]]


def _created(e, p, ctx, entry):
    channel = _choice(Channel, p.get("channel", ""))
    if ctx.audience == Audience.CITIZEN:
        return _("Complaint received (%(channel)s)") % {"channel": channel}, ""
    return _("Ticket opened by %(actor)s (%(channel)s, %(priority)s)") % {
        "actor": _actor(e, ctx), "channel": channel, "priority": _choice(Priority, p.get("priority", ""))}, ""


def _chased(e, p, ctx, entry):
    return _("The caller asked again about this ticket (%(channel)s)") % {
        "channel": _choice(Channel, p.get("channel", ""))}, "warn"


def _status_changed(e, p, ctx, entry):
    values = {"from": _status(e.from_value), "to": _status(e.to_value), "actor": _actor(e, ctx)}
    note = p.get("note", "")
    if note == "citizen replied":
        return _("Status changed from %(from)s to %(to)s because the citizen replied") % values, ""
    if note and ctx.audience == Audience.STAFF:
        entry.details.append(_("Note: %(note)s") % {"note": note})
    tone = "ok" if e.to_value in (TicketStatus.RESOLVED, TicketStatus.CLOSED) else ""
    return _("Status changed from %(from)s to %(to)s by %(actor)s") % values, tone


def _vendor_assigned(e, p, ctx, entry):
    vendor = ctx.vendors.get(int(e.to_value)) if e.to_value.isdigit() else None
    return _("Handed to the vendor %(vendor)s by %(actor)s") % {
        "vendor": vendor.name if vendor else _("(removed vendor)"), "actor": _actor(e, ctx)}, ""


def _comment(e, p, ctx, entry):
    author_kind = p.get("author_kind", "")
    if author_kind == "citizen":
        return (_("You replied") if ctx.audience == Audience.CITIZEN else _("The citizen replied")), ""
    if ctx.audience == Audience.CITIZEN:
        return _("The helpdesk replied"), ""
    if p.get("public"):
        return _("Public reply by %(actor)s (sent to the citizen by SMS)") % {"actor": _actor(e, ctx)}, ""
    return _("Internal note by %(actor)s") % {"actor": _actor(e, ctx)}, ""


def _first_response(e, p, ctx, entry):
    if p.get("contacted"):
        return _("First response made: the citizen was called back"), "ok"
    return _("First response made"), "ok"


def _contacted(e, p, ctx, entry):
    if p.get("note") and ctx.audience == Audience.STAFF:
        entry.details.append(_("Note: %(note)s") % {"note": p["note"]})
    return _("%(actor)s called the citizen back") % {"actor": _actor(e, ctx)}, ""


def _assigned(e, p, ctx, entry):
    if not e.to_value:
        return _("Unassigned by %(actor)s") % {"actor": _actor(e, ctx)}, ""
    return _("Assigned to %(assignee)s by %(actor)s") % {"assignee": _user_ref(e.to_value, ctx),
                                                          "actor": _actor(e, ctx)}, ""


def _priority_changed(e, p, ctx, entry):
    return _("Priority changed from %(from)s to %(to)s by %(actor)s") % {
        "from": _choice(Priority, e.from_value), "to": _choice(Priority, e.to_value), "actor": _actor(e, ctx)}, ""


def _category_name(code: str, ctx: _Context) -> str:
    category = ctx.categories.get(code)
    return category.name if category else _("(removed category)")


def _category_changed(e, p, ctx, entry):
    return _("Category changed from %(from)s to %(to)s by %(actor)s") % {
        "from": _category_name(e.from_value, ctx), "to": _category_name(e.to_value, ctx), "actor": _actor(e, ctx)}, ""


def _incident_linked(e, p, ctx, entry):
    return _("Linked to incident #%(id)s by %(actor)s") % {"id": e.to_value, "actor": _actor(e, ctx)}, ""


def _incident_unlinked(e, p, ctx, entry):
    return _("Unlinked from incident #%(id)s by %(actor)s") % {"id": e.from_value, "actor": _actor(e, ctx)}, ""


def _registration_attached(e, p, ctx, entry):
    reference = e.to_value if ctx.audience == Audience.STAFF else "**********" + e.to_value[-4:]
    return _("Registration %(reference)s attached by %(actor)s") % {"reference": reference,
                                                                     "actor": _actor(e, ctx)}, ""


def _merged_into(e, p, ctx, entry):
    return _("Merged into ticket %(number)s by %(actor)s") % {"number": _number(e.to_value), "actor": _actor(e, ctx)}, ""


def _merged(e, p, ctx, entry):
    return _("Ticket %(number)s was merged into this one by %(actor)s") % {
        "number": _number(e.from_value), "actor": _actor(e, ctx)}, ""


def _clock_started(e, p, ctx, entry):
    values = {"clock": _clock(p, e), "goal": minutes_text(p.get("goal_minutes") or 0)}
    if p.get("business") and p.get("calendar") not in (None, "24x7"):
        return _("%(clock)s clock started: %(goal)s of business hours") % values, ""
    return _("%(clock)s clock started: due in %(goal)s") % values, ""


def _clock_paused(e, p, ctx, entry):
    return _("%(clock)s clock paused while awaiting the citizen") % {"clock": _clock(p, e)}, ""


def _clock_resumed(e, p, ctx, entry):
    return _("%(clock)s clock resumed") % {"clock": _clock(p, e)}, ""


def _clock_stopped(e, p, ctx, entry):
    values = {"clock": _clock(p, e)}
    if p.get("within_target") is False:
        return _("%(clock)s clock stopped after its target") % values, "bad"
    return _("%(clock)s clock stopped within its target") % values, ""


def _clock_rearmed(e, p, ctx, entry):
    return _("%(clock)s clock re-timed for the new priority: now due %(due)s") % {
        "clock": _clock(p, e), "due": _when(p.get("due_at"))}, ""


def _sla_warning(e, p, ctx, entry):
    return _("Warning: the %(clock)s target is near (due %(due)s)") % {"clock": _clock(p, e),
                                                                       "due": _when(p.get("due_at"))}, "warn"


def _sla_breach(e, p, ctx, entry):
    return _("The %(clock)s target was missed (due %(due)s)") % {"clock": _clock(p, e),
                                                                 "due": _when(p.get("due_at"))}, "bad"


def _eta_missed(e, p, ctx, entry):
    if p.get("progress_overdue") or not p.get("eta_at"):
        return _("No progress with an ETA was posted in time after the acknowledgement"), "bad"
    return _("The vendor's ETA of %(eta)s passed") % {"eta": _when(p.get("eta_at"))}, "bad"


def _listing(items: Iterable[str]) -> str:
    items = [str(i) for i in items if i]
    return ", ".join(items)


def _escalation_fired(e, p, ctx, entry):
    channels = _listing(SEND_CHANNELS.get(c, _("message")) for c in p.get("channels") or []) or _("Notice")
    targets = _listing(TARGET_NAMES.get(t, _("contact")) for t in p.get("targets") or [])
    people = _listing(p.get("recipients") or []) or _("no one reachable")
    values = {"level": p.get("level", "?"), "clock": _clock(p, e), "channels": channels, "people": people,
              "targets": targets or _("contact")}
    text = _("Level %(level)s (%(clock)s): %(channels)s to %(people)s (%(targets)s)") % values
    ack = next((a for a in ctx.acks if a.pk > e.pk and p.get("clock") in (a.payload.get("clocks") or [])), None)
    if ack is None:
        return _("%(step)s — not acknowledged yet") % {"step": text}, "warn"
    minutes = int((ack.created_at - e.created_at).total_seconds() // 60)
    via = ACK_VIA.get(ack.payload.get("via", ""), _("the app"))
    return _("%(step)s — acknowledged %(later)s later via %(via)s") % {
        "step": text, "later": minutes_text(minutes), "via": via}, ""


def _escalation_acknowledged(e, p, ctx, entry):
    via = ACK_VIA.get(p.get("via", ""), _("the app"))
    clocks = _listing(CLOCK_NAMES.get(c, "") for c in p.get("clocks") or [])
    text = _("Escalation acknowledged by %(actor)s via %(via)s") % {"actor": _actor(e, ctx), "via": via}
    if clocks:
        entry.details.append(_("Stops the ladder for: %(clocks)s") % {"clocks": clocks})
    return text, "ok"


def _eta_posted(e, p, ctx, entry):
    return _("%(actor)s posted progress: service expected back by %(eta)s") % {
        "actor": _actor(e, ctx), "eta": _when(p.get("eta_at"))}, ""


def _tag_added(e, p, ctx, entry):
    return _("Tag %(tag)s added by %(actor)s") % {"tag": e.to_value, "actor": _actor(e, ctx)}, ""


def _tag_removed(e, p, ctx, entry):
    return _("Tag %(tag)s removed by %(actor)s") % {"tag": e.from_value, "actor": _actor(e, ctx)}, ""


def _attachment_added(e, p, ctx, entry):
    kind = _("a PDF") if p.get("content_type") == "application/pdf" else _("an image")
    return _("%(actor)s attached %(kind)s") % {"actor": _actor(e, ctx), "kind": kind}, ""


def _mentioned(e, p, ctx, entry):
    names = _listing(f"@{n}" for n in p.get("usernames") or []) or _("a colleague")
    return _("%(actor)s mentioned %(names)s in a note") % {"actor": _actor(e, ctx), "names": names}, ""


def _call_linked(e, p, ctx, entry):
    return _("Opened during a phone call taken by %(actor)s") % {"actor": _actor(e, ctx)}, ""


SENTENCES: dict[str, Writer] = {
    "tag_added": _tag_added,
    "tag_removed": _tag_removed,
    "attachment_added": _attachment_added,
    "mentioned": _mentioned,
    "call_linked": _call_linked,
    "created": _created,
    "chased": _chased,
    "status_changed": _status_changed,
    "vendor_assigned": _vendor_assigned,
    "comment": _comment,
    "first_response": _first_response,
    "contacted": _contacted,
    "assigned": _assigned,
    "priority_changed": _priority_changed,
    "category_changed": _category_changed,
    "incident_linked": _incident_linked,
    "incident_unlinked": _incident_unlinked,
    "registration_attached": _registration_attached,
    "merged_into": _merged_into,
    "merged": _merged,
    "clock_started": _clock_started,
    "clock_paused": _clock_paused,
    "clock_resumed": _clock_resumed,
    "clock_stopped": _clock_stopped,
    "clock_rearmed": _clock_rearmed,
    "sla_warning": _sla_warning,
    "sla_breach": _sla_breach,
    "eta_missed": _eta_missed,
    "escalation_fired": _escalation_fired,
    "escalation_acknowledged": _escalation_acknowledged,
    "eta_posted": _eta_posted,
}
