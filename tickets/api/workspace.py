"""API for the agent's tools: canned responses (read by the desk, managed by supervisors) and
ticket tags."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.permissions import IsDesk, IsSupervisor
from helpdesk import inputs
from helpdesk.api import idempotent
from helpdesk.exceptions import InvalidInput, NotFound
from tickets import canned, tags
from tickets.models import CannedResponse
from tickets.services import Actor

from . import requests, schemas
from .base import BaseView, StaffView

# tickets/tags.py: a tag is trimmed and lower-cased, each run of spaces inside becomes one dash, and
# then it is 1-40 letters, digits and dashes starting with a letter or digit. What it takes, as a
# pattern: a space run counts as one character; the control characters among the spaces (vertical
# tab, form feed...) are refused by the input guard.
_SPACE = "[^\\S\x0b\x0c\x1c-\x1f\x85]"
TAG_INPUT = f"^{_SPACE}*[A-Za-z0-9](?:[A-Za-z0-9-]|{_SPACE}+(?=[A-Za-z0-9-])){{0,39}}{_SPACE}*$"
TAGS_MAX = 20  # tags added or removed in one request

CANNED_EXAMPLE = {"id": 3, "title": "OTP delay", "body_en": "Ticket {number}: OTPs are delayed, expected fixed by {eta}.",
                  "body_hi": "टिकट {number}: OTP में देरी है, {eta} तक ठीक होने की उम्मीद।", "is_active": True,
                  "usage_count": 12, "last_used_at": None}


def canned_dict(item: CannedResponse) -> dict:
    return {"id": item.pk, "title": item.title, "body_en": item.body_en, "body_hi": item.body_hi,
            "is_active": item.is_active, "usage_count": item.usage_count,
            "last_used_at": item.last_used_at.isoformat() if item.last_used_at else None}


CannedIn = requests.CannedResponseIn


class CannedList(BaseView):
    def get_permissions(self):
        return [IsSupervisor()] if self.request.method == "POST" else [IsDesk()]

    @extend_schema(summary="Canned responses (desk staff); placeholders: " + ", ".join("{" + p + "}" for p in canned.PLACEHOLDERS),
                   responses={200: schemas.CannedResponseList},
                   examples=[OpenApiExample("List", response_only=True, value={"results": [CANNED_EXAMPLE]})])
    def get(self, request):
        items = CannedResponse.objects.order_by("-usage_count", "title")
        if request.query_params.get("all") != "1":
            items = items.filter(is_active=True)
        return Response({"results": [canned_dict(i) for i in items]})

    @extend_schema(summary="Create a canned response (supervisors); an unknown placeholder is 400",
                   request=CannedIn, responses={201: schemas.CannedResponseOut},
                   examples=[OpenApiExample("Create", request_only=True, value={
                       "title": "OTP delay", "body_en": CANNED_EXAMPLE["body_en"], "body_hi": CANNED_EXAMPLE["body_hi"]})])
    @idempotent
    def post(self, request):
        data = inputs.body(request.data, allowed={"title", "body_en", "body_hi", "is_active"},
                            required={"title", "body_en", "body_hi"})
        item = canned.canned_create(title=inputs.text(data.get("title"), "title", max_len=120),
                                    body_en=inputs.text(data.get("body_en"), "body_en", max_len=requests.CANNED_MAX),
                                    body_hi=inputs.text(data.get("body_hi"), "body_hi", max_len=requests.CANNED_MAX), actor=request.user,
                                    is_active=inputs.boolean(data.get("is_active"), "is_active", default=True))
        return Response(canned_dict(item), status=201)


class CannedDetail(BaseView):
    permission_classes = [IsSupervisor]

    @extend_schema(summary="Change a canned response (supervisors)", request=CannedIn, responses={200: schemas.CannedResponseOut})
    @idempotent
    def patch(self, request, pk: int):
        data = inputs.body(request.data, allowed={"title", "body_en", "body_hi", "is_active"})
        fields = {name: inputs.text(data.get(name), name, max_len=requests.CANNED_MAX if name != "title" else 120)
                  for name in ("title", "body_en", "body_hi") if name in data}
        if "is_active" in data:
            fields["is_active"] = inputs.boolean(data.get("is_active"), "is_active", default=True)
        if not CannedResponse.objects.filter(pk=pk).exists():
            raise NotFound(_("Canned response not found."))
        return Response(canned_dict(canned.canned_update(canned_id=pk, actor=request.user, **fields)))


class TicketTags(StaffView):
    @extend_schema(summary="Add or remove a ticket's tags (desk staff)",
                   request=inline_serializer("TagChange", {
                       "add": serializers.ListField(child=serializers.RegexField(TAG_INPUT), required=False,
                                                    max_length=TAGS_MAX),
                       "remove": serializers.ListField(child=serializers.RegexField(TAG_INPUT), required=False,
                                                       max_length=TAGS_MAX)}),
                   responses={200: schemas.TagsOut},
                   examples=[OpenApiExample("Tag", request_only=True, value={"add": ["sms-gateway"]})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"add", "remove"})
        actor = Actor.of(request.user)
        for key in ("add", "remove"):
            names = data.get(key, [])
            if not isinstance(names, list) or len(names) > TAGS_MAX:
                raise InvalidInput(_("%(field)s is a list of at most 20 tags.") % {"field": key}, code=f"invalid_{key}", field=key)
        for name in data.get("add", []):
            tags.ticket_tag_add(ticket_id=ticket.pk, name=name, actor=actor)
        for name in data.get("remove", []):
            tags.ticket_tag_remove(ticket_id=ticket.pk, name=name, actor=actor)
        return Response({"tags": tags.ticket_tags(ticket)})
