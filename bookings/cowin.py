"""CoWIN's public read API, in CoWIN's shape (DOMAIN.md §8), for tools written against CoWIN.

Hot path, built for throughput: plain Django views (no DRF), the rendered JSON bytes (and their
gzip, for clients that accept it) cached per
(endpoint, district or PIN, date) for COWIN_CACHE_SECONDS in the shared cache, with a short
per-process copy in front (public availability may be a little stale: CoWIN allowed 30 minutes).
One cheap Redis round trip per request counts the per-IP limit (RATE_COWIN_IP).
Errors use CoWIN's envelope {"errorCode", "error"}.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import re
import time
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts.models import District
from helpdesk.exceptions import DomainError, TooManyRequests
from helpdesk.validation import today_ist

from . import ratelimit
from .models import Centre, Session

STATE_ID = 7
STATE_NAME = "Chhattisgarh"
_LOCAL_SECONDS = 5.0
_local: dict[str, tuple[float, bytes]] = {}
_districts: dict[int, tuple[int, str]] = {}
_DIGITS_RE = re.compile(r"^[0-9]{1,6}$")
_PIN_RE = re.compile(r"^49[0-9]{4}$")
_DATE_RE = re.compile(r"^[0-9]{2}-[0-9]{2}-[0-9]{4}$")
_CENTER_RE = re.compile(r"^[0-9]{1,9}$")
_COORD_RE = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,10})?$")
VACCINES = ("COVISHIELD", "COVAXIN")
NEAREST = 20  # centres findByLatLong answers, nearest first
STATE_NAME_HI = "छत्तीसगढ़"


class CowinError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str, retry_after: int | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps({"errorCode": code, "error": message}), status=status,
                            content_type="application/json")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _json(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


def _cached_json(request, key: str, build) -> HttpResponse:
    """The cached answer; gzip-compressed (compressed once per cache fill) when the client accepts it."""
    raw, compressed = _cached(key, build)
    if "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", ""):
        response = HttpResponse(compressed, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(raw, content_type="application/json")
    response["Vary"] = "Accept-Encoding"
    return response


def _one(request, name: str) -> str:
    values = request.GET.getlist(name)
    if not values:
        raise CowinError(400, "APPOIN0010", f"Missing parameter: {name}")
    if len(values) > 1:
        raise CowinError(400, "APPOIN0020", f"Parameter given more than once: {name}")
    if len(values[0]) > 20:
        raise CowinError(400, "APPOIN0021", f"Parameter too long: {name}")
    return values[0]


def _date(request) -> dt.date:
    raw = _one(request, "date")
    if not _DATE_RE.match(raw):
        raise CowinError(400, "APPOIN0018", "Invalid date: use dd-mm-yyyy")
    day, month, year = (int(part) for part in raw.split("-"))  # ASCII digits only, checked above
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise CowinError(400, "APPOIN0018", "Invalid date: no such day") from None
    today = today_ist()
    if not (today - dt.timedelta(days=1) <= value <= today + dt.timedelta(days=30)):
        raise CowinError(400, "APPOIN0019", "Date outside the allowed window (yesterday to 30 days ahead)")
    return value


def _district_map() -> dict[int, tuple[int, str]]:
    if not _districts:
        for pk, cowin_id, name in District.objects.exclude(cowin_id=None).values_list("pk", "cowin_id", "name_en"):
            _districts[cowin_id] = (pk, name)
    return _districts


def _district(request) -> tuple[int, str]:
    raw = _one(request, "district_id")
    if not _DIGITS_RE.match(raw):
        raise CowinError(400, "APPOIN0014", "Invalid district_id")
    found = _district_map().get(int(raw))
    if found is None:
        raise CowinError(400, "APPOIN0014", "Invalid district_id")
    return found


def _pincode(request) -> str:
    raw = _one(request, "pincode")
    if not _PIN_RE.match(raw):
        raise CowinError(400, "APPOIN0013", "Invalid pincode: six digits starting 49")
    return raw


def _vaccine(request) -> str | None:
    """CoWIN's optional `vaccine` filter (COVISHIELD or COVAXIN; case does not matter)."""
    values = request.GET.getlist("vaccine")
    if not values:
        return None
    if len(values) > 1:
        raise CowinError(400, "APPOIN0020", "Parameter given more than once: vaccine")
    value = values[0]
    if not (value.isascii() and value.upper() in VACCINES):
        raise CowinError(400, "APPOIN0022", "Invalid vaccine: COVISHIELD or COVAXIN")
    return value.upper()


def _center_id(request) -> int:
    raw = _one(request, "center_id")
    if not _CENTER_RE.match(raw):
        raise CowinError(400, "APPOIN0015", "Invalid center_id")
    return int(raw)


def _coordinate(request, name: str, bound: float) -> float:
    raw = _one(request, name)
    if not _COORD_RE.match(raw) or abs(float(raw)) > bound:  # ASCII decimal only, checked first
        raise CowinError(400, "APPOIN0016", f"Invalid {name}")
    return float(raw)


def _cached(key: str, build) -> tuple[bytes, bytes]:
    """(JSON bytes, the same gzipped), from this process (5 s), the shared cache, or built."""
    now = time.monotonic()
    hit = _local.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    body = cache.get(f"{key}:v2")  # v2: (raw, gzip) pairs; plain bytes were v1
    if body is None:
        raw = build()
        body = (raw, gzip.compress(raw, compresslevel=6, mtime=0))
        cache.set(f"{key}:v2", body, timeout=settings.COWIN_CACHE_SECONDS)
    if len(_local) > 5000:
        _local.clear()
    _local[key] = (now + min(_LOCAL_SECONDS, settings.COWIN_CACHE_SECONDS), body)
    return body


def clear_local_cache() -> None:
    _local.clear()
    _districts.clear()


_SESSION_FIELDS = ("session_id", "date", "vaccine", "min_age_limit", "max_age_limit", "capacity_dose1",
                   "capacity_dose2", "booked_dose1", "booked_dose2", "slots", "centre__center_id",
                   "centre__name", "centre__address", "centre__district__name_en", "centre__block_name",
                   "centre__pincode", "centre__lat", "centre__long", "centre__open_from", "centre__open_to",
                   "centre__fee_type")


def _rows(*, district_pk: int | None = None, pincode: str | None = None, center_id: int | None = None,
          start: dt.date, days: int, vaccine: str | None = None):
    queryset = Session.objects.filter(published=True, date__gte=start, date__lt=start + dt.timedelta(days=days))
    if district_pk:
        queryset = queryset.filter(centre__district_id=district_pk)
    elif center_id is not None:
        queryset = queryset.filter(centre__center_id=center_id)
    else:
        queryset = queryset.filter(centre__pincode=pincode)
    if vaccine:
        queryset = queryset.filter(vaccine=vaccine)
    return queryset.order_by("centre__center_id", "date", "pk").values_list(*_SESSION_FIELDS)


def _centre(row) -> dict:
    return {"center_id": row[10], "name": row[11], "address": row[12], "state_name": STATE_NAME,
            "district_name": row[13], "block_name": row[14], "pincode": int(row[15]), "lat": row[16],
            "long": row[17], "from": row[18].strftime("%H:%M:%S"), "to": row[19].strftime("%H:%M:%S"),
            "fee_type": row[20]}


def _session(row) -> dict:
    dose1, dose2 = row[5] - row[7], row[6] - row[8]
    session = {"session_id": str(row[0]), "date": row[1].strftime("%d-%m-%Y"), "available_capacity": dose1 + dose2,
               "available_capacity_dose1": dose1, "available_capacity_dose2": dose2,
               "min_age_limit": row[3], "vaccine": row[2], "slots": row[9]}
    if row[4] is not None:
        session["max_age_limit"] = row[4]
    return session


def _calendar(rows) -> bytes:
    centres: dict[int, dict] = {}
    sessions: dict[int, list] = defaultdict(list)
    for row in rows:
        if row[10] not in centres:
            centres[row[10]] = _centre(row)
        sessions[row[10]].append(_session(row))
    return json.dumps({"centers": [{**centre, "sessions": sessions[cid]} for cid, centre in centres.items()]},
                      ensure_ascii=False, separators=(",", ":")).encode()


def _find(rows) -> bytes:
    out = []
    for row in rows:
        centre = _centre(row)
        centre.update(_session(row))
        centre["fee"] = "0" if centre["fee_type"] == "Free" else ""
        out.append(centre)
    return json.dumps({"sessions": out}, ensure_ascii=False, separators=(",", ":")).encode()


def _endpoint(handler):
    """Per-IP limit, CoWIN error envelope, never a 500 for bad input."""

    @require_GET
    def view(request, *args, **kwargs):
        try:
            ratelimit.hit("cowin_ip", ratelimit.client_ip(request), settings.RATE_COWIN_IP, on_outage="open")
            return handler(request, *args, **kwargs)
        except CowinError as exc:
            return _error(exc.status, exc.code, exc.message)
        except TooManyRequests as exc:
            return _error(429, "APPOIN0429", "Too many requests", retry_after=exc.retry_after)
        except DomainError as exc:  # pragma: no cover - defensive
            return _error(exc.status_code, exc.code, exc.detail)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return view


@_endpoint
def states(request):
    """GET /api/v2/admin/location/states"""
    return _json(json.dumps({"states": [{"state_id": STATE_ID, "state_name": STATE_NAME}], "ttl": 24}).encode())


@_endpoint
def districts(request, state_id: str):
    """GET /api/v2/admin/location/districts/{state_id}: Chhattisgarh's 28 CoWIN districts."""
    if not _DIGITS_RE.match(state_id):
        raise CowinError(400, "APPOIN0012", "Invalid state_id")
    if int(state_id) != STATE_ID:
        return _json(b'{"districts":[],"ttl":24}')
    rows = sorted(_district_map().items())
    return _json(json.dumps({"districts": [{"district_id": cid, "district_name": name} for cid, (_pk, name) in rows],
                             "ttl": 24}).encode())


@_endpoint
def find_by_pin(request):
    pincode, start, vaccine = _pincode(request), _date(request), _vaccine(request)
    return _cached_json(request, f"cowin:fp:{pincode}:{start}:{vaccine}",
                        lambda: _find(_rows(pincode=pincode, start=start, days=1, vaccine=vaccine)))


@_endpoint
def find_by_district(request):
    (pk, _name), start, vaccine = _district(request), _date(request), _vaccine(request)
    return _cached_json(request, f"cowin:fd:{pk}:{start}:{vaccine}",
                        lambda: _find(_rows(district_pk=pk, start=start, days=1, vaccine=vaccine)))


@_endpoint
def calendar_by_pin(request):
    pincode, start, vaccine = _pincode(request), _date(request), _vaccine(request)
    return _cached_json(request, f"cowin:cp:{pincode}:{start}:{vaccine}",
                        lambda: _calendar(_rows(pincode=pincode, start=start, days=7, vaccine=vaccine)))


@_endpoint
def calendar_by_district(request):
    (pk, _name), start, vaccine = _district(request), _date(request), _vaccine(request)
    return _cached_json(request, f"cowin:cd:{pk}:{start}:{vaccine}",
                        lambda: _calendar(_rows(district_pk=pk, start=start, days=7, vaccine=vaccine)))


def _one_centre(rows) -> bytes:
    """calendarByCenter's shape: {"centers": {the centre, with its sessions}}, {} when none."""
    centres = json.loads(_calendar(rows))["centers"]
    return json.dumps({"centers": centres[0] if centres else {}}, ensure_ascii=False,
                      separators=(",", ":")).encode()


@_endpoint
def calendar_by_center(request):
    center_id, start, vaccine = _center_id(request), _date(request), _vaccine(request)
    return _cached_json(request, f"cowin:cc:{center_id}:{start}:{vaccine}",
                        lambda: _one_centre(_rows(center_id=center_id, start=start, days=7, vaccine=vaccine)))


def _distance_km(lat1: float, long1: float, lat2: float, long2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(long2 - long1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(a))


def _nearest(lat: float, long: float) -> bytes:
    rows = Centre.objects.values_list("center_id", "name", "address", "district__name_en", "district__name_hi",
                                      "block_name", "pincode", "lat", "long")
    nearest = sorted(rows, key=lambda r: (_distance_km(lat, long, r[7], r[8]), r[0]))[:NEAREST]
    return json.dumps({"centers": [{
        "center_id": r[0], "name": r[1], "name_l": "", "address": r[2], "address_l": "",
        "state_name": STATE_NAME, "state_name_l": STATE_NAME_HI, "district_name": r[3], "district_name_l": r[4],
        "block_name": r[5], "block_name_l": "", "pincode": r[6], "lat": str(r[7]), "long": str(r[8]),
    } for r in nearest], "ttl": 24}, ensure_ascii=False, separators=(",", ":")).encode()


@_endpoint
def find_by_lat_long(request):
    """GET /api/v2/appointment/centers/public/findByLatLong?lat=&long=: the nearest centres."""
    lat, long = _coordinate(request, "lat", 90), _coordinate(request, "long", 180)
    # Cached per ~1 km cell: the nearest centres do not change within it.
    key = f"cowin:ll:{lat:.2f}:{long:.2f}"
    return _cached_json(request, key, lambda: _nearest(round(lat, 2), round(long, 2)))
