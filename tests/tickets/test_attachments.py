"""Attachments: type from the content, size limit, nothing stored on refusal, served only to who
may see the ticket (citizens through their secret link, public files only)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import UserFactory
from tickets.models import Attachment, Comment, Ticket, TicketEvent


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path / "media")}}}
    from django.core.files.storage import storages

    storages._storages = {}
    Attachment._meta.get_field("file").storage = storages["default"]
    Attachment._meta.get_field("thumbnail").storage = storages["default"]
    yield tmp_path / "media"


def png(size=(640, 400), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def _form(client, ticket) -> dict:
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    return {"expected_version": re.search(r'name="expected_version" value="(\d+)"', page).group(1)}


def test_staff_attach_a_screenshot_with_a_note(client, agent, make_ticket, _media):
    ticket = make_ticket()
    client.force_login(agent)
    upload = SimpleUploadedFile("screen.png", png(), content_type="image/png")
    r = client.post(f"/tickets/{ticket.number}/update/", {**_form(client, ticket), "body": "see screenshot",
                                                          "files": upload})
    assert r.status_code == 302
    [attachment] = Attachment.objects.filter(ticket=ticket)
    assert attachment.content_type == "image/png" and attachment.comment == Comment.objects.get(ticket=ticket)
    assert attachment.thumbnail and not attachment.is_public
    assert len(stored(_media)) == 2  # the file and its thumbnail
    assert TicketEvent.objects.filter(ticket=ticket, kind="attachment_added").count() == 1
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert f"/tickets/{ticket.number}/files/{attachment.pk}/?thumb=1" in page
    thumb = client.get(f"/tickets/{ticket.number}/files/{attachment.pk}/?thumb=1")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as image:
        assert max(image.size) <= 320
    full = client.get(f"/tickets/{ticket.number}/files/{attachment.pk}/")
    assert b"".join(full.streaming_content) == png() and "sandbox" in full["Content-Security-Policy"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("virus.png", EXE, "is not an image"),
    ("empty.png", b"", "is empty"),
    ("notes.pdf", b"hello, not a pdf", "is not an image"),
    ("half.png", png()[:200], "is not an image"),
])
def test_bad_files_are_refused_and_nothing_is_stored(name, data, message, client, agent, make_ticket, _media):
    ticket = make_ticket()
    client.force_login(agent)
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    r = client.post(f"/tickets/{ticket.number}/update/", {**_form(client, ticket), "body": "look", "to": "in_progress",
                                                          "files": upload})
    assert r.status_code == 400 and message in r.content.decode() and name in r.content.decode()
    assert "look" in r.content.decode()  # the draft is kept
    assert not Attachment.objects.exists() and not stored(_media)
    assert not Comment.objects.filter(ticket=ticket).exists() and Ticket.objects.get(pk=ticket.pk).status == "new"


def test_oversize_file_is_refused(settings, client, agent, make_ticket, _media):
    settings.ATTACHMENT_MAX_BYTES = 1000
    ticket = make_ticket()
    client.force_login(agent)
    upload = SimpleUploadedFile("big.png", png((800, 800)), content_type="image/png")
    r = client.post(f"/tickets/{ticket.number}/update/", {**_form(client, ticket), "body": "x", "files": upload})
    assert r.status_code == 400 and "larger than 0.001 MB" in r.content.decode()
    assert not Attachment.objects.exists() and not stored(_media)


def test_a_failed_transaction_removes_the_stored_files(client, agent, make_ticket, _media):
    """The file passes its checks but the status move is illegal: all rolled back, files deleted."""
    ticket = make_ticket()
    client.force_login(agent)
    upload = SimpleUploadedFile("ok.png", png(), content_type="image/png")
    r = client.post(f"/tickets/{ticket.number}/update/", {**_form(client, ticket), "body": "x", "to": "closed",
                                                          "files": upload})
    assert r.status_code == 409
    assert not Attachment.objects.exists() and not stored(_media)


def test_citizen_attaches_a_pdf_to_the_complaint_and_a_photo_to_a_reply(client, raipur, _media, make_ticket):
    r = client.post("/complaint/", {"name": "Ramesh", "mobile": "9876512345", "district": str(raipur.pk),
                                    "category": "otp-not-received", "description": "OTP never comes",
                                    "files": SimpleUploadedFile("otp.pdf", PDF, content_type="application/pdf")})
    assert r.status_code == 303
    ticket = Ticket.objects.get(requester_mobile="9876512345")
    [attachment] = ticket.attachments.all()
    assert attachment.content_type == "application/pdf" and attachment.is_public and attachment.comment is None
    # the citizen's secret link shows it; someone without it gets 404
    from tickets.services import hash_secret

    Ticket.objects.filter(pk=ticket.pk).update(secret_hash=hash_secret("s3cret-link-value"))
    link = f"/t/{ticket.number}/s3cret-link-value/"
    page = client.get(link).content.decode()
    assert f"{link}files/{attachment.pk}/" in page
    assert client.get(f"{link}files/{attachment.pk}/").status_code == 200
    assert client.get(f"/t/{ticket.number}/wrong-secret-value/files/{attachment.pk}/").status_code == 404
    r = client.post(link, {"body": "photo of the error", "files": SimpleUploadedFile("p.jpg", png(), content_type="image/jpeg")})
    assert r.status_code == 302
    assert ticket.attachments.count() == 2


def test_citizen_reply_with_a_disguised_file_is_refused_and_kept(client, make_ticket, _media):
    from tickets.services import hash_secret

    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(secret_hash=hash_secret("s3cret-link-value"))
    r = client.post(f"/t/{ticket.number}/s3cret-link-value/", {
        "body": "my words", "files": SimpleUploadedFile("cat.png", EXE, content_type="image/png")})
    assert r.status_code == 400 and "cat.png is not an image" in r.content.decode() and "my words" in r.content.decode()
    assert not Comment.objects.filter(ticket=ticket).exists() and not stored(_media)


def test_internal_attachments_are_not_served_to_citizens_or_other_districts(client, agent, make_ticket, make_user, bastar,
                                                                             _media):
    from tickets.services import hash_secret

    ticket = make_ticket()
    client.force_login(agent)
    client.post(f"/tickets/{ticket.number}/update/", {**_form(client, ticket), "body": "internal screenshot",
                                                      "files": SimpleUploadedFile("s.png", png(), content_type="image/png")})
    attachment = Attachment.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(secret_hash=hash_secret("s3cret-link-value"))
    client.logout()
    assert client.get(f"/t/{ticket.number}/s3cret-link-value/files/{attachment.pk}/").status_code == 404
    assert client.get(f"/tickets/{ticket.number}/files/{attachment.pk}/").status_code == 302  # to login
    client.force_login(make_user("district_official", district=bastar))
    assert client.get(f"/tickets/{ticket.number}/files/{attachment.pk}/").status_code == 404
    client.force_login(UserFactory(role="vendor_engineer"))
    assert client.get(f"/tickets/{ticket.number}/files/{attachment.pk}/").status_code == 404
    client.force_login(make_user("district_official"))  # raipur: may see the ticket
    assert client.get(f"/tickets/{ticket.number}/files/{attachment.pk}/").status_code == 200


def test_too_many_files_refused(settings, client, agent, make_ticket, _media):
    settings.ATTACHMENT_MAX_FILES = 1
    ticket = make_ticket()
    client.force_login(agent)
    files = [SimpleUploadedFile(f"{i}.png", png(), content_type="image/png") for i in range(2)]
    r = client.post(f"/tickets/{ticket.number}/update/", {**_form(client, ticket), "body": "x", "files": files})
    assert r.status_code == 400 and not stored(_media)
