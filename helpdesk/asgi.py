"""ASGI entry point: websockets (and, on the embedded default, HTTP too)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("HELPDESK_SERVER", "asgi")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.sockets import SecondFactorSocketMiddleware  # noqa: E402
from helpdesk.warmup import freeze_after_startup  # noqa: E402
from live.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin validated against ALLOWED_HOSTS; the session authenticates the user. Consumers
        # decide per socket whether an anonymous user is allowed (only the public status one). A
        # session that still owes its second factor opens no socket (accounts.sockets).
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(
            SecondFactorSocketMiddleware(URLRouter(websocket_urlpatterns)))),
    }
)
freeze_after_startup()
