from django import template
from django.utils.translation import get_language

from reports import formatting

register = template.Library()


@register.filter
def inr_number(value, decimals=None):
    """{{ n|inr_number }}: Indian grouping on Hindi pages, international on English ones."""
    return formatting.format_number(value, get_language() or "en", None if decimals in (None, "") else int(decimals))


@register.filter
def inr_percent(value):
    return formatting.format_percent(value, get_language() or "en")


@register.filter
def minutes(value):
    return formatting.format_minutes(value, get_language() or "en")


@register.filter
def ist(value):
    return formatting.format_ist(value)


@register.filter
def cell(row, column):
    """A table cell formatted by its column kind: {{ row|cell:column }}."""
    value = row.get(column["key"]) if isinstance(row, dict) else None
    language = get_language() or "en"
    kind = column.get("kind", "text")
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind in ("int", "float"):
        return formatting.format_number(value, language)
    if kind == "percent":
        return formatting.format_percent(value, language)
    if kind == "minutes":
        return formatting.format_minutes(value, language)
    if kind == "datetime":
        import datetime as dt

        return formatting.format_ist(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)
    return value
