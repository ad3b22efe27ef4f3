"""Tags on tickets: add and remove through services that lock the ticket and leave an event."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from helpdesk.exceptions import InvalidInput

from .models import Ticket
from .services import Actor, _Changes, _lock
from .workspace_models import Tag, TicketTag

_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def tag_name(raw: object) -> str:
    """A tag name: 1-40 lower-case ASCII letters, digits and dashes (spaces become dashes)."""
    if not isinstance(raw, str):
        raise InvalidInput(_("A tag is a word of letters, digits and dashes."), code="invalid_tag", field="tag")
    name = "-".join(raw.strip().lower().split())
    if not _TAG.match(name):
        raise InvalidInput(_("A tag is a word of up to 40 English letters, digits and dashes, e.g. sms-gateway."),
                           code="invalid_tag", field="tag")
    return name


@transaction.atomic
def ticket_tag_add(*, ticket_id: int, name: str, actor: Actor) -> Ticket:
    """Tag the ticket (creating the tag if new). Locks the ticket; a tag already there changes
    nothing and records nothing. Event: tag_added."""
    name = tag_name(name)
    ticket = _lock(ticket_id)
    tag, _created = Tag.objects.get_or_create(name=name)
    if TicketTag.objects.filter(ticket=ticket, tag=tag).exists():
        return ticket
    TicketTag.objects.create(ticket=ticket, tag=tag, added_by=actor.user)
    changes = _Changes(ticket, actor)
    changes.add("tag_added", to_value=name)
    changes.commit(update_fields=[])
    return ticket


@transaction.atomic
def ticket_tag_remove(*, ticket_id: int, name: str, actor: Actor) -> Ticket:
    """Remove a tag. Locks the ticket; a tag not on the ticket changes nothing. Event: tag_removed."""
    name = tag_name(name)
    ticket = _lock(ticket_id)
    deleted, _rows = TicketTag.objects.filter(ticket=ticket, tag__name=name).delete()
    if deleted:
        changes = _Changes(ticket, actor)
        changes.add("tag_removed", from_value=name)
        changes.commit(update_fields=[])
    return ticket


def ticket_tags(ticket: Ticket) -> list[str]:
    return list(TicketTag.objects.filter(ticket=ticket).order_by("tag__name").values_list("tag__name", flat=True))
