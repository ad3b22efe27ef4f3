"""The bookings API, by whom it serves: `citizen` (OTP -> bearer token), `desk` (agents and
district officials), `sessions`, `registrations` (taken by hand), `portal` (change feed and
imports). Thin views: parse strictly, call a service or selector, return a dict; `requests` and
`schemas` describe what they take and answer, `cowin_shapes` CoWIN's public read API."""
