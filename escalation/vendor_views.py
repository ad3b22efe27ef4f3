"""The vendor's pages: the signed link page (a workspace for one ticket, no login), the vendor
inbox and its ticket page (logged in), and the officers' view of their vendor's escalations.

GET never changes anything (SMS apps prefetch links). Each POST runs one action through the
same services as the API (services.py, vendor_actions.py), then redirects to the page with
`?done=<action>` (a reload does not post again; every form also carries a one-time key, so a
double tap acts once). A refused action re-renders the page with the message and the draft, with
the refusal's 4xx status; nothing is changed.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions
from accounts.models import User
from helpdesk.exceptions import DomainError, InvalidInput
from tickets.models import Ticket
from tickets.numbers import normalise_number

from . import selectors, services, vendor_actions, workspace
from .links import read_ack_token
from .models import EscalationNotice
from .vendor_input import parse_eta

ACTIONS = ("acknowledge", "progress", "hand_over", "restore", "decline")
UNITS = {"minutes": "minutes", "hours": "hours"}


def _done_message(action: str) -> str:
    return {
        "acknowledge": _("Acknowledged. Now post progress with an ETA."),
        "progress": _("Progress and ETA recorded."),
        "hand_over": _("Handed over. Your colleague gets their own link by SMS."),
        "restore": _("Marked as restored on your side. The helpdesk will confirm with the citizen."),
        "decline": _("Handed back to the helpdesk with your reason."),
        "behalf": _("Acknowledged on the engineer's behalf."),
        "reassign": _("Reassigned. The engineer gets their own link by SMS."),
    }.get(action, "")


def _eta_text(post) -> str:
    amount = post.get("eta_in", "").strip()
    if amount:
        unit = UNITS.get(post.get("eta_unit", ""))
        if unit is None:
            raise InvalidInput(_("Choose minutes or hours."), code="invalid_eta", field="eta")
        return f"in {amount} {unit}"
    return post.get("eta_at", "").strip() or post.get("eta", "")


def run_action(request: HttpRequest, ticket: Ticket, *, user, via: str, notice_id: int | None = None) -> str:
    """One vendor action from a form; returns its name. Raises DomainError (nothing changed)."""
    post = request.POST
    action = post.get("action", "")
    key = post.get("action_key", "")[:64]
    common = {"ticket_id": ticket.pk, "user": user, "via": via, "notice_id": notice_id}
    if action == "acknowledge":
        services.escalation_acknowledge(**common)
    elif action == "progress":
        eta = parse_eta(_eta_text(post), now=timezone.now())
        services.escalation_post_progress(**common, eta=eta, note=post.get("note", ""),
                                          public=post.get("public") == "1", action_key=key)
    elif action == "hand_over":
        vendor_actions.vendor_hand_over(**common, to_user_id=post.get("to_user", ""), note=post.get("note", ""),
                                        action_key=key)
    elif action == "restore":
        vendor_actions.vendor_restore(**common, note=post.get("note", ""), action_key=key)
    elif action == "decline":
        vendor_actions.vendor_decline(**common, reason=post.get("reason", ""), action_key=key)
    else:
        raise InvalidInput(_("Unknown action."), code="invalid_action")
    return action


def _context(space, **extra) -> dict:
    return {"space": space, "ticket": space.ticket, "action_key": secrets.token_hex(12), **extra}


def _handle(request, ticket, *, user, via, notice=None, template: str, extra: dict) -> HttpResponse:
    if request.method == "POST":
        try:
            action = run_action(request, ticket, user=user, via=via, notice_id=notice.pk if notice else None)
        except DomainError as exc:
            ticket.refresh_from_db()
            space = workspace.workspace(ticket, user=user, notice=notice)
            return render(request, template, _context(space, error=exc.detail, error_field=getattr(exc, "field", ""),
                                                      draft=request.POST, **extra), status=exc.status_code)
        return redirect(f"{request.path}?done={action}")
    done = request.GET.get("done", "")
    space = workspace.workspace(ticket, user=user, notice=notice)
    return render(request, template, _context(space, done=done if done in ACTIONS else "",
                                              done_message=_done_message(done), **extra))


# --- The signed link ------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def ack(request: HttpRequest, token: str) -> HttpResponse:
    """The workspace for the one ticket a signed link was sent about, acting as the person it was
    sent to. A forged or expired link explains itself and offers nothing (404); a link whose
    ticket was handed to a colleague is read-only."""
    notice_id = read_ack_token(token)
    notice = None
    if notice_id is not None:
        notice = (EscalationNotice.objects.select_related("record__ticket__district", "record__ticket__category",
                                                          "record__clock", "user").filter(pk=notice_id).first())
    if notice is None or notice.user is None:
        return render(request, "escalation/ack.html", {"invalid": True}, status=404)
    return _handle(request, notice.record.ticket, user=notice.user, via=EscalationNotice.Via.LINK, notice=notice,
                   template="escalation/ack.html", extra={"notice": notice, "record": notice.record})


# --- The inbox ------------------------------------------------------------------------------------
def _vendor_or_desk(user) -> bool:
    return permissions.is_vendor(user) or permissions.is_desk(user)


@login_required
def vendor_queue(request: HttpRequest) -> HttpResponse:
    if not _vendor_or_desk(request.user):
        raise Http404
    sections = workspace.inbox(request.user)
    labels = {
        "awaiting_my_ack": _("Escalated to me, awaiting my acknowledgement"),
        "no_eta": _("Acknowledged, no ETA yet"),
        "eta_running": _("ETA running"),
        "eta_missed": _("ETA missed"),
        "vendor": _("Handed to my vendor"),
    }
    context = {"sections": [(name, labels[name], sections[name]) for name in workspace.SECTIONS],
               "total": sum(len(v) for v in sections.values()),
               "is_officer": permissions.is_vendor_officer(request.user)}
    if request.GET.get("partial") != "1":
        context["on_call"] = selectors.on_call_preview(request.user)
    template = "escalation/_inbox.html" if request.GET.get("partial") == "1" else "escalation/vendor_queue.html"
    return render(request, template, context)


def _visible(user, number: str) -> Ticket:
    normalised = normalise_number(number)
    ticket = None
    if normalised is not None:
        ticket = permissions.scope_tickets(user, Ticket.objects.select_related("district", "category", "vendor")) \
            .filter(number=normalised).first()
    if ticket is None:
        raise Http404
    return ticket


@login_required
@require_http_methods(["GET", "POST"])
def vendor_ticket(request: HttpRequest, number: str) -> HttpResponse:
    if not _vendor_or_desk(request.user):
        raise Http404
    ticket = _visible(request.user, number)
    escalations = ticket.escalations.select_related("clock").prefetch_related("notices__user")[:50]
    return _handle(request, ticket, user=request.user, via=EscalationNotice.Via.APP,
                   template="escalation/vendor_ticket.html", extra={"escalations": escalations})


# --- The officers' view ---------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def vendor_team(request: HttpRequest) -> HttpResponse:
    """Responsible officers and heads: their vendor's open escalations by engineer; reassign to
    another engineer of the vendor, or acknowledge on someone's behalf (recorded as such)."""
    officer = request.user
    if not permissions.is_vendor_officer(officer):
        raise Http404
    status, error = 200, ""
    if request.method == "POST":
        ticket = _visible(officer, request.POST.get("number", ""))
        engineer_id = request.POST.get("engineer", "")
        try:
            if request.POST.get("action") == "behalf":
                vendor_actions.escalation_acknowledge_on_behalf(ticket_id=ticket.pk, officer=officer,
                                                                engineer_id=engineer_id)
            elif request.POST.get("action") == "reassign":
                engineer = _engineer(officer, engineer_id)
                vendor_actions.vendor_hand_over(ticket_id=ticket.pk, user=engineer, by=officer,
                                                to_user_id=request.POST.get("to_user", ""),
                                                via=EscalationNotice.Via.APP,
                                                action_key=request.POST.get("action_key", "")[:64])
            else:
                raise InvalidInput(_("Unknown action."), code="invalid_action")
            return redirect(f"{request.path}?done={request.POST['action']}")
        except DomainError as exc:
            status, error = exc.status_code, exc.detail
    done = request.GET.get("done", "")
    groups = workspace.team_view(officer)
    engineers = vendor_actions.colleagues(officer.vendor_id)
    return render(request, "escalation/vendor_team.html", {
        "groups": groups, "engineers": engineers, "error": error, "action_key": secrets.token_hex(12),
        "done_message": _done_message(done) if done in ("behalf", "reassign") else ""}, status=status)


def _engineer(officer, raw: str):
    engineer = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        engineer = User.objects.filter(pk=int(raw), vendor_id=officer.vendor_id).first()
    if engineer is None:
        raise InvalidInput(_("Choose an engineer this ticket was escalated to."), code="invalid_engineer",
                           field="engineer")
    return engineer
