from __future__ import annotations

import django_filters as filters

from tickets.models import Priority, Ticket, TicketStatus
from tickets.selectors import search_filter


class TicketFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    district = filters.NumberFilter(field_name="district_id")
    category = filters.CharFilter(field_name="category__code")
    assignee = filters.NumberFilter(field_name="assignee_id")
    unassigned = filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = filters.CharFilter(method="search", help_text="mobile (10 digits), ticket number or 14-digit reference")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def search(self, queryset, name, value):
        return search_filter(queryset, value)
