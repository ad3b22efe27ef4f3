"""What each server process does once its application is built: import every view (the URLconf,
which Django otherwise loads on the first request) and move every object alive at that point
into the garbage collector's permanent generation (`gc.freeze`).

Why: a web worker holds ~100 MiB of objects from start-up (Django, DRF, the apps, the catalogues)
that live as long as the process. Each full collection walked all of them, and one came every few
hundred requests: in process, 88 ms for one full collection, 11 ms once they were frozen
(`bench/README.md`, "Ticket intake"). That pause lands on one request and on every request queued
behind it in the same worker, the tail of the p99. Frozen objects are never collected; nothing
made at start-up is meant to be.
"""

from __future__ import annotations

import gc


def freeze_after_startup() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import of every view module is the point
    gc.collect()
    gc.freeze()
