from django.http import HttpResponse

from .exceptions import BACKING_SERVICE_ERRORS, RETRY_AFTER_SECONDS, backing_service_unavailable


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
