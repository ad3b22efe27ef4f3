"""The ticket page's agent tools: the one reply-and-change form, tags, attachments (served only
to who may see the ticket), and the canned-response picker's data. The page itself is
tickets.views.ticket_detail; these views share its context."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User, Vendor
from accounts.permissions import can_see_attachment, is_desk, is_supervisor
from helpdesk import inputs
from helpdesk.exceptions import DomainError, InvalidInput, NotFound

from . import attachments, canned, intake, selectors, tags, workflow
from .models import Priority, Ticket, TicketStatus
from .services import Actor, StaleVersion
from .timeline import audience_for, render_timeline
from .workspace_models import Attachment, CannedResponse

UPDATE_FIELDS = ("body", "public", "to", "note", "priority", "vendor", "canned", "expected_version", "seen_event",
                 "call")


def tools_context(request, ticket: Ticket) -> dict:
    """What the ticket page needs for the agent's tools (merged into tickets.views' context)."""
    desk = is_desk(request.user)
    language = ticket.requester_language if ticket.requester_language in ("en", "hi") else "en"
    picker = []
    if desk:
        for item in canned.canned_active():
            picker.append({"id": item.pk, "title": item.title,
                           "en": canned.canned_render(item, ticket, agent=request.user, language="en"),
                           "hi": canned.canned_render(item, ticket, agent=request.user, language="hi")})
    return {
        "moves": [(value, label) for value, label in TicketStatus.choices if value in workflow.allowed_moves(ticket)],
        "canned": picker, "reply_language": language,
        "tags": tags.ticket_tags(ticket),
        "attachment_limit_mb": attachments.limit_mb(),
        "priorities": Priority.choices,
        "note_max_chars": inputs.NOTE_MAX_CHARS,
    }


def thread_context(request, ticket: Ticket) -> dict:
    """The conversation (with its attachments) and the timeline: the part live updates re-fetch."""
    events = selectors.ticket_events(ticket)
    thread = selectors.staff_thread(ticket)
    return {
        "ticket": ticket, "thread": thread, "events": events,
        "ticket_files": attachments.annotate(thread, [ticket.pk]),
        "timeline": render_timeline(events, audience=audience_for(request.user)),
        "last_event_id": events[-1].pk if events else 0,
    }


def ticket_context(request, ticket: Ticket, **extra) -> dict:
    """Everything the ticket page shows, for the page, its thread fragment and its error answers."""
    desk = is_desk(request.user)
    context = {
        **thread_context(request, ticket),
        "can_act": desk, "can_merge": is_supervisor(request.user),
        "categories": list(intake.categories().values()),
        "assignees": User.objects.filter(is_active=True, role__in=["agent", "supervisor", "admin"]).order_by("username")
        if desk else [],
        "merged": list(ticket.merged_tickets.all()),
        "vendors": list(Vendor.objects.all()) if desk else [],
        "incidents": selectors.recent_incidents() if desk else [],
        **tools_context(request, ticket),
    }
    context.update(extra)
    return context


def ticket_page_response(request, ticket: Ticket, *, status: int = 200, **extra) -> HttpResponse:
    ticket.refresh_from_db()
    return render(request, "tickets/ticket_detail.html", ticket_context(request, ticket, **extra), status=status)


def _ticket_or_404(request, number) -> Ticket:
    try:
        return selectors.ticket_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["POST"])
def ticket_update(request: HttpRequest, number: str) -> HttpResponse:
    """The one form: reply or note (+ attachments), priority and status in one submit."""
    ticket = _ticket_or_404(request, number)
    post = request.POST
    try:
        values = inputs.single_values(post, UPDATE_FIELDS)
        vendor = None
        if values.get("vendor"):
            vendor = Vendor.objects.filter(pk=inputs.form_int(values["vendor"], "vendor")).first()
            if vendor is None:
                raise InvalidInput(_("Unknown vendor."), code="invalid_vendor")
        canned_id = inputs.form_int(values.get("canned"), "canned")
        if canned_id is not None and not CannedResponse.objects.filter(pk=canned_id, is_active=True).exists():
            raise InvalidInput(_("This canned response is no longer available."), code="invalid_canned")
        files = attachments.check_uploads(request.FILES.getlist("files"))
        with attachments.cleanup_on_failure():
            result = workflow.ticket_update(
                ticket_id=ticket.pk, actor=Actor.of(request.user),
                expected_version=inputs.form_int(values.get("expected_version"), "expected_version"),
                body=intake.text_field(values.get("body"), "body", 5000, required=False),
                public=values.get("public") == "on", files=files,
                priority=intake.priority_from(values.get("priority")) if values.get("priority") else None,
                to=values.get("to") or None, vendor=vendor, canned_id=canned_id,
                note=intake.transition_note(values.get("note"), to=values.get("to") or None, current=ticket.status))
    except StaleVersion as exc:
        seen = post.get("seen_event", "0")
        since = selectors.ticket_events(ticket, after_id=int(seen) if seen.isascii() and seen.isdigit()
                                        and len(seen) < 18 else 0)
        return ticket_page_response(request, ticket, status=409, error=exc.detail, draft=post.get("body", ""),
                                    changes_since=render_timeline(since, audience=audience_for(request.user)))
    except DomainError as exc:
        return ticket_page_response(request, ticket, status=exc.status_code, error=exc.detail,
                                    draft=post.get("body", ""), note_draft=post.get("note", ""),
                                    error_field=exc.extra.get("field"))
    messages.success(request, _done_message(result.done))
    return redirect("tickets:detail", number=ticket.number)


def _done_message(done: list[str]) -> str:
    parts = {"comment": _("message sent"), "attachments": _("files attached"), "priority": _("priority changed"),
             "status": _("status changed")}
    return _("Saved: %(what)s.") % {"what": ", ".join(str(parts[d]) for d in done)}


@login_required
@require_http_methods(["POST"])
def ticket_tag(request: HttpRequest, number: str) -> HttpResponse:
    """Add (`tag`) or remove (`remove`) a tag. Desk staff only."""
    ticket = _ticket_or_404(request, number)
    if not is_desk(request.user):
        return ticket_page_response(request, ticket, status=403, error=_("Only helpdesk staff can change tags."))
    try:
        values = inputs.single_values(request.POST, ("tag", "remove"))
        if values.get("remove"):
            tags.ticket_tag_remove(ticket_id=ticket.pk, name=values["remove"], actor=Actor.of(request.user))
        else:
            tags.ticket_tag_add(ticket_id=ticket.pk, name=values.get("tag", ""), actor=Actor.of(request.user))
    except DomainError as exc:
        return ticket_page_response(request, ticket, status=exc.status_code, error=exc.detail)
    return redirect("tickets:detail", number=ticket.number)


def _serve(attachment: Attachment, *, thumb: bool) -> HttpResponse:
    field = attachment.thumbnail if thumb and attachment.thumbnail else attachment.file
    content_type = "image/png" if field is attachment.thumbnail else attachment.content_type
    try:
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type, as_attachment=content_type == "application/pdf",
                            filename=attachment.original_name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def attachment_staff(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    attachment = Attachment.objects.filter(pk=attachment_id, ticket=ticket).first()
    if attachment is None or not can_see_attachment(request.user, ticket, attachment):
        raise Http404
    return _serve(attachment, thumb=request.GET.get("thumb") == "1")


def attachment_citizen(request: HttpRequest, number: str, secret: str, attachment_id: int) -> HttpResponse:
    """The citizen's link: only public attachments of their own ticket (or of its survivor)."""
    try:
        ticket = selectors.ticket_get_by_secret(number=number, secret=secret)
    except NotFound:
        raise Http404 from None
    ids = [ticket.pk] + ([ticket.merged_into_id] if ticket.merged_into_id else [])
    attachment = Attachment.objects.filter(pk=attachment_id, ticket_id__in=ids).first()
    if attachment is None or not can_see_attachment(None, ticket, attachment, citizen_link=True):
        raise Http404
    return _serve(attachment, thumb=request.GET.get("thumb") == "1")
