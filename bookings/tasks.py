from celery import shared_task


@shared_task(acks_late=True)
def run_import(run_id: int) -> str:
    """Process an import run; idempotent (a finished run is left alone)."""
    from .imports import import_process

    return import_process(run_id).status
