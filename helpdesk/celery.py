"""Celery app. With REDIS_URL unset, tasks run eagerly in-process (CELERY_TASK_ALWAYS_EAGER).

Logging: the worker and beat keep Django's `LOGGING` (JSON lines in production, each with the
request id a task was queued under: helpdesk.requestid) instead of installing Celery's own
handlers on the root logger."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect(weak=False)
def _django_logging(loglevel=None, **kwargs) -> None:
    """Connected, Celery leaves logging alone; Django configures it from settings.LOGGING. The
    worker's own lines ("ready", "received", "succeeded") keep the level its `--loglevel` asks for,
    whatever LOG_LEVEL says for the application's loggers."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger("celery").setLevel(loglevel)


@signals.task_prerun.connect(weak=False)
def _usable_connection(task=None, **kwargs) -> None:
    """Before each task, what Django does around a request, and one step more: a connection that
    is broken or older than CONN_MAX_AGE is dropped, and the one kept is tried (SELECT 1) before
    the task begins, outside any transaction, so that a database that ended it (a restart, a
    failover) costs the task a reconnect, not an error on its first statement inside an atomic
    block. Celery's own Django fixup would instead close the connection before and after every
    task (a new PostgreSQL backend per task: about as much CPU as a receipt's delivery); it now
    recycles only every CELERY_DB_REUSE_MAX tasks. Never for a task run eagerly, inside the
    caller's request and transaction."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections, connections

    close_old_connections()
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


@signals.task_postrun.connect(weak=False)
def _old_connections(task=None, **kwargs) -> None:
    """After each task: drop a connection left broken or too old (as after a request)."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


from . import requestid  # noqa: E402,F401  (the request id travels in the task headers)
