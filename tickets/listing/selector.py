"""The ticket list selector: scope, view, filters, search, sort, page. Used by the list page,
`GET /api/tickets/`, the CSV export and the bulk actions' "every ticket of this view"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import scope_tickets
from helpdesk.exceptions import NotFound
from tickets import intake
from tickets.models import Ticket

from . import search as text_search
from .params import SORT_KEYS, ListQuery, parse_list_query
from .saved import ViewDef, views_for

# Counting every match of a broad view at a million tickets costs more than the page itself;
# counts stop here and the page says "more than 1000".
COUNT_CAP = 1_000


def parse_for(user, params) -> tuple[ListQuery, dict[str, ViewDef]]:
    """Parse `params` with the values `user` may use (their views; districts; categories). A team
    view's stored filters apply under the parameters given."""
    views = views_for(user)
    raw_view = params.get("view") if hasattr(params, "get") else None
    defaults = None
    if isinstance(raw_view, str) and raw_view in views and views[raw_view].filters:
        defaults = {k: v for k, v in views[raw_view].filters.items() if k not in ("view", "page", "page_size")}
    query = parse_list_query(params, views=set(views), categories=set(intake.categories()),
                             districts=set(intake.districts()), defaults=defaults)
    return query, views


def ticket_list_query(*, user, query: ListQuery, views: dict[str, ViewDef] | None = None,
                      now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """The tickets `user` may see that match `query`, sorted (no page cut)."""
    views = views if views is not None else views_for(user)
    view = views[query.view]
    now = now or timezone.now()
    queryset = scope_tickets(user, Ticket.objects.select_related("district", "category", "assignee"))
    queryset = queryset.filter(view.condition(user, now))
    if query.status:
        queryset = queryset.filter(status__in=query.status)
    if query.priority:
        queryset = queryset.filter(priority__in=query.priority)
    if query.district is not None:
        queryset = queryset.filter(district_id=query.district)
    if query.category:
        queryset = queryset.filter(category__code=query.category)
    if query.assignee is not None:
        queryset = queryset.filter(assignee_id=query.assignee)
    if query.unassigned is not None:
        queryset = queryset.filter(assignee__isnull=query.unassigned)
    if query.channel:
        queryset = queryset.filter(channel=query.channel)
    if query.created_after:
        queryset = queryset.filter(created_at__gte=query.created_after)
    if query.created_before:
        queryset = queryset.filter(created_at__lt=query.created_before)
    if query.q:
        queryset = text_search.search(queryset, query.q)
    sort = query.sort if "sort" in query.explicit else (view.sort if query.sort == "-created" else query.sort)
    return queryset.order_by(*_ordering(sort))


def _ordering(sort: str) -> list[str]:
    descending = sort.startswith("-")
    columns = SORT_KEYS[sort.lstrip("-")]
    prefix = "-" if descending else ""
    # Ties broken by age, then id, so pages never overlap.
    tail = [] if columns == ("created_at",) else ["-created_at" if descending else "created_at"]
    return [prefix + c for c in columns] + tail + [prefix + "id"]


@dataclass
class ListPage:
    rows: list[Ticket]
    total: int
    capped: bool
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def ticket_list_page(queryset: QuerySet[Ticket], query: ListQuery) -> ListPage:
    """One page of `queryset` and the (capped) count. A page past the last is NotFound."""
    start = (query.page - 1) * query.page_size
    rows = list(queryset[start:start + query.page_size])
    if query.page == 1 and len(rows) < query.page_size:
        total = len(rows)  # the whole list is on this page: no count query
    else:
        # Counted along the list's order: the same index walk that found the page finds the
        # first COUNT_CAP + 1 matches (a common search term would otherwise be counted in full).
        total = queryset[:COUNT_CAP + 1].count()
    if not rows and query.page > 1:
        raise NotFound(_("There is no page %(page)s of this list.") % {"page": query.page})
    return ListPage(rows, min(total, COUNT_CAP), total > COUNT_CAP, query.page, query.page_size)
