"""django-filter filter sets of the bookings list endpoints."""

from __future__ import annotations

import django_filters

from helpdesk import validation

from .models import Session


class CowinDateFilter(django_filters.CharFilter):
    """A dd-mm-yyyy date, parsed strictly (helpdesk.validation.cowin_date)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(date=validation.cowin_date(value))  # InvalidInput -> a clear 400


class SessionFilter(django_filters.FilterSet):
    date = CowinDateFilter()
    center_id = django_filters.NumberFilter(field_name="centre__center_id")
    vaccine = django_filters.ChoiceFilter(choices=Session._meta.get_field("vaccine").choices)

    class Meta:
        model = Session
        fields = ["date", "center_id", "vaccine", "published"]
