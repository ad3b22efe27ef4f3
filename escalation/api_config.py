"""Configuration through the API, for supervisors (the department keeps ladders, rotations with
their overrides and SLA policies as configuration): typed request and response serializers, the
same services and checks as the admin. Others get 403; an unknown id is 404. POST/PUT/PATCH
take an Idempotency-Key. People, vendors, calendars, ladders, categories and districts are named
by username, code or name, so a configuration file reads as it means."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User, Vendor
from accounts.permissions import IsSupervisor
from helpdesk.api import idempotent
from helpdesk.api.text import stripped_text
from helpdesk.exceptions import InvalidInput, NotFound

from . import api, config, oncall, people, rotations
from .api import IDEMPOTENCY
from .api_schemas import InstantField, LadderOut
from .models import Ladder, OnCallRotation, RotationOverride, TargetKind
from .people import CHANNELS

ERRORS = {400: api.GENERIC, 403: api.GENERIC, 404: api.GENERIC, 409: api.GENERIC, 422: api.GENERIC}


class Strict(serializers.Serializer):
    """Unknown fields are an error, never silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


def _named(model, field: str, value, label: str):
    """The row whose `field` is `value`, or a 400 on `label`."""
    if value in (None, ""):
        return None
    row = model.objects.filter(**{field: value}).first()
    if row is None:
        raise InvalidInput(_("Unknown %(what)s: %(value)s.") % {"what": label, "value": str(value)[:100]},
                           code="unknown_reference", field=label)
    return row


# --- Ladders --------------------------------------------------------------------------------------
class LevelIn(Strict):
    level = serializers.IntegerField(min_value=1, max_value=50)
    offset_minutes = serializers.IntegerField(min_value=-10080, max_value=100000)
    targets = serializers.ListField(child=serializers.ChoiceField(choices=TargetKind.choices), min_length=1,
                                    max_length=len(TargetKind.values))
    channels = serializers.ListField(child=serializers.ChoiceField(choices=list(CHANNELS)), max_length=len(CHANNELS),
                                     required=False, default=list)
    requires_ack = serializers.BooleanField(required=False, default=True)


class LadderIn(Strict):
    name = stripped_text(100, help_text="unique; spaces around it are dropped")
    repeat_every_minutes = serializers.IntegerField(min_value=1, max_value=10080, required=False, allow_null=True,
                                                    default=None)
    max_loops = serializers.IntegerField(min_value=1, max_value=20, required=False, default=1)
    levels = serializers.ListField(child=LevelIn(), min_length=1, max_length=20)


LADDER_EXAMPLE = {"name": "portal P1", "repeat_every_minutes": 60, "max_loops": 2, "levels": [
    {"level": 1, "offset_minutes": 0, "targets": ["on_call"], "channels": ["sms", "voice"]},
    {"level": 2, "offset_minutes": 15, "targets": ["responsible_officer"], "channels": ["sms", "email"]}]}


def _save_ladder(request, ladder_id=None) -> Ladder:
    form = LadderIn(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    levels = [config.LevelSpec(lv["level"], lv["offset_minutes"], lv["targets"], lv["channels"], lv["requires_ack"])
              for lv in data["levels"]]
    return config.ladder_save(ladder_id=ladder_id, name=data["name"], repeat_every_minutes=data["repeat_every_minutes"],
                              max_loops=data["max_loops"], levels=levels)


class LadderCollection(api.LadderList):
    parser_classes = [JSONParser]

    @extend_schema(summary="Create an escalation ladder with its levels (supervisors)", parameters=[IDEMPOTENCY],
                   request=LadderIn, responses={201: LadderOut, **ERRORS},
                   examples=[OpenApiExample("Ladder", request_only=True, value=LADDER_EXAMPLE)])
    @idempotent
    def post(self, request):
        return Response(LadderOut(_save_ladder(request)).data, status=status.HTTP_201_CREATED)


class LadderDetail(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [JSONParser]

    def _get(self, pk: int) -> Ladder:
        ladder = Ladder.objects.filter(pk=pk).prefetch_related("levels").first()
        if ladder is None:
            raise NotFound(_("No such ladder."))
        return ladder

    @extend_schema(summary="An escalation ladder", operation_id="sla_ladder_detail", responses={200: LadderOut, 403: api.GENERIC, 404: api.GENERIC})
    def get(self, request, pk: int):
        return Response(LadderOut(self._get(pk)).data)

    @extend_schema(summary="Replace a ladder's settings and levels (tickets in flight keep their snapshot)",
                   parameters=[IDEMPOTENCY], request=LadderIn, responses={200: LadderOut, **ERRORS})
    @idempotent
    def put(self, request, pk: int):
        ladder = _save_ladder(request, ladder_id=self._get(pk).pk)
        return Response(LadderOut(self._get(ladder.pk)).data)

    @extend_schema(summary="Delete a ladder no policy uses", request=None,
                   responses={204: None, 403: api.GENERIC, 404: api.GENERIC, 409: api.GENERIC})
    def delete(self, request, pk: int):
        config.ladder_delete(ladder_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LadderTestOut(serializers.Serializer):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    sent = serializers.ListField(child=serializers.DictField())
    unreachable = serializers.ListField(child=serializers.DictField())


class LadderTest(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [JSONParser]

    @extend_schema(summary="Test a ladder: a marked TEST message to each level's people now (not an escalation)",
                   parameters=[IDEMPOTENCY], request=None,
                   responses={201: LadderTestOut, 403: api.GENERIC, 404: api.GENERIC})
    @idempotent
    def post(self, request, pk: int):
        run = config.ladder_test(ladder_id=pk, actor=request.user)
        return Response(LadderTestOut(run).data, status=status.HTTP_201_CREATED)


# --- Rotations and overrides ----------------------------------------------------------------------
class RotationIn(Strict):
    name = serializers.CharField(max_length=100)
    vendor = serializers.CharField(max_length=64, help_text="vendor code")
    starts_at = serializers.DateTimeField(help_text="ISO 8601; without an offset it is IST")
    shift_hours = serializers.IntegerField(min_value=1, max_value=168)
    is_active = serializers.BooleanField(required=False, default=True)
    members = serializers.ListField(child=serializers.CharField(max_length=150), max_length=50,
                                    help_text="usernames, in turn order")


class OverrideIn(Strict):
    user = serializers.CharField(max_length=150, help_text="username of the person who covers")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class OverrideOut(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    starts_at = InstantField()
    ends_at = InstantField()
    reason = serializers.CharField()


class ShiftOut(serializers.Serializer):
    user = serializers.CharField(allow_null=True)
    starts_at = InstantField(allow_null=True)
    ends_at = InstantField()
    override = serializers.BooleanField()


class RotationOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    vendor = serializers.CharField(source="vendor.code")
    starts_at = InstantField()
    shift_hours = serializers.IntegerField()
    is_active = serializers.BooleanField()
    members = serializers.SerializerMethodField()
    overrides = serializers.SerializerMethodField()
    on_call_now = serializers.SerializerMethodField()
    on_call_next = serializers.SerializerMethodField()

    def _plan(self, obj):
        if not hasattr(obj, "_plan"):
            now = timezone.now()
            plan = people.rotation_plan(obj, now)
            obj._plan = (plan, *rotations.now_and_next(plan.turns, plan.overrides, now))
        return obj._plan

    def _shift(self, plan, shift):
        if shift is None:
            return None
        user = plan.users.get(shift.user_id) if shift.user_id else None
        return ShiftOut({"user": user.username if user else None,
                         "starts_at": shift.starts_at if shift.starts_at.year > 1 else None,
                         "ends_at": shift.ends_at, "override": shift.override_id is not None}).data

    def get_members(self, obj) -> list[str]:
        return [m.user.username for m in obj.members.select_related("user").order_by("position")]

    @extend_schema_field(OverrideOut(many=True))
    def get_overrides(self, obj) -> list[dict]:
        rows = obj.overrides.select_related("user").filter(ends_at__gt=timezone.now()).order_by("starts_at")
        return OverrideOut(rows, many=True).data

    @extend_schema_field(ShiftOut(allow_null=True))
    def get_on_call_now(self, obj):
        plan, current, _next = self._plan(obj)
        return self._shift(plan, current)

    @extend_schema_field(ShiftOut(allow_null=True))
    def get_on_call_next(self, obj):
        plan, _current, upcoming = self._plan(obj)
        return self._shift(plan, upcoming)


def _rotation(pk: int) -> OnCallRotation:
    rotation = OnCallRotation.objects.select_related("vendor").filter(pk=pk).first()
    if rotation is None:
        raise NotFound(_("No such rotation."))
    return rotation


def _save_rotation(request, rotation_id=None) -> OnCallRotation:
    form = RotationIn(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    vendor = _named(Vendor, "code", data["vendor"], "vendor")
    users = {u.username: u for u in User.objects.filter(username__in=data["members"])}
    missing = [name for name in data["members"] if name not in users]
    if missing:
        raise InvalidInput(_("Unknown people: %(names)s.") % {"names": ", ".join(missing[:10])},
                           code="unknown_user", field="members")
    rotation = oncall.rotation_save(rotation_id=rotation_id, vendor_id=vendor.pk, name=data["name"],
                                    starts_at=data["starts_at"], shift_hours=data["shift_hours"],
                                    is_active=data["is_active"], member_ids=[users[n].pk for n in data["members"]])
    return _rotation(rotation.pk)


ROTATION_EXAMPLE = {"name": "portal engineers", "vendor": "state-it", "starts_at": "2026-05-04T08:00:00+05:30",
                    "shift_hours": 12, "members": ["engineer", "engineer2"]}


class RotationCollection(api.RotationList):
    parser_classes = [JSONParser]

    @extend_schema(summary="Create an on-call rotation (supervisors)", parameters=[IDEMPOTENCY], request=RotationIn,
                   responses={201: RotationOut, **ERRORS},
                   examples=[OpenApiExample("Rotation", request_only=True, value=ROTATION_EXAMPLE)])
    @idempotent
    def post(self, request):
        return Response(RotationOut(_save_rotation(request)).data, status=status.HTTP_201_CREATED)


class RotationDetail(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [JSONParser]

    @extend_schema(summary="An on-call rotation: members, coming overrides, who is on call now and next",
                   operation_id="sla_rotation_detail",
                   responses={200: RotationOut, 403: api.GENERIC, 404: api.GENERIC})
    def get(self, request, pk: int):
        return Response(RotationOut(_rotation(pk)).data)

    @extend_schema(summary="Replace a rotation's settings and members", parameters=[IDEMPOTENCY], request=RotationIn,
                   responses={200: RotationOut, **ERRORS})
    @idempotent
    def put(self, request, pk: int):
        return Response(RotationOut(_save_rotation(request, rotation_id=_rotation(pk).pk)).data)


class OverrideCollection(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [JSONParser]

    @extend_schema(summary="A rotation's overrides that have not ended", responses={200: OverrideOut(many=True),
                                                                                     403: api.GENERIC, 404: api.GENERIC})
    def get(self, request, pk: int):
        rotation = _rotation(pk)
        rows = rotation.overrides.select_related("user").filter(ends_at__gt=timezone.now()).order_by("starts_at")
        return Response(OverrideOut(rows, many=True).data)

    @extend_schema(summary="Cover or swap: put a person of the vendor on call over an interval", parameters=[IDEMPOTENCY],
                   request=OverrideIn, responses={201: OverrideOut, **ERRORS},
                   examples=[OpenApiExample("Neha covers Friday night", request_only=True, value={
                       "user": "engineer2", "starts_at": "2026-05-08T20:00:00+05:30",
                       "ends_at": "2026-05-09T08:00:00+05:30", "reason": "covers for engineer"})])
    @idempotent
    def post(self, request, pk: int):
        rotation = _rotation(pk)
        form = OverrideIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = User.objects.filter(username=data["user"]).first()
        if user is None:
            raise InvalidInput(_("No such person."), code="unknown_user", field="user")
        override = oncall.rotation_override_create(rotation_id=rotation.pk, user_id=user.pk, starts_at=data["starts_at"],
                                                   ends_at=data["ends_at"], reason=data["reason"], actor=request.user)
        return Response(OverrideOut(RotationOverride.objects.select_related("user").get(pk=override.pk)).data,
                        status=status.HTTP_201_CREATED)


class OverrideDetail(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(summary="Remove an override (the turns apply again)", request=None,
                   responses={204: None, 403: api.GENERIC, 404: api.GENERIC})
    def delete(self, request, pk: int, override_id: int):
        oncall.rotation_override_delete(rotation_id=_rotation(pk).pk, override_id=override_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
