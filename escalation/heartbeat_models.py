"""The engine's heartbeat: when the SLA sweep last ran, and the alerts raised when it stopped.
Imported by escalation.models (the app's models live in both modules)."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """One row per periodic job (today only "sweep"): stamped at the end of every successful run.
    In the database, not Redis: the sweep already needs the database, the watchdog reads it when
    Redis is down, and the stamp survives a Redis restart."""

    name = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(default=0)
    last_processed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_run_at or 'never'}"


class HeartbeatAlert(models.Model):
    """An alert that a job stopped; one per outage: the outage is named by the last stamp seen
    (or, for a job that never ran, the heartbeat row's creation)."""

    name = models.CharField(max_length=40)
    stale_since = models.DateTimeField()
    raised_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "stale_since"], name="heartbeat_alert_once_per_outage")]

    def __str__(self) -> str:
        return f"{self.name} stale since {self.stale_since}"
