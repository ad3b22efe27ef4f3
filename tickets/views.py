"""Server-rendered pages: the citizen's complaint form, status lookup and secret-link thread; the
district official's list and filing form; the agents' console and the ticket page.

Pages call the same services and selectors as the API. Domain errors become a message on the
page with the matching status code (400, 404, 409, 429), never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import District, User, Vendor
from accounts.permissions import is_desk, is_district_official, is_supervisor
from helpdesk import inputs, validation
from helpdesk.errors import error_page
from helpdesk.exceptions import DomainError, InvalidInput, NotFound, TooManyRequests
from helpdesk.forms import form_context
from helpdesk.results import result_recall, result_remember

from . import attachments, intake, selectors, services
from .api.throttles import check_anonymous
from .models import OPEN_STATUSES, Channel, Priority, RequesterKind, Ticket
from .numbers import normalise_number
from .page_views import thread_context, ticket_context, ticket_page_response
from .services import Actor, StaleVersion
from .timeline import Audience, audience_for, render_timeline

COMPLAINT_FIELDS = ("name", "mobile", "district", "category", "description", "reference_id", "language")


def _mobile_or_none(raw) -> str | None:
    try:
        return validation.mobile(raw) if raw else None
    except InvalidInput:
        return None


def _error(request, template, context, exc: DomainError) -> HttpResponse:
    """The form again with its values, an error summary and each message beside its field; a
    rate limit is the 429 page."""
    if isinstance(exc, TooManyRequests):
        return error_page(request, "throttled", retry_after=exc.retry_after)
    context = {**context, **form_context(exc), "error_field": exc.extra.get("field")}
    return render(request, template, context, status=exc.status_code)


def _form_context(values=None) -> dict:
    return {"districts": District.objects.all(), "categories": list(intake.categories().values()),
            "priorities": Priority.choices, "values": values or {}, "attachment_limit_mb": attachments.limit_mb()}


# --- Citizens ---------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest) -> HttpResponse:
    language = (request.LANGUAGE_CODE or "en")[:2]
    context = _form_context({"language": language})
    if request.method == "GET":
        return render(request, "tickets/complaint.html", context)
    try:
        values = inputs.single_values(request.POST, COMPLAINT_FIELDS)
        context["values"] = values
        check_anonymous(request, mobile=_mobile_or_none(values.get("mobile")))
        fields = intake.complaint({**values, "language": values.get("language") or language})
        files = attachments.check_uploads(request.FILES.getlist("files"))
        actor = Actor(label="citizen")
        with attachments.cleanup_on_failure(), transaction.atomic():
            result = services.ticket_create(**fields, requester_kind=RequesterKind.CITIZEN, channel=Channel.WEB,
                                            actor=actor)
            attachments.attachments_add(ticket_id=result.ticket.pk, files=files, actor=actor, is_public=True)
    except DomainError as exc:
        return _error(request, "tickets/complaint.html", context, exc)
    # POST-redirect-GET: a reload shows the number again instead of filing a second time. A repeat
    # complaint's number is never kept (it goes to the mobile by SMS only).
    token = result_remember(request, kind="complaint",
                            data={"ticket": result.ticket.pk if result.created else None, "created": result.created})
    response = redirect("tickets:complaint-done", token=token)
    response.status_code = 303  # See Other: the browser GETs the result
    return response


@require_http_methods(["GET"])
def complaint_done(request: HttpRequest, token: str) -> HttpResponse:
    """The result of this browser's complaint: its number (or "added to your open complaint")."""
    found = result_recall(request, kind="complaint", token=token)
    if found is None:
        return error_page(request, "link", detail=_("This confirmation page is no longer available in this browser."))
    ticket = Ticket.objects.select_related("district", "category").filter(pk=found["ticket"]).first() \
        if found["created"] else None
    return render(request, "tickets/complaint_done.html", {"ticket": ticket, "created": found["created"]})


@require_http_methods(["GET", "POST"])
def status_lookup(request: HttpRequest) -> HttpResponse:
    context: dict = {"values": {}}
    if request.method == "GET":
        return render(request, "tickets/status_lookup.html", context)
    try:
        values = inputs.single_values(request.POST, ("number", "mobile"))
        context["values"] = values
        check_anonymous(request, mobile=_mobile_or_none(values.get("mobile")))
        ticket = selectors.ticket_get_by_mobile(number=values.get("number"), mobile=values.get("mobile"))
    except (InvalidInput, NotFound):
        # Even a malformed form answers exactly like an unknown ticket.
        return _error(request, "tickets/status_lookup.html", context, NotFound(_(
            "No complaint matches this number and mobile number. Check both and try again.")))
    except DomainError as exc:
        return _error(request, "tickets/status_lookup.html", context, exc)
    return render(request, "tickets/status_lookup.html",
                  {**context, "ticket": ticket, "thread": selectors.public_thread(ticket),
                   "timeline": _citizen_timeline(ticket)})


@require_http_methods(["GET", "POST"])
def public_ticket(request: HttpRequest, number: str, secret: str) -> HttpResponse:
    try:
        check_anonymous(request)
        ticket = selectors.ticket_get_by_secret(number=number, secret=secret)
    except NotFound:
        return error_page(request, "link")  # tampered, truncated or unknown: the same page
    except DomainError as exc:
        return _error(request, "tickets/public_ticket.html", {}, exc)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # The link came by SMS in the ticket's language: the page opens in it (until the citizen
        # picks a language with the switch, which sets the cookie).
        translation.activate(ticket.requester_language or "en")
        request.LANGUAGE_CODE = translation.get_language()
    thread = selectors.public_thread(ticket)
    ids = [ticket.pk] + ([ticket.merged_into_id] if ticket.merged_into_id else [])
    context = {"ticket": ticket, "thread": thread, "timeline": _citizen_timeline(ticket), "secret": secret,
               "ticket_files": attachments.annotate(thread, ids, public_only=True),
               "attachment_limit_mb": attachments.limit_mb()}
    if request.method == "POST":
        context["values"] = {"body": request.POST.get("body", "")}
        try:
            values = inputs.single_values(request.POST, ("body",))
            target = ticket.merged_into_id or ticket.pk  # a merged ticket's thread continues on its survivor
            body = intake.text_field(values.get("body"), "body", 5000, required=True)
            files = attachments.check_uploads(request.FILES.getlist("files"))
            actor = Actor(label="citizen")
            with attachments.cleanup_on_failure(), transaction.atomic():
                comment = services.ticket_comment(ticket_id=target, body=body, actor=actor, is_public=True)
                attachments.attachments_add(ticket_id=target, files=files, actor=actor, is_public=True,
                                            comment_id=comment.pk)
        except DomainError as exc:
            return _error(request, "tickets/public_ticket.html", context, exc)
        messages.success(request, _("Your reply was sent."))
        return redirect(request.path)
    return render(request, "tickets/public_ticket.html", context)


def _citizen_timeline(ticket: Ticket) -> list:
    return render_timeline(selectors.ticket_events(ticket), audience=Audience.CITIZEN)


# --- Staff ------------------------------------------------------------------------------------

def _require_desk(request) -> None:
    if not is_desk(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def file_issue(request: HttpRequest) -> HttpResponse:
    """A district official files an issue for their district."""
    if not is_district_official(request.user):
        raise PermissionDenied
    context = _form_context()
    if request.method == "GET":
        return render(request, "tickets/file_issue.html", context)
    try:
        values = inputs.single_values(request.POST, ("category", "description", "subject", "priority", "reference_id"))
        context["values"] = values
        fields = intake.complaint({**values, "district": request.user.district_id}, mobile_required=False,
                                  name_required=False)
        result = services.ticket_create(
            **fields, requester_kind=RequesterKind.DISTRICT, channel=Channel.WEB, actor=Actor.of(request.user),
            subject=intake.text_field(values.get("subject"), "subject", 200, required=False),
            priority=intake.priority_from(values.get("priority")),
        )
    except DomainError as exc:
        return _error(request, "tickets/file_issue.html", context, exc)
    messages.success(request, _("Issue %(number)s filed.") % {"number": result.ticket.display_number})
    return redirect("tickets:detail", number=result.ticket.number)


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """The agents' console: find the caller, see their tickets, open one in a few keystrokes."""
    _require_desk(request)
    context = _form_context()
    context["queue"] = selectors.open_queue(user=request.user)
    context["call"] = request.GET.get("call", "") if request.GET.get("call", "").isdigit() else ""
    query = request.GET.get("q", "")
    if query:
        try:
            kind, value, found = selectors.caller_lookup(user=request.user, query=query)
            context.update(query=query, found=found, matched_by=kind,
                           open_found=[t for t in found if t.status in OPEN_STATUSES])
            context["values"] = {"mobile": value if kind == "mobile" else "",
                                 "reference_id": value if kind == "reference" else ""}
            if found:
                last = found[0]
                context["values"].update(name=last.requester_name, district=str(last.district_id),
                                         mobile=last.requester_mobile)
        except DomainError as exc:
            return _error(request, "tickets/console.html", {**context, "query": query}, exc)
    if request.method == "GET":
        return render(request, "tickets/console.html", context)
    try:
        values = inputs.single_values(request.POST, (*COMPLAINT_FIELDS, "priority", "separate", "notes", "call"))
        context["values"] = values
        context["call"] = values.get("call", "") if values.get("call", "").isdigit() else ""
        fields = intake.complaint(values, mobile_required=False, name_required=False)
        notes = intake.text_field(values.get("notes"), "notes", 5000, required=False)
        call_id = inputs.form_int(values.get("call"), "call")
        with transaction.atomic():
            result = services.ticket_create(
                **fields, requester_kind=RequesterKind.AGENT, channel=Channel.PHONE, actor=Actor.of(request.user),
                priority=intake.priority_from(values.get("priority")), attach_to_open=values.get("separate") != "on",
            )
            if notes.strip():
                services.ticket_comment(ticket_id=result.ticket.pk, body=notes, actor=Actor.of(request.user),
                                        is_public=False, channel=Channel.PHONE)
            if call_id is not None:  # desk.calls links the call (and refuses one the agent did not answer)
                services.ticket_record_event(ticket_id=result.ticket.pk, kind="call_linked",
                                             actor=Actor.of(request.user), payload={"call_id": call_id})
    except DomainError as exc:
        return _error(request, "tickets/console.html", context, exc)
    if result.created:
        messages.success(request, _("Ticket %(number)s opened.") % {"number": result.ticket.display_number})
    else:
        messages.info(request, _("The caller already has open ticket %(number)s in this category: the call was "
                                 "added to it (citizen chased).") % {"number": result.ticket.display_number})
    return redirect("tickets:detail", number=result.ticket.number)


@login_required
def queue_fragment(request: HttpRequest) -> HttpResponse:
    """The console's queue as an HTML fragment, re-fetched by tickets.js on live events."""
    _require_desk(request)
    return render(request, "tickets/_queue.html", {"queue": selectors.open_queue(user=request.user)})


@login_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        ticket = selectors.ticket_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    return render(request, "tickets/ticket_detail.html", ticket_context(request, ticket))


@login_required
def thread_fragment(request: HttpRequest, number: str) -> HttpResponse:
    try:
        ticket = selectors.ticket_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    return render(request, "tickets/_thread.html", thread_context(request, ticket))


ACTIONS = ("comment", "status", "priority", "category", "assign", "contacted", "registration", "merge", "incident")


@login_required
@require_http_methods(["POST"])
def ticket_act(request: HttpRequest, number: str) -> HttpResponse:
    """One form post per action from the ticket page. Every action carries the version the page
    showed; a ticket changed meanwhile is refused (409) and the page lists what changed."""
    try:
        ticket = selectors.ticket_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    actor = Actor.of(request.user)
    post = request.POST
    action = post.get("action", "")
    try:
        values = inputs.single_values(post, ("action", "body", "public", "to", "note", "priority", "category", "assignee",
                                "reference_id", "tickets", "expected_version", "seen_event", "vendor", "incident"))
        version = inputs.form_int(values.get("expected_version"), "expected_version")
        if action not in ACTIONS:
            raise InvalidInput(_("Unknown action."), code="invalid_action")
        if action == "comment":
            # District officials and vendor staff comment too; only the desk replies publicly.
            public = values.get("public") == "on" and is_desk(request.user)
            services.ticket_comment(ticket_id=ticket.pk, actor=actor, is_public=public, expected_version=version,
                                    body=intake.text_field(values.get("body"), "body", 5000, required=True))
        else:
            _require_desk(request)
            if action == "status":
                vendor = None
                if values.get("vendor"):
                    vendor = Vendor.objects.filter(pk=inputs.form_int(values["vendor"], "vendor")).first()
                    if vendor is None:
                        raise InvalidInput(_("Unknown vendor."), code="invalid_vendor")
                services.ticket_transition(ticket_id=ticket.pk, to=values.get("to", ""), actor=actor,
                                           note=intake.transition_note(values.get("note"), to=values.get("to"),
                                                                       current=ticket.status),
                                           expected_version=version, vendor=vendor)
            elif action == "incident":
                incident_id = inputs.form_int(values.get("incident"), "incident")
                if incident_id is not None and not selectors.incident_exists(incident_id):
                    raise InvalidInput(_("Unknown incident."), code="invalid_incident")
                services.ticket_link_incident(ticket_id=ticket.pk, incident_id=incident_id, actor=actor)
            elif action == "priority":
                services.ticket_set_priority(ticket_id=ticket.pk, priority=intake.priority_from(values.get("priority")) or "",
                                             actor=actor, expected_version=version)
            elif action == "category":
                services.ticket_set_category(ticket_id=ticket.pk, category=intake.category_from(values.get("category")),
                                             actor=actor, expected_version=version)
            elif action == "assign":
                raw = values.get("assignee", "")
                assignee = User.objects.filter(pk=inputs.form_int(raw, "assignee"), is_active=True).first() if raw else None
                if raw and assignee is None:
                    raise InvalidInput(_("Unknown user."), code="invalid_assignee")
                services.ticket_assign(ticket_id=ticket.pk, assignee=assignee, actor=actor, expected_version=version)
            elif action == "contacted":
                services.ticket_mark_contacted(ticket_id=ticket.pk, actor=actor,
                                               note=inputs.note(values.get("note"), required=False))
            elif action == "registration":
                services.ticket_attach_registration(ticket_id=ticket.pk, reference_id=values.get("reference_id", ""),
                                                    actor=actor)
            elif action == "merge":
                if not is_supervisor(request.user):
                    raise PermissionDenied
                numbers = [normalise_number(n) for n in values.get("tickets", "").replace(",", " ").split()]
                if not numbers or None in numbers:
                    raise InvalidInput(_("Write the ticket numbers to merge, separated by spaces."), code="invalid_tickets")
                ids = list(Ticket.objects.filter(number__in=numbers).values_list("pk", flat=True))
                if len(ids) != len(set(numbers)):
                    raise NotFound(_("Ticket not found."))
                services.ticket_merge(survivor_id=ticket.pk, merged_ids=ids, actor=actor)
    except StaleVersion as exc:
        seen = post.get("seen_event", "0")
        since = selectors.ticket_events(ticket, after_id=int(seen) if seen.isascii() and seen.isdigit() and len(seen) < 18 else 0)
        return ticket_page_response(request, ticket, status=409, error=exc.detail, draft=post.get("body", ""),
                                    changes_since=render_timeline(since, audience=audience_for(request.user)))
    except DomainError as exc:
        return ticket_page_response(request, ticket, status=exc.status_code, error=exc.detail)
    messages.success(request, _("Saved."))
    return redirect("tickets:detail", number=ticket.number)


