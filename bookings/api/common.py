"""What the bookings API views share: the citizen permission, the parsers of their JSON fields
(strict: a JSON body's integers are JSON integers), the one way an appointment is answered."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import BasePermission

from accounts.models import District
from helpdesk import inputs, validation
from helpdesk.exceptions import InvalidInput

from .. import selectors
from .requests import REASON_MAX

TAG_CITIZEN = ["bookings: citizen"]
TAG_DESK = ["bookings: desk"]
TAG_PORTAL = ["bookings: portal"]
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                               description="a retry with the same key replays the first answer")


class IsCitizen(BasePermission):
    message = "Log in with an OTP first."

    def has_permission(self, request, view) -> bool:
        return request.auth is not None


def parse_uuid(raw, field: str):
    return validation.uuid_value(raw, field)


def body(request, serializer) -> dict[str, Any]:
    """The JSON object of the request; a field the operation does not declare is refused."""
    return inputs.body(request.data, allowed=serializer().get_fields())


def json_int(data: dict, name: str, *, required: bool = True, minimum: int = 1,
             maximum: int = inputs.MAX_INT, default: Any = None) -> int | None:
    """A JSON integer field (text, even of digits, is refused; null or absent is missing)."""
    raw = data.get(name, default)
    if isinstance(raw, str):
        raise InvalidInput(f"{name} must be a whole number from {minimum} to {maximum}.", code=f"invalid_{name}",
                           field=name)
    return inputs.integer(raw, name, required=required, minimum=minimum, maximum=maximum)


def reason(data: dict) -> str:
    """A staff reason: text of at most 300 characters as sent (the service strips it and
    refuses it empty)."""
    return inputs.text(data.get("reason"), "reason", max_len=REASON_MAX)


def district_by_cowin_id(raw, *, allow_text: bool = True) -> District:
    if not allow_text and isinstance(raw, str):
        raise InvalidInput("district_id must be a whole number.", code="invalid_district_id", field="district_id")
    value = inputs.integer(raw, "district_id", maximum=9999, allow_text=allow_text)
    district = District.objects.filter(cowin_id=value).first()
    if district is None:
        raise InvalidInput("No such district.", code="invalid_district_id", field="district_id")
    return district


def appointment_out(appointment) -> dict:
    appointment = selectors.appointment_for_staff_unscoped(appointment.appointment_id)
    return selectors.appointment_dict(appointment)
