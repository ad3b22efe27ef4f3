"""A fast path for the two hottest read endpoints: CoWIN's public API (`/api/v2/...`) and the
citizens' lookup (`/api/bookings/citizen/beneficiaries/`).

Both are plain, stateless GET views: anonymous or bearer-token, no session, no CSRF (GET), no
language (CoWIN's API is English JSON). Placed right after SecurityMiddleware, this middleware
hands those exact paths to their view and skips the rest of the middleware stack and URL
resolution, which cost more CPU than the views themselves on this 2-core machine. Every other
path goes on as usual; the URL patterns stay (for reverse() and the OpenAPI schema).
"""

from __future__ import annotations

from . import cowin
from .api.citizen import citizen_beneficiaries

_EXACT = {
    "/api/v2/admin/location/states": cowin.states,
    "/api/v2/appointment/sessions/public/findByPin": cowin.find_by_pin,
    "/api/v2/appointment/sessions/public/findByDistrict": cowin.find_by_district,
    "/api/v2/appointment/sessions/public/calendarByPin": cowin.calendar_by_pin,
    "/api/v2/appointment/sessions/public/calendarByDistrict": cowin.calendar_by_district,
    "/api/v2/appointment/sessions/public/calendarByCenter": cowin.calendar_by_center,
    "/api/v2/appointment/centers/public/findByLatLong": cowin.find_by_lat_long,
    "/api/bookings/citizen/beneficiaries/": citizen_beneficiaries,
}
_DISTRICTS = "/api/v2/admin/location/districts/"


def fast_path(get_response):
    def middleware(request):
        path = request.path_info
        view = _EXACT.get(path)
        if view is not None:
            response = view(request)
        elif path.startswith(_DISTRICTS) and "/" not in path[len(_DISTRICTS):] and len(path) > len(_DISTRICTS):
            response = cowin.districts(request, state_id=path[len(_DISTRICTS):])
        else:
            return get_response(request)
        if view is citizen_beneficiaries or response.status_code != 200:
            response["Cache-Control"] = "no-store"
        else:
            response["Cache-Control"] = "public, max-age=60"
        return response

    return middleware
