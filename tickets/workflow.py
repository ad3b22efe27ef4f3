"""The ticket page's one form: a reply or an internal note, attachments, a priority and a
status move, sent together and applied together."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User, Vendor
from accounts.permissions import can_see_ticket, is_desk
from helpdesk.exceptions import InvalidInput

from . import attachments, canned, services
from .models import TRANSITIONS, Comment, Ticket, TicketStatus
from .services import Actor, _Changes, _lock

# @username: Django's username characters; not inside an e-mail address (a@b.in).
_MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]{1,150})")


def mentioned_users(body: str, ticket: Ticket, author: User | None) -> list[User]:
    """Colleagues named as @username who may see the ticket (others are left as plain text)."""
    names = {m.rstrip(".") for m in _MENTION.findall(body or "")}
    if not names:
        return []
    users = User.objects.filter(username__in=names, is_active=True).exclude(pk=getattr(author, "pk", None))
    return [u for u in users.order_by("username") if can_see_ticket(u, ticket)]


@dataclass
class UpdateResult:
    ticket: Ticket
    comment: Comment | None
    done: list[str]  # what was applied, in order: "comment", "attachments", "priority", "status"


def allowed_moves(ticket: Ticket) -> list[str]:
    """The statuses the ticket may move to now (merging has its own action)."""
    return [s for s in TicketStatus.values if s in TRANSITIONS[ticket.status] and s != TicketStatus.MERGED]


@transaction.atomic
def ticket_update(
    *, ticket_id: int, actor: Actor, expected_version: int | None, body: str = "", public: bool = False,
    files: Sequence[attachments.CheckedFile] = (), priority: str | None = None, to: str | None = None,
    note: str = "", vendor: Vendor | None = None, canned_id: int | None = None,
) -> UpdateResult:
    """Apply one submit of the ticket page, all or nothing, in this order: the comment (reply or
    internal note, with its attachments and @mentions), the priority, then the status move (so
    "reply and close" works: the reply goes out before the ticket closes).

    Locks the ticket row first and checks `expected_version` once against what the page showed
    (StaleVersion, 409, if it changed); the services called after it re-lock the same row in
    this transaction. An illegal move (InvalidTransition, 409), a bad priority or an empty
    submit (InvalidInput, 400) roll everything back: nothing is sent, nothing is stored.
    Public replies are sent by SMS after commit (ticket_comment). A canned response used for
    the text is counted. Only desk staff may reply publicly, move or re-prioritise."""
    ticket = _lock(ticket_id, expected_version)
    desk = actor.user is not None and is_desk(actor.user)
    body = body or ""
    wants_status = bool(to) and to != ticket.status
    wants_priority = bool(priority) and priority != ticket.priority
    if (public or wants_status or wants_priority) and not desk:
        raise InvalidInput(_("Only helpdesk staff can reply to the citizen or change status and priority."),
                           code="not_allowed")
    if not body.strip() and not files and not wants_status and not wants_priority:
        raise InvalidInput(_("Write a reply or a note, or choose a change."), code="empty_update", field="body")
    if files and not body.strip():
        raise InvalidInput(_("Write a line about the attachment."), code="invalid_body", field="body")
    done: list[str] = []
    comment = None
    if body.strip():
        comment = services.ticket_comment(ticket_id=ticket.pk, body=body, actor=actor, is_public=public)
        done.append("comment")
        if canned_id is not None:
            canned.canned_count_use(canned_id=canned_id)
        if files:
            attachments.attachments_add(ticket_id=ticket.pk, files=files, actor=actor, is_public=public,
                                        comment_id=comment.pk)
            done.append("attachments")
        if not public:
            _record_mentions(ticket.pk, comment, actor)
    if wants_priority:
        services.ticket_set_priority(ticket_id=ticket.pk, priority=priority, actor=actor)
        done.append("priority")
    if wants_status:
        services.ticket_transition(ticket_id=ticket.pk, to=to, actor=actor, note=note, vendor=vendor)
        done.append("status")
    ticket.refresh_from_db()
    return UpdateResult(ticket=ticket, comment=comment, done=done)


def _record_mentions(ticket_id: int, comment: Comment, actor: Actor) -> None:
    ticket = _lock(ticket_id)
    people = mentioned_users(comment.body, ticket, actor.user)
    if not people:
        return
    changes = _Changes(ticket, actor)
    changes.add("mentioned", payload={"comment_id": comment.pk, "user_ids": [u.pk for u in people],
                                      "usernames": [u.username for u in people]})
    changes.commit(update_fields=[])
