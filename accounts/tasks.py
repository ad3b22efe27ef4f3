from celery import shared_task

from . import retention


@shared_task(acks_late=True, ignore_result=True)
def retention_purge() -> dict:
    """Periodic: idempotency records and login logs past their retention. Idempotent."""
    return {"idempotency": retention.idempotency_purge(), "login_logs": retention.login_log_purge()}
