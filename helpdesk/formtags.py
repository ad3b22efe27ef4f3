"""Inline form errors: `{% load forms %}` then, inside an input, `{% invalid "name" %}`, and
after it `{% field_error "name" %}`. Both read `field_errors` from the context
(helpdesk.forms.form_context)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def invalid(context, field: str) -> SafeString:
    """aria attributes of an input: invalid and described by its message, when it has one."""
    if field in (context.get("field_errors") or {}):
        return format_html(' aria-invalid="true" aria-describedby="{}-error"', field)
    return mark_safe("")


@register.simple_tag(takes_context=True)
def field_error(context, field: str) -> SafeString:
    """The message beside a field (empty when the field is fine)."""
    message = (context.get("field_errors") or {}).get(field)
    if not message:
        return mark_safe("")
    return format_html('<span class="field-error" id="{}-error"><span class="visually-hidden">{}</span> {}</span>',
                       field, _("Error:"), message)
