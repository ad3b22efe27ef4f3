from csp.decorators import csp_exempt
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import health, metrics, navigation, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("start/", navigation.landing, name="landing"),
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The API documentation viewers bring inline scripts of their own: outside the site's CSP.
    path("api/docs/", csp_exempt()(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    path("api/redoc/", csp_exempt()(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    # Each app owns its pages (urls.py) and its API (api_urls.py).
    path("api/", include("tickets.api_urls")),
    path("api/", include("escalation.api_urls")),
    path("api/", include("live.api_urls")),
    path("api/", include("bookings.api_urls")),
    path("api/", include("bookings.offline.api_urls")),
    path("api/", include("reports.api_urls")),
    path("", include("tickets.urls")),
    path("", include("escalation.urls")),
    path("", include("live.urls")),
    path("", include("bookings.urls")),
    path("", include("bookings.offline.urls")),
    path("", include("reports.urls")),
    path("", include("desk.urls")),
]
# Error pages in the site's layout and language (API paths answer JSON): helpdesk/errors.py.
handler400 = "helpdesk.errors.bad_request"
handler403 = "helpdesk.errors.permission_denied"
handler404 = "helpdesk.errors.page_not_found"
handler500 = "helpdesk.errors.server_error"
