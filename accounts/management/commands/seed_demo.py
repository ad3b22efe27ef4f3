"""Idempotent demo data for every app. `--size N` scales the bulk data used by benchmarks."""

from importlib import import_module

from django.core.management.base import BaseCommand

from accounts.seed import logins

SEED_APPS = ["accounts", "tickets", "escalation", "live", "bookings", "bookings.offline"]


class Command(BaseCommand):
    help = "Create demo users for every role, a vendor, and sample data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=0,
                            help="Bulk volume for benchmarks (0: a small demo set). See README.")

    def handle(self, *args, size: int = 0, **options):
        for app in SEED_APPS:
            try:
                module = import_module(f"{app}.seed")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.seed":
                    raise
                continue
            module.seed(size=size, stdout=self.stdout)
            self.stdout.write(f"seeded {app}")

        self.stdout.write("Demo logins (username / password / role):")
        for username, password, role in logins():
            self.stdout.write(f"  {username:<12} {password}  {role}")
