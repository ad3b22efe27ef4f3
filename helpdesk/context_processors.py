from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """What every page's layout shows: the helpline number."""
    return {"HELPLINE_NUMBER": settings.HELPLINE_NUMBER}
