"""The whole app in one process (the embedded default): HTTP and websockets on one ASGI server
(uvicorn), plus the periodic jobs (SLA sweep, outbox, incident cadence) on a timer thread.

    python manage.py serve [--host 127.0.0.1] [--port 8000] [--no-seed]

Migrates and seeds the demo data first, then prints the URLs and the demo logins.
"""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from helpdesk.timers import TimerThread, schedule


def site_url(host: str, port: int) -> str:
    """The base of links for a server on host:port (a wildcard address becomes 127.0.0.1)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def apply_site_url(host: str, port: int) -> str:
    """Links sent by SMS/email point at this server unless SITE_URL was set; the base in use."""
    if not settings.SITE_URL_SET:
        settings.SITE_URL = site_url(host, port)
    return settings.SITE_URL


class Command(BaseCommand):
    help = "Run the whole helpdesk in one process (web, websockets, escalation timer)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-seed", action="store_true", help="Skip migrate and seed_demo.")
        parser.add_argument("--no-timer", action="store_true",
                            help="Do not run the periodic jobs here (Celery beat runs them).")

    def handle(self, *args, host: str, port: int, no_seed: bool, no_timer: bool, **options):
        import uvicorn

        if not no_seed:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("seed_demo", stdout=self.stdout)
        base = f"http://{host}:{port}"
        apply_site_url(host, port)
        self.stdout.write(self.style.SUCCESS(f"\nHelpdesk on {base}/"))
        for label, path in [
            ("Home", "/"), ("Citizen complaint", "/complaint/"), ("Status page", "/status/"),
            ("Agents' console", "/console/"), ("Staff login", "/accounts/login/"), ("Admin", "/admin/"),
            ("API docs", "/api/docs/"), ("Health", "/readyz"),
        ]:
            self.stdout.write(f"  {label:<18} {base}{path}")
        self.stdout.write(f"  links in SMS/email: {settings.SITE_URL}/..."
                          + ("" if settings.SITE_URL_SET else " (set SITE_URL to change)"))
        db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(f"  database: {db}; channel layer: {'in-memory' if settings.EMBEDDED else 'redis'}")
        timer = watchdog = None
        if not no_timer and settings.CELERY_TASK_ALWAYS_EAGER:
            timer = TimerThread()
            timer.start()
            # The heartbeat watchdog on its own thread: it notices a timer stuck in a sweep.
            watchdog = import_string(settings.HEARTBEAT_WATCHDOG)()
            watchdog.start()
            self.stdout.write(f"  timer jobs in this process: {', '.join(sorted(schedule())) or 'none'}")
        config = uvicorn.Config("helpdesk.asgi:application", host=host, port=port, lifespan="off",
                                log_level=os.environ.get("UVICORN_LOG_LEVEL", "warning"), ws="websockets-sansio")
        try:
            uvicorn.Server(config).run()
        finally:
            if timer:
                timer.stop()
            if watchdog:
                watchdog.stop()
