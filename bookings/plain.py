"""Plain Django views on the hot paths, documented in /api/schema/ like the DRF ones.

`documented(view, ...)` gives an APIView subclass for drf-spectacular to describe, whose
dispatch hands the request straight to the plain view: no DRF request wrapping, negotiation or
serializer on the way (the CoWIN reads and the citizens' lookup must be fast)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


def documented(view, **schema):
    def get(self, request, *args, **kwargs):  # pragma: no cover - dispatch never reaches it
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return type(f"{view.__name__.title().replace('_', '')}View", (APIView,), {
        "authentication_classes": [], "permission_classes": [AllowAny],
        "get": extend_schema(**schema)(get), "dispatch": dispatch, "__doc__": view.__doc__,
    }).as_view()
