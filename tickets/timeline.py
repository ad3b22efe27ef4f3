"""The ticket's timeline in human sentences, in the reader's language.

One function, `render_timeline`, turns TicketEvent rows (the append-only trail) into entries
such as "Level 1 (Resolution): SMS to Neha Dewangan (Vendor engineer on call now) —
acknowledged 4 min later via signed link" or "Status changed from New to In progress by Asha
(Helpdesk agent)". The staff ticket page, the vendor pages and the citizen's status pages all
call it; the reader decides what is shown:

- `Audience.STAFF` (desk, district officials): every event;
- `Audience.VENDOR`: every event, without the desk's free-text notes and the caller's reference;
- `Audience.CITIZEN`: only public events, staff named as "the helpdesk".

Clock bookkeeping (clock started / paused / resumed / stopped / re-timed, first response), and
a comment's attachments and @mentions, are folded into the entry of the change that caused them
(written in the same transaction, just after it) as detail lines, never shown as codes. Every
kind written anywhere in the code has a sentence in tickets/sentences.py
(tests/tickets/test_timeline.py scans the sources to keep it so).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User, Vendor

from .models import Category, TicketEvent
from .sentences import SENTENCES, Audience, TimelineEntry, Writer, _Context

__all__ = ["FOLDED", "SENTENCES", "Audience", "TimelineEntry", "audience_for", "register", "render_timeline"]

# Kinds that only record what an SLA clock did because of another change: folded into that entry.
FOLDED = frozenset({"clock_started", "clock_paused", "clock_resumed", "clock_stopped", "clock_rearmed",
                    "first_response", "attachment_added", "mentioned"})
# A folded event belongs to the entry before it when both were written in one transaction.
_FOLD_WINDOW = dt.timedelta(seconds=5)


def register(kind: str, writer: Writer) -> None:
    """Another module of `tickets` that writes a new kind registers its sentence here."""
    SENTENCES[kind] = writer


def _context(events: Sequence[TicketEvent], audience: Audience) -> _Context:
    user_ids = {e.actor_id for e in events if e.actor_id}
    user_ids |= {int(e.to_value) for e in events if e.kind == "assigned" and e.to_value.isdigit()}
    vendor_ids = {int(e.to_value) for e in events if e.kind == "vendor_assigned" and e.to_value.isdigit()}
    codes = {v for e in events if e.kind == "category_changed" for v in (e.from_value, e.to_value)}
    return _Context(
        audience=audience,
        users=User.objects.in_bulk(user_ids) if user_ids else {},
        vendors=Vendor.objects.in_bulk(vendor_ids) if vendor_ids else {},
        categories={c.code: c for c in Category.objects.filter(code__in=codes)} if codes else {},
        acks=[e for e in events if e.kind == "escalation_acknowledged"],
    )


def sentence(event: TicketEvent, ctx: _Context, entry: TimelineEntry) -> tuple[str, str]:
    writer = SENTENCES.get(event.kind)
    if writer is None:
        return _("Other change recorded"), ""
    return writer(event, event.payload if isinstance(event.payload, dict) else {}, ctx, entry)


def render_timeline(events: Sequence[TicketEvent], *, audience: Audience = Audience.STAFF,
                    language: str | None = None) -> list[TimelineEntry]:
    """The entries a reader sees, oldest first, in `language` (default: the active one).
    Citizens get public events only. Reads users, vendors and categories named by the events
    in at most three queries."""
    audience = Audience(audience)
    visible = [e for e in events if audience != Audience.CITIZEN or e.is_public]
    with translation.override(language) if language else contextlib.nullcontext():
        ctx = _context(visible, audience)
        entries: list[TimelineEntry] = []
        for event in visible:
            entry = TimelineEntry(event_id=event.pk, at=event.created_at, text="", kind=event.kind,
                                  public=event.is_public)
            text, tone = sentence(event, ctx, entry)
            last = entries[-1] if entries else None
            if event.kind in FOLDED and last is not None and event.created_at - last.at <= _FOLD_WINDOW:
                last.details.append(text)
                last.details.extend(entry.details)
                continue
            entry.text, entry.tone = text, tone
            entries.append(entry)
    return entries


def audience_for(user) -> Audience:
    """Which timeline a logged-in reader gets (anonymous readers are citizens)."""
    if not getattr(user, "is_authenticated", False):
        return Audience.CITIZEN
    return Audience.VENDOR if getattr(user, "is_vendor", False) else Audience.STAFF
