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


from . import requestid  # noqa: E402,F401  (the request id travels in the task headers)
