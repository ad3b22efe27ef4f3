"""The citizen's rating of a resolution (1-5): by SMS reply through the inbound gateway, or a tap
on the status page or the signed rating link in the resolution SMS. One rating per resolution;
the first answer stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helpdesk.exceptions import Conflict, InvalidInput

from .models import Rating, Ticket, TicketStatus
from .services import Actor, _Changes, _lock

RATEABLE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
SMS_WINDOW = dt.timedelta(days=7)  # an SMS "4" rates a resolution of the last 7 days
_DIGITS = {**{str(i): i for i in range(1, 6)}, **{"१": 1, "२": 2, "३": 3, "४": 4, "५": 5}}


@dataclass
class RatingResult:
    rating: Rating
    created: bool  # False: this resolution was already rated (the first answer stands)


def parse_score(raw: object) -> int:
    """1..5 from "4", "४" or a form value; anything else is InvalidInput."""
    if isinstance(raw, str) and raw.strip() in _DIGITS:
        return _DIGITS[raw.strip()]
    raise InvalidInput(_("Choose a rating from 1 to 5."), code="invalid_rating", field="score")


@transaction.atomic
def rating_record(*, ticket_id: int, score: object, via: str) -> RatingResult:
    """Record the rating of the ticket's current resolution. Locks the ticket. Raises
    InvalidInput for a score outside 1-5, Conflict when the ticket is not resolved. A second
    rating of the same resolution changes nothing. Event: rated."""
    value = parse_score(score) if not isinstance(score, int) or isinstance(score, bool) else score
    if not 1 <= value <= 5:
        raise InvalidInput(_("Choose a rating from 1 to 5."), code="invalid_rating", field="score")
    if via not in Rating.Via.values:
        raise InvalidInput(_("Unknown channel."), code="invalid_channel")
    ticket = _lock(ticket_id)
    if ticket.status not in RATEABLE:
        raise Conflict(_("A complaint can be rated once it is resolved."), code="not_resolved", status=ticket.status)
    existing = Rating.objects.filter(ticket=ticket, resolution=ticket.reopened_count).first()
    if existing is not None:
        return RatingResult(existing, False)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(ticket=ticket, resolution=ticket.reopened_count, score=value, via=via)
    except IntegrityError:
        return RatingResult(Rating.objects.get(ticket=ticket, resolution=ticket.reopened_count), False)
    changes = _Changes(ticket, Actor(label="citizen" if via == Rating.Via.LINK else "sms"))
    changes.add("rated", to_value=value, payload={"score": value, "via": via}, is_public=True)
    changes.commit()
    return RatingResult(rating, True)


def current_rating(ticket: Ticket) -> Rating | None:
    return Rating.objects.filter(ticket=ticket, resolution=ticket.reopened_count).first()


def rating_from_sms(*, sender: str, text: str) -> tuple[Ticket, RatingResult] | None:
    """A reply that is only a digit 1-5, from the mobile of a ticket resolved in the last 7 days,
    rates it (an already rated resolution keeps its first rating: created=False, and the reply is
    not taken as a message that would reopen the ticket). None: not a rating (the caller handles
    the text as usual)."""
    if text.strip() not in _DIGITS:
        return None
    ticket = (Ticket.objects.filter(requester_mobile=sender, status__in=RATEABLE,
                                    resolved_at__gte=timezone.now() - SMS_WINDOW)
              .order_by("-resolved_at").first())
    if ticket is None:
        return None
    return ticket, rating_record(ticket_id=ticket.pk, score=text, via=Rating.Via.SMS)


def thanks_body(ticket: Ticket, result: RatingResult) -> str:
    with translation.override(ticket.requester_language):
        if not result.created:
            return _("Complaint %(number)s was already rated %(score)s/5. Thank you.") % {
                "score": result.rating.score, "number": ticket.display_number}
        return _("Thank you. Your rating %(score)s/5 for complaint %(number)s was recorded.") % {
            "score": result.rating.score, "number": ticket.display_number}
