"""The citizen's rating pages: a tap on the status page (`/t/<number>/<secret>/rate/`) or on the
signed link of the resolution SMS (`/t/<number>/rate/<token>/`, which also shows the public
history). In the ticket's language unless the citizen chose one. GET changes nothing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpdesk.exceptions import DomainError, NotFound

from . import ratings, selectors
from .api.throttles import check_anonymous
from .models import Rating, Ticket
from .rating_links import read_rate_token
from .timeline import Audience, render_timeline


def page_language(request: HttpRequest, ticket: Ticket) -> str:
    """The ticket's language, unless the visitor picked one with the language switch."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in ("en", "hi") else ticket.requester_language or "en"


def _record(request: HttpRequest, ticket: Ticket) -> str:
    result = ratings.rating_record(ticket_id=ticket.pk, score=request.POST.get("score", ""), via=Rating.Via.LINK)
    return _("Thank you for your rating.") if result.created else _("This resolution was already rated. Thank you.")


@require_http_methods(["POST"])
def public_rate(request: HttpRequest, number: str, secret: str) -> HttpResponse:
    try:
        check_anonymous(request)
        ticket = selectors.ticket_get_by_secret(number=number, secret=secret)
    except NotFound:
        raise Http404 from None
    with translation.override(page_language(request, ticket)):
        try:
            messages.success(request, _record(request, ticket))
        except DomainError as exc:
            messages.error(request, exc.detail)
    return redirect("tickets:public", number=ticket.number, secret=secret)


@require_http_methods(["GET", "POST"])
def rate_link(request: HttpRequest, number: str, token: str) -> HttpResponse:
    ticket = read_rate_token(number, token)
    if ticket is None:
        return render(request, "tickets/rate.html", {"invalid": True}, status=404)
    with translation.override(page_language(request, ticket)):
        if request.method == "POST":
            try:
                check_anonymous(request)
                messages.success(request, _record(request, ticket))
            except DomainError as exc:
                return render(request, "tickets/rate.html", {"ticket": ticket, "error": exc.detail},
                              status=exc.status_code)
            return redirect(request.path)
        timeline = render_timeline(selectors.ticket_events(ticket), audience=Audience.CITIZEN)
        response = render(request, "tickets/rate.html", {"ticket": ticket, "timeline": timeline})
        response["Content-Language"] = translation.get_language()
        return response
