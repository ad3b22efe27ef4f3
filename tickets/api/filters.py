from __future__ import annotations

import datetime as dt

import django_filters as filters
from django import forms
from django_filters.fields import IsoDateTimeField

from tickets.models import Priority, Ticket, TicketStatus
from tickets.selectors import search_filter


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant that the database can store: years 2000-2100, offsets within ±14 h."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset() or dt.timedelta(0)
        if not (2000 <= parsed.year <= 2100) or abs(offset) > dt.timedelta(hours=14):
            raise forms.ValidationError("Give an instant between the years 2000 and 2100 with a real UTC offset.",
                                        code="out_of_range")
        return parsed


class BoundedIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class TicketFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    district = filters.NumberFilter(field_name="district_id")
    category = filters.CharFilter(field_name="category__code")
    assignee = filters.NumberFilter(field_name="assignee_id")
    unassigned = filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    created_after = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = filters.CharFilter(method="search", help_text="mobile (10 digits), ticket number or 14-digit reference")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def search(self, queryset, name, value):
        return search_filter(queryset, value)
