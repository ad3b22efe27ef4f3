"""Import a portal export into the replica:

    manage.py import_portal centres calendar.json      # CoWIN calendar shape (centres + sessions)
    manage.py import_portal beneficiaries people.csv   # or CoWIN JSON {"beneficiaries": [...]}
    manage.py import_portal --pull --district 109 --district 113   # from PORTAL_API_URL

Prints the summary: rows accepted, rows refused with the reason of each (first 20).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bookings.imports import KINDS, import_process
from bookings.models import ImportRun
from bookings.portal import default_adapter, portal_pull


class Command(BaseCommand):
    help = "Import centres, sessions, beneficiaries or appointments (CoWIN JSON or CSV), or pull from the portal API."

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?", choices=KINDS)
        parser.add_argument("path", nargs="?")
        parser.add_argument("--pull", action="store_true", help="pull from the portal API (PORTAL_API_URL)")
        parser.add_argument("--district", type=int, action="append", default=[], help="CoWIN district id to pull")

    def handle(self, *args, kind=None, path=None, pull=False, district=(), **options):
        if pull:
            runs = portal_pull(adapter=default_adapter(), district_ids=list(district) or list(range(109, 137)))
        else:
            if not kind or not path:
                raise CommandError("give a kind and a file, or --pull")
            file = Path(path)
            if not file.exists():
                raise CommandError(f"no such file: {path}")
            try:
                content = file.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise CommandError("the file must be UTF-8 text") from None
            run = ImportRun.objects.create(kind=kind, source=file.name[:200], content=content,
                                           fmt="csv" if file.suffix.lower() == ".csv" else "json")
            runs = [import_process(run.pk)]
        for run in runs:
            self.stdout.write(f"{run.kind} from {run.source}: {run.status}, {run.accepted} accepted, "
                              f"{run.refused} refused")
            for refusal in run.refusals[:20]:
                self.stdout.write(f"  row {refusal['row']}: {refusal['reason']}")
