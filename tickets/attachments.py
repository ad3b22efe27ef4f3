"""Attachments: images and PDFs on staff comments, on the citizen's complaint and on their
replies. The type is decided from the content (Pillow for images, the PDF header), never from
the name or the browser's content type; a file that is empty, too large or of another type is
refused before anything is stored. Files go through Django's storage API (the filesystem on the
embedded default, S3-compatible storage when ATTACHMENT_STORAGE=s3)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from helpdesk.exceptions import InvalidInput

from .models import Ticket
from .services import Actor, _Changes, _lock
from .workspace_models import Attachment

_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif",
               "application/pdf": "pdf"}
MAX_PIXELS = 40_000_000  # a screenshot is a few million; more is a decompression bomb
THUMB_SIZE = (320, 320)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    data: bytes


def _refuse(message: str, name: str) -> InvalidInput:
    return InvalidInput(message % {"name": name[:80]}, code="invalid_attachment", field="files")


def sniff(data: bytes) -> str | None:
    """The content type from the bytes: an image Pillow can fully read, or a PDF; else None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = _IMAGE_TYPES.get(image.format or "")
            if kind is None or image.width * image.height > MAX_PIXELS:
                return None
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() skips the pixel data; a truncated file fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return kind


def check_uploads(files: Sequence) -> list[CheckedFile]:
    """Read and check every uploaded file (Django UploadedFile objects). Raises InvalidInput,
    naming the file, for: more files than ATTACHMENT_MAX_FILES, an empty file, one over
    ATTACHMENT_MAX_BYTES, or content that is not a PNG/JPEG/WebP/GIF image or a PDF."""
    files = [f for f in files if f is not None]
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise InvalidInput(_("Attach at most %(n)s files at a time.") % {"n": settings.ATTACHMENT_MAX_FILES},
                           code="too_many_attachments", field="files")
    limit = settings.ATTACHMENT_MAX_BYTES
    checked = []
    for upload in files:
        name = (getattr(upload, "name", "") or "file")[:200]
        if not upload.size:
            raise _refuse(_("%(name)s is empty."), name)
        if upload.size > limit:
            raise InvalidInput(_("%(name)s is larger than %(mb)s MB.") % {"name": name[:80], "mb": _mb(limit)},
                               code="attachment_too_large", field="files")
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise InvalidInput(_("%(name)s is larger than %(mb)s MB.") % {"name": name[:80], "mb": _mb(limit)},
                               code="attachment_too_large", field="files")
        kind = sniff(data)
        if kind is None:
            raise _refuse(_("%(name)s is not an image (PNG, JPEG, WebP, GIF) or a PDF."), name)
        checked.append(CheckedFile(name=name, content_type=kind, data=data))
    return checked


def _mb(limit: int) -> str:
    return f"{limit / 1_000_000:g}"


def limit_mb() -> str:
    """The size limit in MB, for the forms' hint."""
    return _mb(settings.ATTACHMENT_MAX_BYTES)


def _thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(out, format="PNG")
        return out.getvalue()


def _store(ticket: Ticket, checked: CheckedFile, *, comment_id: int | None, actor: Actor,
           is_public: bool) -> Attachment:
    saved = _written.get()
    if saved is None:
        saved = []
    stem = uuid.uuid4().hex
    attachment = Attachment(ticket=ticket, comment_id=comment_id, content_type=checked.content_type,
                            original_name=checked.name, size=len(checked.data),
                            sha256=hashlib.sha256(checked.data).hexdigest(), is_public=is_public,
                            uploaded_by=actor.user, uploaded_label=actor.label)
    attachment.file.save(f"{stem}.{_EXTENSIONS[checked.content_type]}", ContentFile(checked.data), save=False)
    saved.append(attachment.file.name)
    if checked.content_type.startswith("image/"):
        attachment.thumbnail.save(f"{stem}.png", ContentFile(_thumbnail(checked.data)), save=False)
        saved.append(attachment.thumbnail.name)
    attachment.save()
    return attachment


_written: ContextVar[list[str] | None] = ContextVar("attachments_written", default=None)


@contextlib.contextmanager
def cleanup_on_failure() -> Iterator[None]:
    """Storage is not transactional: wrap a transaction that stores files in this (outside the
    atomic block), and the files are deleted again if the block raises, commit included."""
    if _written.get() is not None:  # an outer guard owns the cleanup
        yield
        return
    names: list[str] = []
    token = _written.set(names)
    try:
        yield
    except BaseException:
        _delete(names)
        raise
    finally:
        _written.reset(token)


def attachments_add(*, ticket_id: int, files: Sequence[CheckedFile], actor: Actor, is_public: bool,
                    comment_id: int | None = None) -> list[Attachment]:
    """Store checked files on the ticket (and comment). Locks the ticket; one `attachment_added`
    event per file, public when the files are. Runs in the caller's transaction if there is
    one; with cleanup_on_failure() around it the stored files go if that transaction fails."""
    if not files:
        return []
    with cleanup_on_failure(), transaction.atomic():
        ticket = _lock(ticket_id)
        changes = _Changes(ticket, actor)
        stored = []
        for checked in files:
            attachment = _store(ticket, checked, comment_id=comment_id, actor=actor, is_public=is_public)
            stored.append(attachment)
            changes.add("attachment_added", payload={"attachment_id": attachment.pk, "comment_id": comment_id,
                                                     "content_type": checked.content_type},
                        is_public=is_public)
        changes.commit(update_fields=[])
    return stored


def _delete(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            pass


def ticket_attachments(ticket: Ticket, *, public_only: bool = False) -> list[Attachment]:
    queryset = Attachment.objects.filter(ticket=ticket)
    if public_only:
        queryset = queryset.filter(is_public=True)
    return list(queryset.order_by("created_at", "id"))


def annotate(comments: Sequence, ticket_ids: Sequence[int], *, public_only: bool = False) -> list[Attachment]:
    """Set `comment.files` on each comment; return the attachments of no comment (the complaint's)."""
    queryset = Attachment.objects.filter(ticket_id__in=list(ticket_ids))
    if public_only:
        queryset = queryset.filter(is_public=True)
    grouped: dict[int | None, list[Attachment]] = {}
    for item in queryset.order_by("created_at", "id"):
        grouped.setdefault(item.comment_id, []).append(item)
    for comment in comments:
        comment.files = grouped.get(comment.pk, [])
    return grouped.get(None, [])
