"""{% load citizen %}{% rating_box ticket %}: the citizen's one-tap rating of a resolution."""

from django import template

from tickets import ratings

register = template.Library()


@register.inclusion_tag("tickets/_rating.html", takes_context=True)
def rating_box(context, ticket, action: str = "rate/"):
    rateable = ticket.status in ratings.RATEABLE
    return {"ticket": ticket, "rateable": rateable, "rating": ratings.current_rating(ticket) if rateable else None,
            "action": action, "csrf_token": context.get("csrf_token"), "scores": range(1, 6)}
