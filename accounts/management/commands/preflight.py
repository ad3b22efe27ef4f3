"""`manage.py preflight`: the start-up check of the production shape (bin/prod runs it first).

Exits 1 with one clear line per problem (a DATABASE_URL with no reachable primary, a Sentinel
master name that does not exist, Redis not answering), instead of a traceback at the first request.
`--wait N` retries for up to N seconds first (a cluster still electing its primary).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from helpdesk.backends import preflight


class Command(BaseCommand):
    help = "Check that the database primary and Redis (or its Sentinels' master) can be reached."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--wait", type=float, default=0, help="seconds to keep retrying before failing")

    def handle(self, *args, wait: float = 0, **options) -> None:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            problems = preflight()
            if not problems or time.monotonic() >= deadline:
                break
            time.sleep(1)
        if problems:
            raise CommandError("the configuration cannot serve:\n  " + "\n  ".join(problems))
        self.stdout.write("preflight: database primary and Redis reachable")
