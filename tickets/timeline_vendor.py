"""Timeline sentences for the vendor's side of a ticket and the citizen's rating, registered with
tickets.timeline (imported by TicketsConfig.ready): hand-over to a colleague, "restored on our
side", "not ours / can't fix", and the rating of a resolution."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .sentences import ACK_VIA, SENTENCES, Audience, _actor, _when
from .timeline import register


def _handed_over(e, p, ctx, entry):
    to_name = p.get("to_name") or _("a colleague")
    if p.get("note") and ctx.audience != Audience.CITIZEN:
        entry.details.append(_("Note: %(note)s") % {"note": p["note"]})
    return _("%(actor)s handed the escalation to %(name)s, who got their own link") % {
        "actor": _actor(e, ctx), "name": to_name}, ""


def _restored(e, p, ctx, entry):
    if ctx.audience == Audience.CITIZEN:
        return _("The technical team reports the problem fixed on their side; the helpdesk is confirming"), "ok"
    if p.get("note"):
        entry.details.append(_("Note: %(note)s") % {"note": p["note"]})
    return _("%(actor)s: restored on the vendor's side; back to the helpdesk to confirm") % {
        "actor": _actor(e, ctx)}, "ok"


def _declined(e, p, ctx, entry):
    return _("%(actor)s handed it back: not the vendor's problem or cannot fix (%(reason)s)") % {
        "actor": _actor(e, ctx), "reason": p.get("note", "")}, "warn"


def _rated(e, p, ctx, entry):
    if ctx.audience == Audience.CITIZEN:
        return _("You rated the help %(score)s out of 5") % {"score": p.get("score", "?")}, ""
    return _("The citizen rated the resolution %(score)s out of 5") % {"score": p.get("score", "?")}, ""


_acknowledged = SENTENCES["escalation_acknowledged"]
_status_changed = SENTENCES["status_changed"]


def _status_changed_with_resolution(e, p, ctx, entry):
    """The resolution note reaches the citizen (it is in the resolution SMS too)."""
    text, tone = _status_changed(e, p, ctx, entry)
    if ctx.audience == Audience.CITIZEN and e.to_value == "resolved" and p.get("note"):
        entry.details.append(_("Resolution: %(note)s") % {"note": p["note"]})
    return text, tone


def _acknowledged_on_behalf(e, p, ctx, entry):
    if p.get("on_behalf_of_name"):
        return _("Escalation acknowledged by %(actor)s on behalf of %(name)s") % {
            "actor": _actor(e, ctx), "name": p["on_behalf_of_name"]}, "ok"
    return _acknowledged(e, p, ctx, entry)


def _eta_posted(e, p, ctx, entry):
    if ctx.audience == Audience.CITIZEN:
        return _("The technical team expects a fix by %(eta)s") % {"eta": _when(p.get("eta_at"))}, ""
    text = _("%(actor)s posted progress: service expected back by %(eta)s") % {
        "actor": _actor(e, ctx), "eta": _when(p.get("eta_at"))}
    if p.get("via") == "link":
        text = _("%(step)s (via the signed link)") % {"step": text}
    return text, ""


ACK_VIA.setdefault("behalf", gettext_lazy("an officer, on their behalf"))
for kind, writer in {"vendor_handed_over": _handed_over, "vendor_restored": _restored,
                     "vendor_declined": _declined, "rated": _rated,
                     "escalation_acknowledged": _acknowledged_on_behalf, "eta_posted": _eta_posted,
                     "status_changed": _status_changed_with_resolution}.items():
    register(kind, writer)
