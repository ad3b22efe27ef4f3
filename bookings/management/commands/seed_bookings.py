"""Only the bookings data: `manage.py seed_bookings --size 1000000` (seed_demo seeds every app)."""

from django.core.management.base import BaseCommand

from bookings.seed import seed


class Command(BaseCommand):
    help = "Bookings demo set (size 0) or bulk volume for benchmarks (size N >= 1). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=0)

    def handle(self, *args, size: int = 0, **options):
        seed(size=size, stdout=self.stdout)
