"""A view declares that it checks each record of its body itself (`inputs.checks_each_record`);
the request-wide body check then leaves that body to it. Nothing else is exempt: no path list."""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.views import APIView

from bookings.offline.api import SyncBatchView
from helpdesk import inputs
from helpdesk.middleware import InputGuardMiddleware

BODY = json.dumps({"records": [{"name": "Ram\x00esh"}]})


def plain_view(request):
    return HttpResponse("ok")


@inputs.checks_each_record
def batch_view(request):
    return HttpResponse("ok")


@inputs.checks_each_record
class BatchApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):
        return HttpResponse("ok")


def _through_guard(view, path: str = "/api/some/batch/"):
    request = RequestFactory().post(path, BODY, content_type="application/json")
    guard = InputGuardMiddleware(lambda r: view(r))
    return guard.process_view(request, view, (), {}) or guard(request)


@pytest.mark.parametrize("view", [batch_view, BatchApi.as_view()], ids=["function", "class"])
def test_a_declared_view_gets_its_body_unchecked(view):
    assert _through_guard(view).status_code == 200


def test_an_undeclared_view_at_the_same_path_is_refused():
    response = _through_guard(plain_view)
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "invalid_characters"


def test_the_path_query_and_headers_of_a_declared_view_are_still_checked():
    request = RequestFactory().post("/api/some/batch/?x=a%00b", BODY, content_type="application/json")
    guard = InputGuardMiddleware(lambda r: batch_view(r))
    assert guard(request).status_code == 400


def test_the_offline_sync_declares_it():
    assert inputs._checks_each_record(SyncBatchView.as_view())
    assert not hasattr(inputs, "PER_RECORD_BODIES")
