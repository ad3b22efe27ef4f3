"""Error pages for people (400, 403, 404, 429, 500 and dead links) in the site's layout and the
page's language, with what to do next and the helpline number. API paths keep JSON answers.

`error_page()` is what page views call; the `handler*` functions are Django's hooks
(helpdesk/urls.py) for errors nothing else caught.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from helpdesk.exceptions import (
    BACKING_SERVICE_ERRORS,
    RETRY_AFTER_SECONDS,
    backing_service_unavailable,
)

log = logging.getLogger(__name__)

# kind -> (status, title, what happened, what to do next)
KINDS = {
    "bad_request": (400, lambda: _("We could not read that request"),
                    lambda: _("Something in the address or the form was not valid."),
                    lambda: _("Go back, check what you typed and try again.")),
    "forbidden": (403, lambda: _("You cannot open this page"),
                  lambda: _("This page is not open to you, or the form on it was too old to send."),
                  lambda: _("Go back to the home page and try again. Staff: log in with your own account.")),
    "not_found": (404, lambda: _("Page not found"),
                  lambda: _("There is no page at this address. It may have been typed or copied wrongly."),
                  lambda: _("Check the address, or start again from the home page.")),
    "link": (404, lambda: _("This link does not work"),
             lambda: _("The link is incomplete, has been changed, or has expired."),
             lambda: _("Open the link exactly as it came in the SMS, or look up your complaint with its number and your mobile number.")),
    "throttled": (429, lambda: _("Too many attempts"),
                  lambda: _("We received too many requests from you in a short time."),
                  lambda: _("Wait a little and try again.")),
    "server_error": (500, lambda: _("Something went wrong on our side"),
                     lambda: _("The helpdesk could not finish your request. Nothing you typed was saved by this attempt."),
                     lambda: _("Try again in a few minutes. If it keeps happening, call the helpline.")),
}


def _render(request: HttpRequest | None, kind: str, *, retry_after: int | None = None, detail: str = "",
            status: int | None = None) -> HttpResponse:
    code, title, what, next_step = KINDS[kind]
    context = {"status": code, "kind": kind, "title": title(), "what": detail or what(), "next_step": next_step(),
               "retry_after": retry_after, "HELPLINE_NUMBER": settings.HELPLINE_NUMBER}
    if kind == "server_error":
        # No request context: the database or the session may be what failed.
        html = loader.get_template("errors/page.html").render(context)
    else:
        html = loader.render_to_string("errors/page.html", context, request)
    response = HttpResponse(html, status=status or code)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def error_page(request: HttpRequest, kind: str, *, retry_after: int | None = None, detail: str = "") -> HttpResponse:
    """The error page of `kind` (a key of KINDS) with its status code."""
    return _render(request, kind, retry_after=retry_after, detail=detail)


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"code": "bad_request", "detail": "Bad request."}, status=400)
    return _render(request, "bad_request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"code": "forbidden", "detail": "You do not have permission to do this."}, status=403)
    return _render(request, "forbidden")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    log.info("CSRF failure on %s: %s", request.path, reason)
    return _render(request, "forbidden")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/v2/"):  # CoWIN's surface keeps CoWIN's error envelope
        return JsonResponse({"errorCode": "APPOIN0404", "error": "No such endpoint"}, status=404)
    if _api(request):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return _render(request, "not_found")


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON for API clients, the error page for people. Never a traceback.

    A database or Redis outage met outside a view (in a middleware: the session read, the user's
    lookup), where neither the API's handler nor BackingServiceMiddleware sees it, is the same
    503 with Retry-After as inside one: nothing was committed, the client retries (a failover)."""
    if isinstance(sys.exc_info()[1], BACKING_SERVICE_ERRORS):
        unavailable = backing_service_unavailable()
        if _api(request):
            response = JsonResponse(unavailable.as_dict(), status=503)
        else:
            response = HttpResponse(unavailable.detail, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if _api(request):
        return JsonResponse({"code": "server_error", "detail": "Internal error; it has been logged."}, status=500)
    try:
        return _render(request, "server_error")
    except Exception:  # noqa: BLE001 - the last resort must not fail
        log.exception("the 500 page could not be rendered")
        return HttpResponse("<!doctype html><title>500</title><h1>Server error</h1>", status=500)
