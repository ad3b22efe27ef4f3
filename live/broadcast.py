"""The one way events leave the process: to channel-layer groups, after the transaction commits.

Events are hints carrying ids and changes; clients re-fetch the truth over REST.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def send_now(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send immediately (use only outside a transaction). A channel-layer outage is logged, not
    raised: live events are hints, the database already holds the truth."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "live.event", "event": event}
    for group in dict.fromkeys(groups):
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:  # Redis down: the client's snapshot on reconnect covers it
            log.warning("live broadcast to %s failed", group, exc_info=True)


def broadcast(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send `event` to `groups` once the current transaction commits (at once if none is open)."""
    groups = list(groups)
    transaction.on_commit(lambda: send_now(groups, event))
