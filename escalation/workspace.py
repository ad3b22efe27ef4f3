"""Reads for the vendor's pages: what one ticket's workspace shows and offers (the signed link
page and the inbox's ticket page share it), the inbox sections, and the officers' view. Callers
have already checked who may see the ticket (accounts.permissions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts import permissions
from tickets.models import OPEN_STATUSES, Ticket, TicketEvent
from tickets.timeline import Audience, render_timeline

from . import selectors
from .models import Clock, ClockKind, EscalationNotice, EscalationRecord
from .vendor_actions import colleagues, finished_kind, vendor_of


@dataclass
class Workspace:
    ticket: Ticket
    clocks: list[dict]
    waiting_ack: bool
    eta: Clock | None
    eta_missed: bool
    finished: str | None
    acknowledged: TicketEvent | None
    history: list[TicketEvent]
    colleagues: list = field(default_factory=list)
    read_only_reason: str = ""  # "handed_over", "closed" or ""
    handed_to: EscalationNotice | None = None

    @property
    def is_open(self) -> bool:
        return self.ticket.status in OPEN_STATUSES

    @property
    def can_act(self) -> bool:
        return self.is_open and not self.read_only_reason and self.finished is None

    @property
    def timeline(self) -> list:
        """The ticket's timeline as the vendor reads it (tickets.timeline), newest first."""
        return list(reversed(render_timeline(self.history, audience=Audience.VENDOR)))

    @property
    def offer_ack(self) -> bool:
        return self.can_act and self.waiting_ack

    @property
    def offer_work(self) -> bool:
        """Progress, hand-over, restore and decline: once nothing waits for an acknowledgement."""
        return self.can_act and not self.waiting_ack


def pending_clocks(ticket_id: int) -> list[Clock]:
    """Live clocks whose ladder fired (or the vendor acknowledgement clock) with nobody's
    acknowledgement yet: the same rule as services.escalation_acknowledge."""
    return [c for c in Clock.objects.filter(ticket_id=ticket_id).exclude(state=Clock.State.STOPPED)
            if c.acknowledged_at is None and (c.ladder_done > 0 or c.kind == ClockKind.VENDOR_ACK)]


def workspace(ticket: Ticket, *, user, notice: EscalationNotice | None = None,
              now: dt.datetime | None = None) -> Workspace:
    now = now or timezone.now()
    eta = (Clock.objects.filter(ticket_id=ticket.pk, kind=ClockKind.ETA).exclude(state=Clock.State.STOPPED)
           .select_related("eta_by").first())
    events = list(TicketEvent.objects.filter(ticket_id=ticket.pk).select_related("actor").order_by("id"))
    acknowledged = next((e for e in reversed(events) if e.kind == "escalation_acknowledged"), None)
    space = Workspace(
        ticket=ticket, clocks=[c for c in selectors.ticket_clocks(ticket.pk, now=now) if c["state"] != "stopped"],
        waiting_ack=bool(pending_clocks(ticket.pk)), eta=eta,
        eta_missed=bool(eta and eta.eta_at and (eta.breached_at or eta.eta_at <= now)),
        finished=finished_kind(ticket.pk), acknowledged=acknowledged, history=events,
    )
    if notice is not None and notice.superseded_by_id:
        space.read_only_reason = "handed_over"
        space.handed_to = EscalationNotice.objects.select_related("user").filter(pk=notice.superseded_by_id).first()
    elif not space.is_open:
        space.read_only_reason = "closed"
    if space.can_act:
        space.colleagues = colleagues(vendor_of(ticket), exclude_id=getattr(user, "pk", None))
    return space


# --- The inbox ------------------------------------------------------------------------------------
SECTIONS = ("awaiting_my_ack", "no_eta", "eta_running", "eta_missed", "vendor")


def inbox(user, *, now: dt.datetime | None = None, limit: int = 200) -> dict[str, list[Ticket]]:
    """The vendor inbox: every open ticket `user` may see, each in the first section it fits:
    escalated to me and awaiting my acknowledgement; acknowledged, no ETA yet; ETA running; ETA
    missed; handed (or escalated) to my vendor. Most urgent first, then oldest. A fixed number of
    queries, whatever the number of tickets."""
    now = now or timezone.now()
    mine_waiting = EscalationNotice.objects.filter(
        record__ticket_id=OuterRef("pk"), user_id=user.pk, acknowledged_at__isnull=True, superseded_by__isnull=True,
        record__clock__acknowledged_at__isnull=True, record__clock__state=Clock.State.RUNNING)
    base = permissions.scope_tickets(user, Ticket.objects.filter(status__in=OPEN_STATUSES))
    if not permissions.is_vendor(user):  # the desk looking in: only tickets a vendor has
        base = base.filter(Q(vendor__isnull=False) | Exists(EscalationRecord.objects.filter(
            ticket_id=OuterRef("pk"), vendor__isnull=False)))
    tickets = list(base.annotate(my_wait=Exists(mine_waiting)).select_related("district", "category", "vendor")
                   .order_by("priority", "created_at")[:limit])
    ids = [t.pk for t in tickets]
    etas = {c.ticket_id: c for c in Clock.objects.filter(ticket_id__in=ids, kind=ClockKind.ETA)
            .exclude(state=Clock.State.STOPPED)}
    fired = {}
    for ticket_id, fired_at in (EscalationRecord.objects.filter(ticket_id__in=ids).order_by("fired_at")
                                .values_list("ticket_id", "fired_at")):
        fired.setdefault(ticket_id, fired_at)
    out: dict[str, list[Ticket]] = {name: [] for name in SECTIONS}
    for ticket in tickets:
        eta = etas.get(ticket.pk)
        ticket.eta_clock = eta
        ticket.first_escalated_at = fired.get(ticket.pk)
        if ticket.my_wait:
            out["awaiting_my_ack"].append(ticket)
        elif eta is not None and eta.eta_at is None:
            ticket.progress_overdue = bool(eta.breached_at or eta.due_at <= now)
            out["no_eta"].append(ticket)
        elif eta is not None and (eta.breached_at or eta.eta_at <= now):
            out["eta_missed"].append(ticket)
        elif eta is not None:
            out["eta_running"].append(ticket)
        else:
            out["vendor"].append(ticket)
    return out


# --- The officers' view ---------------------------------------------------------------------------
@dataclass
class Row:
    ticket: Ticket
    notice: EscalationNotice
    age_minutes: int
    breached: bool
    acknowledged: bool


def team_view(officer, *, now: dt.datetime | None = None, limit: int = 500) -> list[tuple[object, list[Row]]]:
    """The officer's vendor's open escalations by engineer (the engineer each current notice
    reached; the officers' own steps are theirs to see in the inbox): age since the step fired, whether a clock of the ticket is breached, whether the
    step is acknowledged. Engineers with the oldest unacknowledged step first."""
    now = now or timezone.now()
    notices = list(EscalationNotice.objects.filter(
        record__vendor_id=officer.vendor_id, user__isnull=False, superseded_by__isnull=True,
        record__ticket__status__in=OPEN_STATUSES, user__vendor_id=officer.vendor_id, user__role="vendor_engineer")
        .select_related("user", "record__clock", "record__ticket__district", "record__ticket__category")
        .order_by("record__fired_at", "id")[:limit])
    ticket_ids = {n.record.ticket_id for n in notices}
    breached = set(Clock.objects.filter(ticket_id__in=ticket_ids).exclude(state=Clock.State.STOPPED)
                   .filter(breached_at__isnull=False).values_list("ticket_id", flat=True))
    breached |= set(Clock.objects.filter(ticket_id__in=ticket_ids, state=Clock.State.RUNNING, due_at__lt=now)
                    .values_list("ticket_id", flat=True))
    latest: dict[tuple[int, int], EscalationNotice] = {}
    for notice in notices:  # one row per engineer and ticket: their latest step
        latest[(notice.user_id, notice.record.ticket_id)] = notice
    groups: dict[int, tuple[object, list[Row]]] = {}
    for notice in latest.values():
        record = notice.record
        acknowledged = notice.acknowledged_at is not None or record.clock.acknowledged_at is not None
        row = Row(ticket=record.ticket, notice=notice, age_minutes=int((now - record.fired_at).total_seconds() // 60),
                  breached=record.ticket_id in breached, acknowledged=acknowledged)
        groups.setdefault(notice.user_id, (notice.user, []))[1].append(row)
    ordered = sorted(groups.values(), key=lambda g: (all(r.acknowledged for r in g[1]),
                                                     -max(r.age_minutes for r in g[1])))
    for _user, rows in ordered:
        rows.sort(key=lambda r: (r.acknowledged, r.ticket.priority, -r.age_minutes))
    return ordered
