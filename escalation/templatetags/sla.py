from django import template

from escalation.selectors import ticket_clocks

register = template.Library()


@register.inclusion_tag("escalation/_clocks.html")
def ticket_clocks_panel(ticket):
    """The ticket's SLA clocks: {% load sla %}{% ticket_clocks_panel ticket %}."""
    return {"clocks": ticket_clocks(ticket.pk)}
