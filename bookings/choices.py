"""What a citizen may choose when booking or rebooking: open sessions grouped by centre, each
marked choosable or not, with the reason in the page's language (reads only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError

from . import rules
from .models import Beneficiary, Centre, Session


@dataclass
class SessionOption:
    session: Session
    free: int
    reason: str = ""  # why it cannot be chosen; empty when it can

    @property
    def choosable(self) -> bool:
        return not self.reason


@dataclass
class CentreOptions:
    centre: Centre
    options: list[SessionOption] = field(default_factory=list)

    @property
    def choosable(self) -> list[SessionOption]:
        return [option for option in self.options if option.choosable]

    @property
    def choosable_count(self) -> int:
        return len(self.choosable)

    @property
    def unavailable(self) -> list[tuple[str, list[SessionOption]]]:
        """The sessions that cannot be chosen, one line per reason (a phone screen stays short)."""
        grouped: dict[str, list[SessionOption]] = {}
        for option in self.options:
            if not option.choosable:
                grouped.setdefault(option.reason, []).append(option)
        return list(grouped.items())


def session_options(*, beneficiary: Beneficiary, dose: int, sessions: list[Session]) -> list[CentreOptions]:
    """`sessions` grouped by centre (centres with a choosable session first), each session
    checked against the eligibility rules (age band; dose 2: same vaccine, interval) and its
    free seats for `dose`."""
    centres: dict[int, CentreOptions] = {}
    for session in sessions:
        free = session.available_dose1 if dose == 1 else session.available_dose2
        reason = ""
        try:
            rules.check_eligibility(beneficiary, session, dose)
        except DomainError as exc:
            reason = exc.detail
        if not reason and free <= 0:
            reason = _("Fully booked for dose %(dose)s.") % {"dose": dose}
        group = centres.setdefault(session.centre_id, CentreOptions(centre=session.centre))
        group.options.append(SessionOption(session=session, free=free, reason=reason))
    for group in centres.values():
        group.options.sort(key=lambda option: (option.session.date, option.session.pk))
    return sorted(centres.values(), key=lambda group: (group.choosable_count == 0, group.centre.name))


def find_session(sessions: list[Session], session_id) -> Session | None:
    return next((s for s in sessions if s.session_id == session_id), None)
