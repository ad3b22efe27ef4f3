"""The one read path of ticket lists: the page, the API, the CSV export and bulk selection all go
through `parse_list_query` (strict: an unknown view, filter value or sort key is a 400) and
`ticket_list_query` (the permission scope of accounts.permissions, then view, filters, search and
sort). See README "Ticket lists"."""

from .params import PAGE_SIZE_MAX, SORT_KEYS, ListQuery, parse_list_query
from .saved import BUILTIN_VIEWS, register_view, views_for
from .selector import COUNT_CAP, ListPage, parse_for, ticket_list_page, ticket_list_query

__all__ = [
    "BUILTIN_VIEWS", "COUNT_CAP", "ListPage", "parse_for", "PAGE_SIZE_MAX", "SORT_KEYS", "ListQuery", "parse_list_query", "register_view",
    "ticket_list_page", "ticket_list_query", "views_for",
]
