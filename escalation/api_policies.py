"""SLA policies through the API (supervisors): create, read, update (partial). Tickets in flight
keep their snapshot; a policy is retired by `is_active: false`, never deleted (the ledger names it)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import District, Vendor
from accounts.permissions import IsSupervisor
from helpdesk.api import idempotent
from helpdesk.exceptions import NotFound
from tickets.models import Category, Priority, RequesterKind

from . import api, config
from .api import IDEMPOTENCY
from .api_config import ERRORS, Strict, _named
from .models import Calendar, ClockKind, Ladder, Policy

MINUTES = {"min_value": 1, "max_value": 525600}


class PolicyIn(Strict):
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(min_value=0, max_value=100000, required=False)
    is_active = serializers.BooleanField(required=False)
    is_fallback = serializers.BooleanField(required=False)
    priority = serializers.ChoiceField(choices=Priority.values, required=False, allow_null=True)
    category = serializers.CharField(max_length=64, required=False, allow_null=True, help_text="category code")
    district = serializers.CharField(max_length=64, required=False, allow_null=True, help_text="district code")
    requester_kind = serializers.ChoiceField(choices=RequesterKind.choices, required=False, allow_null=True)
    calendar = serializers.CharField(max_length=100, help_text="calendar name")
    first_response_minutes = serializers.IntegerField(**MINUTES)
    resolution_minutes = serializers.IntegerField(**MINUTES)
    vendor_ack_minutes = serializers.IntegerField(required=False, **MINUTES)
    vendor_restore_minutes = serializers.IntegerField(required=False, **MINUTES)
    eta_update_minutes = serializers.IntegerField(required=False, **MINUTES)
    warn_percent = serializers.IntegerField(min_value=1, max_value=99, required=False)
    warn_before_minutes = serializers.IntegerField(min_value=0, max_value=10080, required=False)
    ladder = serializers.CharField(max_length=100, required=False, allow_null=True, help_text="ladder name")
    escalate_clocks = serializers.ListField(child=serializers.ChoiceField(choices=ClockKind.choices), required=False,
                                            max_length=len(ClockKind.values))
    vendor = serializers.CharField(max_length=64, required=False, allow_null=True, help_text="vendor code")


class PolicyOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    is_active = serializers.BooleanField()
    is_fallback = serializers.BooleanField()
    priority = serializers.CharField(allow_null=True)
    category = serializers.CharField(source="category.code", allow_null=True, default=None)
    district = serializers.CharField(source="district.code", allow_null=True, default=None)
    requester_kind = serializers.CharField(allow_null=True)
    calendar = serializers.CharField(source="calendar.name")
    first_response_minutes = serializers.IntegerField()
    resolution_minutes = serializers.IntegerField()
    vendor_ack_minutes = serializers.IntegerField()
    vendor_restore_minutes = serializers.IntegerField()
    eta_update_minutes = serializers.IntegerField()
    warn_percent = serializers.IntegerField()
    warn_before_minutes = serializers.IntegerField()
    ladder = serializers.CharField(source="ladder.name", allow_null=True, default=None)
    escalate_clocks = serializers.ListField(child=serializers.CharField())
    vendor = serializers.CharField(source="vendor.code", allow_null=True, default=None)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["priority"] = data["priority"] or None
        data["requester_kind"] = data["requester_kind"] or None
        return data


REFERENCES = {"category": (Category, "code"), "district": (District, "code"), "calendar": (Calendar, "name"),
              "ladder": (Ladder, "name"), "vendor": (Vendor, "code")}


def _values(validated: dict) -> dict:
    """Serializer output -> model field values (names and codes resolved; empty choices as "")."""
    data = {}
    for field, value in validated.items():
        if field in REFERENCES:
            model, key = REFERENCES[field]
            data[field] = _named(model, key, value, field)
        elif field in ("priority", "requester_kind"):
            data[field] = value or ""
        else:
            data[field] = value
    return data


def _policy(pk: int) -> Policy:
    policy = Policy.objects.select_related("calendar", "ladder", "vendor", "category", "district").filter(pk=pk).first()
    if policy is None:
        raise NotFound(_("No such policy."))
    return policy


class PolicyCollection(api.PolicyList):
    parser_classes = [JSONParser]

    @extend_schema(summary="Create an SLA policy (supervisors)", parameters=[IDEMPOTENCY], request=PolicyIn,
                   responses={201: PolicyOut, **ERRORS},
                   examples=[OpenApiExample("P1 portal", request_only=True, value={
                       "name": "P1 portal down", "position": 5, "priority": "P1", "category": "portal_down",
                       "calendar": "24x7", "first_response_minutes": 15, "resolution_minutes": 240,
                       "vendor_ack_minutes": 15, "ladder": "standard", "vendor": "state-it"})])
    @idempotent
    def post(self, request):
        form = PolicyIn(data=request.data)
        form.is_valid(raise_exception=True)
        policy = config.policy_save(data=_values(form.validated_data))
        return Response(PolicyOut(_policy(policy.pk)).data, status=status.HTTP_201_CREATED)


class PolicyDetail(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [JSONParser]

    @extend_schema(summary="An SLA policy", operation_id="sla_policy_detail", responses={200: PolicyOut, 403: api.GENERIC, 404: api.GENERIC})
    def get(self, request, pk: int):
        return Response(PolicyOut(_policy(pk)).data)

    @extend_schema(summary="Change some fields of a policy (tickets in flight keep their snapshot)",
                   parameters=[IDEMPOTENCY], request=PolicyIn(partial=True), responses={200: PolicyOut, **ERRORS},
                   examples=[OpenApiExample("Retire", request_only=True, value={"is_active": False})])
    @idempotent
    def patch(self, request, pk: int):
        policy = _policy(pk)
        form = PolicyIn(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        config.policy_save(policy_id=policy.pk, data=_values(form.validated_data))
        return Response(PolicyOut(_policy(policy.pk)).data)
