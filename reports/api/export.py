"""The ticket export: a year of rows, streamed as CSV, cursor-paginated as JSON."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from helpdesk import inputs
from helpdesk.exceptions import InvalidInput
from tickets.models import Category, Channel, Priority, TicketStatus

from .. import selectors
from ..scope import resolve_scope
from . import schemas
from .base import PERIOD_PARAMS, ReportView

MAX_FILTER_VALUES = 50
_LIST_FILTERS = {
    "status": TicketStatus.values,
    "priority": Priority.values,
    "channel": Channel.values,
}


def ticket_filters(request) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for name, allowed in [*_LIST_FILTERS.items(), ("category", None)]:
        value = inputs.one(request.query_params, name, required=False)  # a list is comma-separated
        if not value:
            continue
        items = [item.strip() for item in value.split(",") if item.strip()]
        if len(items) > MAX_FILTER_VALUES or any(len(item) > 64 for item in items):
            raise InvalidInput(_("Unknown value for %(name)s.") % {"name": name}, code=f"invalid_{name}", field=name)
        if allowed is None:
            allowed = set(Category.objects.filter(code__in=items).values_list("code", flat=True))
        if not items or any(item not in allowed for item in items):
            raise InvalidInput(_("Unknown value for %(name)s.") % {"name": name}, code=f"invalid_{name}", field=name)
        filters[name] = items
    return filters


def _list_param(name: str, items: dict) -> OpenApiParameter:
    """A comma-separated list (`?status=new,assigned`); empty: no filter."""
    return OpenApiParameter(name, {"type": "array", "items": items, "maxItems": MAX_FILTER_VALUES},
                            style="form", explode=False, description=f"Comma-separated {name} values; any of them.")


TICKET_FILTER_PARAMS = [
    *[_list_param(name, {"type": "string", "enum": list(allowed)}) for name, allowed in _LIST_FILTERS.items()],
    # Category codes are slugs (tickets.Category.code); each must name a category.
    _list_param("category", {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 64}),
    OpenApiParameter("cursor", str, description="Another page: the cursor in `next` or `previous` "
                     "(an unknown cursor: 404)."),
]


class TicketCursor(CursorPagination):
    ordering = ("created_at", "id")
    page_size = 100


@extend_schema(tags=["reports"], parameters=[*PERIOD_PARAMS, *TICKET_FILTER_PARAMS],
               responses={200: schemas.TicketsTableOut},
               summary="Tickets opened in the period, with filters (cursor-paginated)")
class TicketsTable(ReportView):
    window = "period"

    def build(self, request, scope, window, now):
        return selectors.ticket_export(scope, window, ticket_filters(request))

    def get(self, request, *args, **kwargs):
        if self.csv:
            return super().get(request, *args, **kwargs)
        scope = resolve_scope(request.user, request.query_params)
        window = self.window_of(request)
        queryset = selectors.ticket_export_queryset(scope, window, ticket_filters(request))
        paginator = TicketCursor()
        page = paginator.paginate_queryset(queryset, request, view=self)
        table = selectors.ticket_export(scope, window, {}, rows=page)
        data = table.as_json()
        data["scope"] = scope.as_dict()
        data["next"] = paginator.get_next_link()
        data["previous"] = paginator.get_previous_link()
        return Response(data)
