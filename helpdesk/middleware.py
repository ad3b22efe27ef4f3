import json

import csp.constants
import csp.middleware
import csp.utils
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from . import client, inputs
from .errors import error_page
from .exceptions import (
    BACKING_SERVICE_ERRORS,
    RETRY_AFTER_SECONDS,
    InvalidInput,
    backing_service_unavailable,
)


class InputGuardMiddleware:
    """The one input check (`helpdesk.inputs.check_request`), before every view, the fast path
    included: a refused request is a 400 with a message, as JSON on the API (CoWIN's envelope
    on its surface) and as a page in the visitor's language elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        client.bind(request)  # every log line of this request names its client
        try:
            inputs.check_request(request)
        except InvalidInput as exc:
            return self.refusal(request, exc)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The body is checked once the view is known: a batch view may declare that it checks
        # each record itself (inputs.checks_each_record).
        try:
            inputs.check_body(request, view_func)
        except InvalidInput as exc:
            return self.refusal(request, exc)
        return None

    @staticmethod
    def refusal(request, exc: InvalidInput) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/v2/"):
            return HttpResponse(json.dumps({"errorCode": "APPOIN0022", "error": exc.detail}), status=400,
                                content_type="application/json")
        if path.startswith("/api/"):
            return JsonResponse(exc.as_dict(), status=400)
        # Pages: LocaleMiddleware has not run yet; the message is in the visitor's language.
        with translation.override(translation.get_language_from_request(request)):
            return error_page(request, "bad_request", detail=_page_message(exc))


def _page_message(exc: InvalidInput) -> str:
    if exc.code == "invalid_encoding":
        return _("Part of what was sent is not correctly encoded text. Please check it and try again.")
    if exc.code == "invalid_header":
        return _("Your browser sent a malformed request. Please reload the page and try again.")
    if exc.code == "too_long":
        return _("Part of what was sent is too long. Please shorten it and try again.")
    return _("Part of what was sent contains characters that are not allowed. Please check it and try again.")


class BackingServiceMiddleware:
    """Pages (not the API, which has its own handler): a Redis outage is a 503 to retry, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BACKING_SERVICE_ERRORS):
            response = HttpResponse(backing_service_unavailable().detail, status=503,
                                    content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return None


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware with the site-wide policy built once per process.

    django-csp builds the header string from settings on every response (about a sixth of the
    CPU of a small API request here). The same policy, the same headers and the same rules:
    only a response without a nonce and without a per-view override (csp_update, csp_replace,
    csp_exempt decorators...) takes the string built the first time; every other response is
    django-csp's own code path."""

    _OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                  "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")
    _built: tuple | None = None  # (policy setting, report-only setting, (header, report-only header))

    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None
                or any(hasattr(response, name) for name in self._OVERRIDES)
                or (response.status_code in (500, 404) and settings.DEBUG)):
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        policy_ro = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        cached = self._built
        # Settings overridden (tests) are other objects: the cache holds the ones it was built from.
        if cached is None or cached[0] is not policy or cached[1] is not policy_ro:
            cached = CSPMiddleware._built = (policy, policy_ro, (csp.utils.build_policy(),
                                                                 csp.utils.build_policy(report_only=True)))
        built = cached[2]
        for header, value, conf in ((csp.constants.HEADER, built[0], policy or {}),
                                    (csp.constants.HEADER_REPORT_ONLY, built[1], policy_ro or {})):
            if value and header not in response and not request.path_info.startswith(
                    tuple(conf.get("EXCLUDE_URL_PREFIXES", None) or ())):
                response[header] = value
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
