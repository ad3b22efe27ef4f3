"""OpenAPI description of the citizen token (imported by bookings.api so drf-spectacular sees it)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CitizenTokenScheme(OpenApiAuthenticationExtension):
    target_class = "bookings.auth.CitizenTokenAuthentication"
    name = "citizenToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The token from POST /api/bookings/citizen/otp/confirm/ (valid 15 minutes).",
        }
