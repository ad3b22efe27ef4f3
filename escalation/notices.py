"""What escalation tells the outbox about its own messages (registered in EscalationConfig.ready
through notifications.hooks), and cancelling the sends of acknowledged clocks."""

from __future__ import annotations

from notifications.models import OutboxMessage

from .models import Clock, VendorEndpoint


def notice_obsolete(message: OutboxMessage) -> bool:
    """An escalation notice whose clock was acknowledged or stopped is no longer worth sending."""
    if message.notice_id is None:
        return False
    clock = Clock.objects.filter(records__notices__id=message.notice_id).only("state", "acknowledged_at").first()
    return clock is None or clock.acknowledged_at is not None or clock.state == Clock.State.STOPPED


def endpoint_secret(url: str) -> str | None:
    """The signing secret of a vendor's webhook address; None: not a vendor endpoint."""
    return VendorEndpoint.objects.filter(webhook_url=url).values_list("secret", flat=True).first()


def outbox_cancel(*, clock_ids: list[int]) -> int:
    """Cancel pending and in-flight sends of escalation notices on these clocks. Locks the rows:
    waits for a send in flight to finish, so nothing goes out after the caller commits."""
    ids = list(OutboxMessage.objects.select_for_update()
               .filter(notice__record__clock_id__in=clock_ids,
                       status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING])
               .order_by("pk").values_list("pk", flat=True))  # id order, as the batch sender locks
    if not ids:
        return 0
    return OutboxMessage.objects.filter(pk__in=ids).update(status=OutboxMessage.Status.CANCELLED)
