"""The agent's tools on a ticket: tags, canned responses and attachments. Imported by
tickets.models (Django finds the models there); writes live in tickets/tags.py, canned.py and
attachments.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    """A label on tickets ("sms-gateway", "vip"): lower-case letters, digits and dashes."""

    name = models.SlugField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketTag(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="ticket_tags")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="ticket_tags")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "tag"], name="ticket_tag_once")]
        indexes = [models.Index(fields=["tag", "ticket"], name="tickettag_tag_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.tag_id}"


class CannedResponse(models.Model):
    """A reply in both languages with placeholders such as {number}; managed by supervisors."""

    title = models.CharField(max_length=120, unique=True)
    body_en = models.TextField(max_length=2000)
    body_hi = models.TextField(max_length=2000)
    is_active = models.BooleanField(default=True)
    usage_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def body_for(self, language: str | None = None) -> str:
        return self.body_hi if (language or get_language() or "en").startswith("hi") else self.body_en


class Attachment(models.Model):
    """An image or PDF on a comment (staff) or from the citizen (complaint form, reply page).
    The file is stored through Django's storage API under a random name; its type was checked
    from its content."""

    class Kind(models.TextChoices):
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"
        WEBP = "image/webp", "WebP"
        GIF = "image/gif", "GIF"
        PDF = "application/pdf", "PDF"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey("tickets.Comment", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="attachments")
    content_type = models.CharField(max_length=40, choices=Kind.choices)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=200)
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/", max_length=200, blank=True)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    is_public = models.BooleanField(default=False, help_text=_("Visible to the citizen through their link."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    uploaded_label = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="attachment_ticket_created")]
        constraints = [models.CheckConstraint(name="attachment_not_empty", condition=Q(size__gt=0))]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
