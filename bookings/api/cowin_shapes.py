"""The shapes CoWIN's public read API answers with (bookings/cowin.py builds them as JSON bytes),
kept exactly as CoWIN names them, for the schema."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers as s

from .schemas import _Renamed


class CowinState(s.Serializer):
    state_id = s.IntegerField()
    state_name = s.CharField()


class CowinStates(s.Serializer):
    states = CowinState(many=True)
    ttl = s.IntegerField(help_text="hours")


class CowinDistrict(s.Serializer):
    district_id = s.IntegerField()
    district_name = s.CharField()


class CowinDistricts(s.Serializer):
    districts = CowinDistrict(many=True, help_text="empty for another state")
    ttl = s.IntegerField(help_text="hours")


class CowinCentre(_Renamed):
    center_id = s.IntegerField()
    name = s.CharField()
    address = s.CharField(allow_blank=True)
    state_name = s.CharField()
    district_name = s.CharField()
    block_name = s.CharField(allow_blank=True)
    pincode = s.IntegerField()
    lat = s.FloatField()
    long = s.FloatField()
    from_ = s.CharField(help_text="opens, HH:MM:SS")
    to_ = s.CharField(help_text="closes, HH:MM:SS")
    fee_type = s.CharField(help_text="Free or Paid")


class _SessionFields(s.Serializer):
    session_id = s.UUIDField()
    date = s.CharField(help_text="dd-mm-yyyy")
    available_capacity = s.IntegerField()
    available_capacity_dose1 = s.IntegerField()
    available_capacity_dose2 = s.IntegerField()
    min_age_limit = s.IntegerField()
    max_age_limit = s.IntegerField(required=False, help_text="only when the session has one")
    vaccine = s.CharField()
    slots = s.ListField(child=s.CharField())


class CowinSession(_SessionFields):
    pass


class CowinFoundSession(CowinCentre, _SessionFields):
    fee = s.CharField(allow_blank=True, help_text='"0" when free')


class CowinFound(s.Serializer):
    sessions = CowinFoundSession(many=True)


class CowinCalendarCentre(CowinCentre):
    sessions = CowinSession(many=True)


class CowinCalendar(s.Serializer):
    centers = CowinCalendarCentre(many=True)


@extend_schema_field({"oneOf": [{"$ref": "#/components/schemas/CowinCalendarCentre"},
                                {"type": "object", "maxProperties": 0}]})
class _OneCentreOrNone(s.DictField):
    """calendarByCenter's `centers`: the one centre with its sessions, or {} when it has none."""


class CowinCentreCalendar(s.Serializer):
    centers = _OneCentreOrNone()


class CowinNearCentre(s.Serializer):
    center_id = s.IntegerField()
    name = s.CharField()
    name_l = s.CharField(allow_blank=True)
    address = s.CharField(allow_blank=True)
    address_l = s.CharField(allow_blank=True)
    state_name = s.CharField()
    state_name_l = s.CharField()
    district_name = s.CharField()
    district_name_l = s.CharField(allow_blank=True)
    block_name = s.CharField(allow_blank=True)
    block_name_l = s.CharField(allow_blank=True)
    pincode = s.CharField()
    lat = s.CharField(help_text="decimal degrees, as text")
    long = s.CharField(help_text="decimal degrees, as text")


class CowinNear(s.Serializer):
    centers = CowinNearCentre(many=True)
    ttl = s.IntegerField(help_text="hours")
