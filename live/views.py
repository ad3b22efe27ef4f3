"""Pages: the public status page and its Atom feed; supervisors' incident pages. Every form
posts to the same services as the API; domain errors become messages."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import District
from accounts.permissions import is_desk, is_district_official, is_supervisor, scope_tickets
from helpdesk import inputs
from helpdesk.exceptions import DomainError, Forbidden, InvalidInput, NotFound
from tickets.models import Ticket
from tickets.numbers import normalise_number

from . import selectors, services
from .models import (
    INCIDENT_TRANSITIONS,
    Component,
    ComponentStatus,
    IncidentStatus,
    IncidentUpdate,
    Severity,
)

# --- public status page -------------------------------------------------------------------------


def _status_context(district: District | None) -> dict:
    now = timezone.now()
    incidents = list(selectors.public_incidents(district=district))
    for incident in incidents:
        incident.minutes_since_update = selectors.minutes_since(incident.last_public_update_at, now)
        incident.overdue = selectors.is_overdue(incident, now)
    return {
        "district": district,
        "components": selectors.component_overview(district=district),
        "incidents": incidents,
        "resolved": list(selectors.recently_resolved(district=district)),
        "history": selectors.uptime_history(district=district, now=now),
        "now": now,
    }


def status_page(request):
    """The public status page: no login, Hindi/English, phone-friendly. With ?partial=1 only the
    body, which live.js re-fetches when an event arrives (cached a few seconds, and invalidated
    by every change, so a thousand open pages cost one render)."""
    try:
        district = selectors.district_from_param(inputs.one(request.GET, "district", required=False))
    except InvalidInput as exc:
        return HttpResponseBadRequest(exc.detail)
    partial = request.GET.get("partial") == "1"
    version = cache.get("live:status-version", 0)
    key = f"live:status-page:{version}:{get_language()}:{district.code if district else '-'}"
    body = cache.get(key)
    if body is None:
        body = render(request, "live/_status_body.html", _status_context(district)).content.decode()
        cache.set(key, body, 10)
    if partial:
        return HttpResponse(body)
    return render(request, "live/status.html", {
        "district": district, "body": body, "districts": District.objects.all(),
    })


class StatusFeed(Feed):
    """Atom feed of public incident updates (newest first)."""

    feed_type = Atom1Feed
    title = gettext_lazy("Vaccination portal status")
    subtitle = gettext_lazy("Public updates about incidents affecting the vaccination registration portal.")

    def link(self):
        return reverse("live:status")

    def items(self):
        return (IncidentUpdate.objects.filter(is_public=True, incident__is_public=True)
                .select_related("incident").order_by("-created_at", "-id")[:50])

    def item_title(self, item):
        return f"{item.incident.display_title} — {IncidentStatus(item.status).label}"

    def item_description(self, item):
        return f"{item.body_en}\n\n{item.body_hi}"

    def item_link(self, item):
        return f"{reverse('live:status')}#incident-{item.incident_id}"

    def item_guid(self, item):
        return f"incident-update-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at


# --- staff pages --------------------------------------------------------------------------------

def _staff(view):
    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (is_desk(request.user) or is_district_official(request.user)):
            return render(request, "live/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _back(request, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return HttpResponseRedirect(target)


def _action(*, supervisor: bool = True):
    """A POST form handler: checks the role, runs the service, reports success or the domain
    error as a message, and goes back."""

    def decorate(view):
        @login_required
        @require_POST
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            default = reverse("live:incidents")
            try:
                if supervisor and not is_supervisor(request.user):
                    raise Forbidden(_("Only supervisors may do this."))
                if not supervisor and not is_desk(request.user):
                    raise Forbidden(_("Only helpdesk staff may do this."))
                result = view(request, *args, **kwargs)
            except DomainError as exc:
                messages.error(request, exc.detail)
                return _back(request, request.META.get("HTTP_REFERER") or default)
            if isinstance(result, tuple):
                message, target = result
            else:
                message, target = result, default
            messages.success(request, message)
            return _back(request, target)

        return wrapper

    return decorate


@_staff
def incident_list(request):
    incidents = selectors.incidents_for(user=request.user)
    context = {
        "open_incidents": incidents.exclude(status=IncidentStatus.RESOLVED).order_by("-created_at"),
        "resolved": incidents.filter(status=IncidentStatus.RESOLVED).order_by("-resolved_at")[:20],
        "suspicions": selectors.open_suspicions(user=request.user).prefetch_related("tickets"),
        "components": selectors.component_overview(),
        "all_components": Component.objects.all(),
        "districts": District.objects.all(),
        "severities": Severity.choices,
        "component_statuses": ComponentStatus.choices,
        "can_manage": is_supervisor(request.user),
    }
    template = "live/_incidents_body.html" if request.GET.get("partial") == "1" else "live/incidents.html"
    return render(request, template, context)


@_staff
def incident_detail(request, incident_id: int):
    try:
        incident = selectors.incident_get(user=request.user, incident_id=incident_id)
    except NotFound:
        return render(request, "live/forbidden.html", {"not_found": True}, status=404)
    updates = incident.updates.select_related("author")
    if not is_desk(request.user):
        updates = updates.filter(is_public=True)

    tickets = scope_tickets(request.user, Ticket.objects.filter(incident=incident)).select_related(
        "district", "category").order_by("-created_at")[:200]
    context = {
        "incident": incident, "updates": updates, "tickets": tickets,
        "transitions": sorted(INCIDENT_TRANSITIONS[incident.status]),
        "statuses": IncidentStatus.choices, "can_manage": is_supervisor(request.user),
        "overdue": selectors.is_overdue(incident),
        "minutes_since_update": selectors.minutes_since(incident.last_public_update_at),
    }
    template = "live/_incident_body.html" if request.GET.get("partial") == "1" else "live/incident.html"
    return render(request, template, context)


def _ids(request, name: str) -> list:
    return request.POST.getlist(name)


def _component_list(request) -> list[Component]:
    codes = request.POST.getlist("components")
    found = list(Component.objects.filter(code__in=codes))
    if len(found) != len(set(codes)):
        raise InvalidInput(_("Unknown component."), code="invalid_components")
    return found


def _district_list(request) -> list[District]:
    ids = inputs.integers(request.POST.getlist("districts"), "district", message=_("Unknown district."))
    found = list(District.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput(_("Unknown district."), code="invalid_district")
    return found


@_action()
def incident_create(request):
    incident = services.incident_create(
        title=request.POST.get("title", ""), title_hi=request.POST.get("title_hi", ""),
        severity=request.POST.get("severity", ""), actor=request.user,
        components=_component_list(request), districts=_district_list(request),
        component_status=request.POST.get("component_status") or None,
        is_public=request.POST.get("public") == "on",
        body_en=request.POST.get("body_en", ""), body_hi=request.POST.get("body_hi", ""),
    )
    return _("Incident opened."), reverse("live:incident", args=[incident.pk])


@_action()
def incident_update(request, incident_id: int):
    services.incident_post_update(
        incident_id=incident_id, body_en=request.POST.get("body_en", ""), body_hi=request.POST.get("body_hi", ""),
        status=request.POST.get("status") or None, actor=request.user,
        restore_components=request.POST.get("restore_components") == "on",
    )
    return _("Public update posted."), reverse("live:incident", args=[incident_id])


@_action()
def incident_note(request, incident_id: int):
    services.incident_add_note(incident_id=incident_id, body=request.POST.get("body", ""), actor=request.user)
    return _("Internal note added."), reverse("live:incident", args=[incident_id])


@_action()
def incident_transition(request, incident_id: int):
    services.incident_transition(
        incident_id=incident_id, to=request.POST.get("status", ""), actor=request.user,
        restore_components=request.POST.get("restore_components") == "on",
        body_en=request.POST.get("body_en", ""), body_hi=request.POST.get("body_hi", ""),
    )
    return _("Incident status changed."), reverse("live:incident", args=[incident_id])


@_action()
def incident_cadence(request, incident_id: int):
    minutes = inputs.integer(inputs.one(request.POST, "minutes", required=False), "cadence", minimum=0,
                             allow_text=True, message=_("The update cadence is 5 to 1440 minutes."))
    services.incident_set_cadence(incident_id=incident_id, minutes=minutes, actor=request.user)
    return _("Update cadence changed."), reverse("live:incident", args=[incident_id])


@_action(supervisor=False)
def incident_link(request, incident_id: int):
    """Link one ticket (the one-click button on the console banner / ticket page) or many
    (ticket numbers or ids, one per line, from the incident page)."""

    values = [v for v in _ids(request, "ticket_id") if v]
    numbers_text = request.POST.get("numbers", "")
    ids = inputs.integers(values, "ticket", message=_("Ticket not found."))
    numbers = [normalise_number(line) for line in numbers_text.split() if line.strip()]
    if any(n is None for n in numbers):
        raise InvalidInput(_("Ticket not found."), code="invalid_ticket")
    if numbers:
        found = dict(Ticket.objects.filter(number__in=numbers).values_list("number", "pk"))
        if len(found) != len(set(numbers)):
            raise NotFound(_("Ticket not found."))
        ids += list(found.values())
    if not ids:
        raise InvalidInput(_("Choose the tickets to link."), code="invalid_ticket")
    linked = services.incident_link_tickets(incident_id=incident_id, ticket_ids=ids, actor=request.user)
    return _("%(count)s ticket(s) linked.") % {"count": linked}, reverse("live:incident", args=[incident_id])


@_action()
def component_status(request):
    component = Component.objects.filter(code=request.POST.get("component", "")).first()
    if component is None:
        raise InvalidInput(_("Unknown component."), code="invalid_components")
    district = None
    raw = inputs.one(request.POST, "district", required=False)
    if raw:
        district = District.objects.filter(pk=inputs.integer(raw, "district", allow_text=True,
                                                             message=_("Unknown district."))).first()
        if district is None:
            raise InvalidInput(_("Unknown district."), code="invalid_district")
    services.component_set_status(component=component, status=request.POST.get("status", ""), district=district,
                                  actor=request.user)
    return _("Component status changed.")


@_action()
def suspicion_confirm(request, suspicion_id: int):
    incident = services.suspicion_confirm(suspicion_id=suspicion_id, actor=request.user,
                                          severity=request.POST.get("severity") or "major")
    return _("Incident opened and tickets linked."), reverse("live:incident", args=[incident.pk])


@_action()
def suspicion_dismiss(request, suspicion_id: int):
    services.suspicion_dismiss(suspicion_id=suspicion_id, actor=request.user)
    return _("Suspected incident dismissed.")
