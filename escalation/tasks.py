from celery import shared_task

from . import outbox


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    return outbox.deliver(message_id)
