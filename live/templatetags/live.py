"""{% load live %}{% open_incidents_banner ticket %}: the console's banner of open incidents,
with a one-click "link to this incident" button when a ticket is given."""

from django import template

from live import selectors

register = template.Library()


@register.inclusion_tag("live/_incident_banner.html", takes_context=True)
def open_incidents_banner(context, ticket=None):
    user = context.get("user")
    return {
        "incidents": selectors.open_incidents_for_banner() if user is not None and user.is_authenticated else [],
        "ticket": ticket, "user": user, "csrf_token": context.get("csrf_token"),
        "next": context["request"].get_full_path() if context.get("request") else "",
    }
