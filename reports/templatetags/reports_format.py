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
