from django import template

from bookings.models import AppointmentStatus

register = template.Library()
_LABELS = dict(AppointmentStatus.choices)


@register.filter
def appointment_status(value: str) -> str:
    """The appointment status in the page's language ("booked" -> "Booked" / "बुक है")."""
    return str(_LABELS.get(value, value))
