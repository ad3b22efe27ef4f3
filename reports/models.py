from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _


class HandoverNote(models.Model):
    """A note written by an agent or supervisor for the next shift of the 24x7 desk.

    Append-only: a correction is a new note. The shift handover page shows the notes written
    inside the shift window it reports on.
    """

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handover_notes")
    body = models.TextField(max_length=2000, verbose_name=_("note"))
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="handover_notes",
        help_text=_("Optional: the ticket the note is about."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="handover_note_not_blank", condition=Q(body__regex=r"\S")),
            models.CheckConstraint(name="handover_note_max_2000", condition=LessThanOrEqual(Length("body"), 2000)),
        ]

    def __str__(self) -> str:
        return f"{self.author_id} {self.created_at:%Y-%m-%d %H:%M}: {self.body[:40]}"
