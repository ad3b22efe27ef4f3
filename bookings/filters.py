"""django-filter filter sets of the bookings list endpoints."""

from __future__ import annotations

import django_filters

from helpdesk import inputs, validation

from .models import Session


class CowinDateFilter(django_filters.CharFilter):
    """A dd-mm-yyyy date, parsed strictly (helpdesk.validation.cowin_date), as sent (not trimmed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, strip=False, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(date=validation.cowin_date(value))  # InvalidInput -> a clear 400


class IdFilter(django_filters.CharFilter):
    """A whole number 1 .. 2**53 - 1 in ASCII digits (helpdesk.inputs.integer), as sent: no sign,
    decimals or exponent (a number form field would take 1.5, -3 or 1e3)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, strip=False, **kwargs)

    def filter(self, qs, value):
        if value == "":
            return qs
        name = self.field_name.rsplit("__", 1)[-1]  # centre__center_id: the parameter center_id
        return qs.filter(**{self.field_name: inputs.integer(value, name, allow_text=True)})


class SessionFilter(django_filters.FilterSet):
    date = CowinDateFilter()
    center_id = IdFilter(field_name="centre__center_id")
    vaccine = django_filters.ChoiceFilter(choices=Session._meta.get_field("vaccine").choices)

    class Meta:
        model = Session
        fields = ["date", "center_id", "vaccine", "published"]
