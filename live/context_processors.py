from django.conf import settings


def live(request) -> dict:
    """Where live.js opens websockets (empty: the page's own host)."""
    return {"WS_PUBLIC_URL": settings.WS_PUBLIC_URL}
