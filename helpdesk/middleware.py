import json

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
