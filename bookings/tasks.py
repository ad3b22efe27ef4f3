from celery import shared_task

from .imports import import_process
from .services import appointments_expire, otp_purge


@shared_task(acks_late=True)
def run_import(run_id: int) -> str:
    """Process an import run; idempotent (a finished run is left alone)."""

    return import_process(run_id).status


@shared_task(acks_late=True)
def housekeeping() -> str:
    """Hourly: expire booked appointments whose day has passed; purge old OTPs and tokens.
    Idempotent (SKIP LOCKED batches; deletes of expired rows)."""

    return f"expired {appointments_expire()}, purged {otp_purge()}"
