"""Search over number, mobile, reference, requester name, subject, description and comments, in
Hindi and English.

PostgreSQL: full-text search with the `simple` configuration (no stemming, so Devanagari and
English words are matched as written; each word also matches as a prefix: "regis" finds
"registration"), plus pg_trgm for partial numbers and names ("4321" finds a mobile ending in
4321, "mesh" finds Ramesh). Each condition has its own GIN index (migration 0004). A rare
term: the ids matching any condition (ticket or comment; UNION ALL, so each branch uses its
index) up to CANDIDATES, then the page by id. A common term: the page walks the list's order
(an index) and tests each row, which finds a page of matches after a few hundred rows. The
embedded SQLite default matches each word with icontains.

A query that is exactly a ticket number, a mobile (any deliberate spelling: +91, spaces) or a
14-digit reference matches that column only (one index lookup)."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
)
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


# A query matching more tickets than this is "common": instead of collecting every match and
# sorting them, the page walks the list's own order and tests each ticket (a few hundred rows
# read for a word in one complaint in ten, where collecting them would read a hundred thousand).
CANDIDATES = 2000


def search(queryset: QuerySet[Ticket], q: str) -> QuerySet[Ticket]:
    terms = words(q)
    if not terms:
        raise InvalidInput(_("Type at least one letter or digit to search."), code="invalid_q", field="q")
    exact = exact_match(q)
    if exact is not None:
        return queryset.filter(exact)
    if connection.vendor == "postgresql":
        return _postgres(queryset, q, terms)
    return _fallback(queryset, terms)


def _conditions(q: str, terms: list[str]) -> tuple[Q, QuerySet[Comment]]:
    """The ticket condition (words, partial numbers and names) and the matching comments."""
    tsq = _tsquery(terms)
    doc = TicketDocument(F("requester_name"), F("subject"), F("description"))
    condition = Q(Matches(doc, tsq))
    compact = "".join(terms)
    if _DIGITS.match(compact):
        condition |= Q(requester_mobile__contains=compact) | Q(registration_reference__contains=compact)
    if _ALNUM.match(compact) and len(compact) >= 4:
        condition |= Q(number__contains=compact.upper())
    if len(q.strip()) >= 3:
        condition |= Q(requester_name__icontains=q.strip())
    return condition, Comment.objects.order_by().filter(Matches(CommentDocument(F("body")), tsq))


def candidates(q: str) -> QuerySet:
    """Ids of the tickets matching `q` (with repeats: UNION ALL, each branch on its GIN index)."""
    condition, comments = _conditions(q, words(q))
    tickets = Ticket.objects.order_by().filter(condition).values_list("pk", flat=True)
    return tickets.union(comments.values_list("ticket_id", flat=True), all=True)


def _postgres(queryset: QuerySet[Ticket], q: str, terms: list[str]) -> QuerySet[Ticket]:
    found = list(candidates(q)[:CANDIDATES + 1])
    if len(found) <= CANDIDATES:  # a rare term: the page by id
        return queryset.filter(pk__in=sorted(set(found)))
    # A common term: the same conditions, tested along the list's own order.
    condition, comments = _conditions(q, terms)
    return queryset.filter(condition | Q(Exists(comments.filter(ticket_id=OuterRef("pk")))))


def _fallback(queryset: QuerySet[Ticket], terms: list[str]) -> QuerySet[Ticket]:
    for term in terms:
        in_comments = Comment.objects.filter(body__icontains=term).values("ticket_id")
        queryset = queryset.filter(
            Q(number__icontains=term) | Q(requester_mobile__contains=term) | Q(registration_reference__contains=term)
            | Q(requester_name__icontains=term) | Q(subject__icontains=term) | Q(description__icontains=term)
            | Q(pk__in=in_comments)
        )
    return queryset
