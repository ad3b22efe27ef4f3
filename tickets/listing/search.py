"""Search over number, mobile, reference, requester name, subject, description and comments, in
Hindi and English.

PostgreSQL: full-text search with the `simple` configuration (no stemming, so Devanagari and
English words are matched as written; each word also matches as a prefix: "regis" finds
"registration"), plus pg_trgm for partial numbers and names ("4321" finds a mobile ending in
4321, "mesh" finds Ramesh). Each condition has its own GIN index (migration 0004); the
matching ticket ids are the UNION of the ticket conditions and the comment condition, so each
branch uses its index. The embedded SQLite default matches each word with icontains.

A query that is exactly a ticket number, a mobile (any deliberate spelling: +91, spaces) or a
14-digit reference matches that column only (one index lookup)."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Expression, F, Func, Q, QuerySet, TextField
from django.utils.translation import gettext as _

from helpdesk import validation
from helpdesk.exceptions import InvalidInput
from tickets.models import Comment, Ticket
from tickets.numbers import normalise_number

_DIGITS14 = re.compile(r"^[0-9]{14}$")
_DIGITS = re.compile(r"^[0-9]{3,14}$")
_ALNUM = re.compile(r"^[A-Za-z0-9]{3,12}$")
# Split on whitespace and ASCII punctuation only: Devanagari vowel signs and viramas are not
# "word characters" to Python's \w and must stay inside their word.
_SPLIT = re.compile(r"[\s!-/:-@\[-`{-~]+")


class TicketDocument(Func):
    """to_tsvector('simple', name || ' ' || subject || ' ' || description): the indexed expression."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()


class CommentDocument(Func):
    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = TextField()


class Matches(Expression):
    """document @@ to_tsquery('simple', query): true when the document has every word."""

    output_field = BooleanField()

    def __init__(self, document: Func, query: str) -> None:
        super().__init__()
        self.document, self.query = document, query

    def get_source_expressions(self):
        return [self.document]

    def set_source_expressions(self, exprs):
        (self.document,) = exprs

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.document)
        return f"{sql} @@ to_tsquery('simple'::regconfig, %s)", [*params, self.query]


def words(q: str) -> list[str]:
    return [w for w in _SPLIT.split(q) if w][:12]


def _tsquery(terms: list[str]) -> str:
    """Every word, as a prefix: 'word':* & 'other':* (quoted, so no tsquery syntax gets through)."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "':*" for t in terms)


def exact_match(q: str) -> Q | None:
    """The column a number, mobile or reference typed in full points to."""
    text = q.strip()
    if _DIGITS14.match(text):
        return Q(registration_reference=text)
    number = normalise_number(text)
    if number is not None:
        return Q(number=number)
    try:
        return Q(requester_mobile=validation.mobile(text))
    except InvalidInput:
        return None


def search(queryset: QuerySet[Ticket], q: str) -> QuerySet[Ticket]:
    terms = words(q)
    if not terms:
        raise InvalidInput(_("Type at least one letter or digit to search."), code="invalid_q", field="q")
    exact = exact_match(q)
    if exact is not None:
        return queryset.filter(exact)
    if connection.vendor == "postgresql":
        return queryset.filter(pk__in=_postgres_ids(q, terms))
    return _fallback(queryset, terms)


def _postgres_ids(q: str, terms: list[str]):
    tsq = _tsquery(terms)
    doc = TicketDocument(F("requester_name"), F("subject"), F("description"))
    condition = Q(Matches(doc, tsq))
    compact = "".join(terms)
    if _DIGITS.match(compact):
        condition |= Q(requester_mobile__contains=compact) | Q(registration_reference__contains=compact)
    if _ALNUM.match(compact):
        condition |= Q(number__contains=compact.upper())
    if len(q.strip()) >= 3:
        condition |= Q(requester_name__icontains=q.strip())
    tickets = Ticket.objects.order_by().filter(condition).values("pk")
    comments = Comment.objects.order_by().filter(Matches(CommentDocument(F("body")), tsq)).values("ticket_id")
    return tickets.union(comments)


def _fallback(queryset: QuerySet[Ticket], terms: list[str]) -> QuerySet[Ticket]:
    for term in terms:
        in_comments = Comment.objects.filter(body__icontains=term).values("ticket_id")
        queryset = queryset.filter(
            Q(number__icontains=term) | Q(requester_mobile__contains=term) | Q(registration_reference__contains=term)
            | Q(requester_name__icontains=term) | Q(subject__icontains=term) | Q(description__icontains=term)
            | Q(pk__in=in_comments)
        )
    return queryset
