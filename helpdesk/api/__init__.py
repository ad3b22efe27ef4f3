"""The one request layer every app's REST API stands on: the base view (JSON bodies only, the
body-size limit checked before parsing), pagination, idempotency (`idempotent`), the client
address behind trusted proxies, and error rendering (domain error -> HTTP, one DRF handler,
`helpdesk.exceptions.api_exception_handler`, set in REST_FRAMEWORK)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from helpdesk.client import client_address
from helpdesk.exceptions import StaleVersion, api_exception_handler
from helpdesk.inputs import PayloadTooLarge, check_size

from .idempotency import idempotent

__all__ = ["BaseView", "Pagination", "PayloadTooLarge", "StaleVersion", "api_exception_handler",
           "check_size", "client_address", "idempotent"]


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class BaseView(APIView):
    """JSON in, JSON out; the body-size limit before anything is parsed."""

    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        check_size(request)
        super().initial(request, *args, **kwargs)
