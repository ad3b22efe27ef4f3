import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("HELPDESK_SERVER", "wsgi")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from helpdesk.warmup import freeze_after_startup  # noqa: E402

application = get_wsgi_application()
freeze_after_startup()
