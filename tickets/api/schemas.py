"""The shapes the tickets API answers with, for the schema (drf-spectacular reads these): each is
exactly what tickets/api/representation.py builds. The views keep building plain dicts on the hot
paths; the fuzz tests from outside check every answer against these declarations."""

from __future__ import annotations

from rest_framework import serializers as s


class DistrictRef(s.Serializer):
    id = s.IntegerField()
    code = s.CharField()
    name = s.CharField()


class CategoryRef(s.Serializer):
    code = s.CharField()
    name = s.CharField()


class UserRef(s.Serializer):
    id = s.IntegerField()
    username = s.CharField()


class TicketOut(s.Serializer):
    id = s.IntegerField()
    number = s.CharField(help_text="8 characters; shown as XXXX-XXXX (display_number)")
    display_number = s.CharField()
    status = s.CharField()
    priority = s.CharField()
    channel = s.CharField()
    requester_kind = s.CharField()
    district = DistrictRef()
    category = CategoryRef()
    assignee = UserRef(allow_null=True)
    subject = s.CharField(allow_blank=True)
    description = s.CharField(allow_blank=True)
    requester_name = s.CharField(allow_blank=True)
    requester_mobile = s.CharField(allow_blank=True, help_text="masked: ******4321")
    registration_reference = s.CharField(allow_blank=True)
    incident_id = s.IntegerField(allow_null=True)
    vendor_id = s.IntegerField(allow_null=True)
    merged_into_id = s.IntegerField(allow_null=True)
    chased_count = s.IntegerField()
    reopened_count = s.IntegerField()
    version = s.IntegerField(help_text="send back as expected_version to refuse a stale write (409)")
    created_at = s.DateTimeField()
    updated_at = s.DateTimeField()
    first_response_at = s.DateTimeField(allow_null=True)
    resolved_at = s.DateTimeField(allow_null=True)
    closed_at = s.DateTimeField(allow_null=True)


class TicketPage(s.Serializer):
    count = s.IntegerField()
    count_capped = s.BooleanField(help_text="true: count stopped at the cap; there are more")
    view = s.CharField(allow_null=True, allow_blank=True)
    sort = s.CharField(allow_null=True, allow_blank=True)
    next = s.URLField(allow_null=True)
    previous = s.URLField(allow_null=True)
    results = TicketOut(many=True)


class TicketCreated(s.Serializer):
    created = s.BooleanField(help_text="false: the same complaint was already open (deduplicated)")
    ticket = TicketOut()


class CommentOut(s.Serializer):
    id = s.IntegerField()
    author_kind = s.CharField()
    author = s.CharField(allow_null=True)
    is_public = s.BooleanField()
    channel = s.CharField()
    body = s.CharField(allow_blank=True)
    created_at = s.DateTimeField()


class CommentList(s.Serializer):
    results = CommentOut(many=True)


class EventOut(s.Serializer):
    id = s.IntegerField()
    kind = s.CharField()
    actor = s.CharField(allow_null=True, allow_blank=True)
    from_ = s.CharField(allow_null=True, allow_blank=True)
    to = s.CharField(allow_null=True, allow_blank=True)
    payload = s.JSONField()
    is_public = s.BooleanField()
    created_at = s.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class EventList(s.Serializer):
    results = EventOut(many=True)


class PublicComment(s.Serializer):
    id = s.IntegerField()
    from_ = s.CharField(help_text="citizen or helpdesk")
    body = s.CharField(allow_blank=True)
    created_at = s.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class PublicTicketOut(s.Serializer):
    number = s.CharField()
    display_number = s.CharField()
    status = s.CharField()
    status_label = s.CharField()
    category = s.CharField()
    district = s.CharField()
    created_at = s.DateTimeField()
    merged_into = s.CharField(allow_null=True)
    comments = PublicComment(many=True)


class PublicTicketCreated(s.Serializer):
    created = s.BooleanField()
    number = s.CharField(required=False, help_text="when created")
    display_number = s.CharField(required=False, help_text="when created")
    detail = s.CharField(required=False, help_text="when added to an open complaint of the same mobile")


class CategoryOut(s.Serializer):
    code = s.CharField()
    name_en = s.CharField()
    name_hi = s.CharField()
    default_priority = s.CharField()


class CategoryList(s.Serializer):
    results = CategoryOut(many=True)


class SmsInboundOut(s.Serializer):
    action = s.CharField(help_text="what the message did, e.g. status_sent, comment_added")


class CallerLookupOut(s.Serializer):
    matched_by = s.CharField(help_text="mobile, number or reference")
    open = s.ListField(child=s.CharField(), help_text="numbers of the open tickets among the results")
    results = TicketOut(many=True)


class BulkResultOut(s.Serializer):
    number = s.CharField()
    ok = s.BooleanField()
    code = s.CharField(help_text="ok, or why this ticket was refused (e.g. not_found, invalid_transition)")
    detail = s.CharField(allow_blank=True)


class TicketBulkOut(s.Serializer):
    action = s.CharField()
    ok = s.IntegerField(help_text="tickets changed")
    refused = s.IntegerField(help_text="tickets refused, each with its reason in results")
    results = BulkResultOut(many=True)


class SavedViewOut(s.Serializer):
    key = s.CharField(help_text="the `view` parameter of GET /api/tickets/: a built-in view or team-<id>")
    label = s.CharField()
    team = s.BooleanField()
    filters = s.DictField(help_text="the list parameters the view applies (a team view's)")


class SavedViewList(s.Serializer):
    results = SavedViewOut(many=True)


class CannedResponseOut(s.Serializer):
    id = s.IntegerField()
    title = s.CharField()
    body_en = s.CharField(allow_blank=True)
    body_hi = s.CharField(allow_blank=True)
    is_active = s.BooleanField()
    usage_count = s.IntegerField()
    last_used_at = s.DateTimeField(allow_null=True)


class CannedResponseList(s.Serializer):
    results = CannedResponseOut(many=True)


class TagsOut(s.Serializer):
    tags = s.ListField(child=s.CharField())
