"""The API's contract, generated from the code: the one error body, the error statuses each
operation can answer, the authentication schemes.

Every error the API renders (helpdesk/exceptions.py `api_exception_handler`, the input guard in
helpdesk/middleware.py, the JSON 404 of helpdesk/errors.py) has one shape, the `Error` component:
`{"code": "<machine-readable>", "detail": "<sentence>", ...}`, with `errors` (field -> messages) for a
serializer's validation error and `retry_after` (seconds) for a rate limit. CoWIN's public surface
(/api/v2/) keeps CoWIN's envelope, `CowinError`: `{"errorCode": "APPOIN...", "error": "..."}`.

`HelpdeskAutoSchema` adds to each operation the error statuses it can answer, from what the view
declares (authentication, permissions, path parameters, body, method, throttles), each with that
body, unless the operation documents the status itself with a typed body.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# The schema describes every app's surface (like the URL map): an entry point, above the apps.
from helpdesk.api.idempotency import _KEY_RE
from tickets.numbers import ALPHABET, LENGTH

COWIN_PREFIX = "/api/v2/"


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (helpdesk/exceptions.py)."""

    code = serializers.CharField(help_text="Machine-readable reason, e.g. `invalid`, `not_found`, "
                                           "`illegal_transition`, `throttled`, `backing_service_unavailable`.")
    detail = serializers.CharField(help_text="What went wrong, as a sentence for a person.")
    errors = serializers.JSONField(required=False, help_text="Per-field messages of a validation error.")
    field = serializers.CharField(required=False, help_text="The input that was refused.")
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait (rate limits).")

    class Meta:
        ref_name = "Error"


class CowinErrorSerializer(serializers.Serializer):
    """CoWIN's error envelope, kept on its public surface (/api/v2/)."""

    errorCode = serializers.CharField(help_text="CoWIN's code, e.g. `APPOIN0022` (bad input), `APPOIN0429`.")  # noqa: N815
    error = serializers.CharField()

    class Meta:
        ref_name = "CowinError"


DESCRIPTIONS = {
    "400": "Invalid input (a value out of range or of the wrong type, a control character, bad encoding); "
           "nothing was changed.",
    "401": "Not authenticated: the bearer token is missing, expired or not valid.",
    "403": "Forbidden: not logged in (no session, or no CSRF header with a session), an API token refused, "
           "or the role may not do this.",
    "404": "Not found, or outside the caller's scope (reported the same way).",
    "409": "Conflict with the current state (an illegal status move, a stale version, a duplicate); "
           "nothing was changed.",
    "413": "The body is larger than the server accepts (MAX_BODY_BYTES).",
    "415": "Unsupported media type: the body must be application/json.",
    "422": "Unprocessable: the request is well-formed but cannot be applied (e.g. an Idempotency-Key reused "
           "with another body).",
    "429": "Too many requests: wait `retry_after` seconds (also in the Retry-After header).",
    "503": "A backing service (database, Redis) is briefly unavailable: nothing was saved; retry after "
           "Retry-After seconds, with the same Idempotency-Key.",
}
BODY_METHODS = ("POST", "PUT", "PATCH")
# Query parameters that name something which may not exist (answered 404, like an unknown id).
LOOKUP_QUERY = {"page", "cursor", "district", "district_id", "centre", "center_id", "pincode", "vendor", "component",
                "incident", "ticket", "number", "session_id", "beneficiary", "reference_id"}


class HelpdeskAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        error = CowinErrorSerializer if self.path.startswith(COWIN_PREFIX) else ErrorSerializer
        query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        declared_errors = [code for code in responses if code[:1] in ("4", "5")]
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
            declared_errors.append("422")  # the key was used before with another body
        for code in sorted(set(self.error_statuses(query)) | set(declared_errors)):
            existing = responses.get(code)
            if existing is not None and not _free_form(existing):
                continue
            description = (existing or {}).get("description") or DESCRIPTIONS.get(code, "")
            responses[code] = self._get_response_for_code(OpenApiResponse(error, description=description), code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_statuses(self, query: set[str]) -> list[str]:
        """The error statuses this operation can answer, from the view's declarations."""
        view = self.view
        codes = {"400", "503"}  # the input guard checks every request; any request may meet an outage
        authenticators = view.get_authenticators() if hasattr(view, "get_authenticators") else []
        if authenticators:
            # A malformed or refused `Authorization` header fails authentication on any operation;
            # DRF answers 401 when the first scheme names a challenge (the citizen's bearer), else 403.
            codes.add("401" if authenticators[0].authenticate_header(None) else "403")
        permissions = view.get_permissions() if hasattr(view, "get_permissions") else []
        if any(not isinstance(p, AllowAny) for p in permissions):
            codes.add("403")
        if "{" in self.path or query & LOOKUP_QUERY or self.method in BODY_METHODS:
            # An unknown id, page, district or centre, or one outside the caller's scope; a write's
            # body may name one too (a ticket, an incident, a registration).
            codes.add("404")
        if self.method in BODY_METHODS:
            codes |= {"413", "415"}
        if self.method in BODY_METHODS or self.method == "DELETE":
            codes.add("409")
        if getattr(view, "throttle_classes", None):
            codes.add("429")
        return sorted(codes)


def _free_form(response: dict) -> bool:
    """A response declared as a bare object (no properties, no reference)."""
    content = response.get("content") or {}
    if not content:
        return True
    schema = next(iter(content.values())).get("schema") or {}
    return schema.get("type") == "object" and not schema.get("properties") and "$ref" not in schema


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ServiceTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`: an API token of a service account, issued by an admin "
                           "(admin site, or `manage.py api_token create`). No CSRF header needed.",
        }


# --- The input layer's rules, stated in the schema ----------------------------------------------
# The input guard (helpdesk/inputs.py) refuses control characters in every path, query value and
# header, and in JSON strings (where tab, newline and carriage return are allowed); the keys of a
# JSON object too. The schema says so, so that a request valid by the schema is one the server takes.
# The characters themselves, not regex escapes: every regex dialect reads a literal range the same.
NO_CONTROL = "^[^\x00-\x1f\x7f-\x9f]*$"
NO_CONTROL_TEXT = "^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
NO_CONTROL_HEADER = "^[^\x00-\x08\x0a-\x1f\x7f]*$"
UUID_NAMES = {"appointment_id", "session_id", "txnId", "beneficiary_id"}
# helpdesk/validation.py: an Indian mobile (a +91, 91 or 0 prefix allowed), a Chhattisgarh PIN code.
MOBILE = "^(\\+91|91|0)?[6-9][0-9]{9}$"
NAMED_PATTERNS = {"mobile": MOBILE, "sender": MOBILE, "pincode": "^49[0-9]{4}$"}
# Integer query parameters and their bounds (helpdesk.inputs.positive_int and the views' limits).
QUERY_RANGES = {"hours": (1, 24), "limit": (1, 1000), "district": (1, 2**63 - 1), "page": (1, 2**31 - 1),
                "after": (0, 2**63 - 1), "since": (0, 2**63 - 1)}
# Integer body fields that name a row or a version: helpdesk.inputs takes 1 .. 2**53 - 1.
ID_FIELDS = {"expected_version", "assignee", "incident", "ticket_id", "survivor", "district", "district_id",
             "vendor_id", "user", "user_id"}
# CoWIN's surface: dates are dd-mm-yyyy, ids are positive.
COWIN_DATE = "^(0[1-9]|[12][0-9]|3[01])-(0[1-9]|1[0-2])-20[0-9]{2}$"


def _number_pattern() -> str:
    letters = ALPHABET + ALPHABET.lower()
    half = LENGTH // 2
    return f"^[{letters}]{{{LENGTH}}}$|^[{letters}]{{{half}}}-[{letters}]{{{LENGTH - half}}}$"


def _idempotency_pattern() -> str:
    return _KEY_RE.pattern


def _constrain_string(schema: dict, pattern: str) -> None:
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema and "format" not in schema:
        schema["pattern"] = pattern


def _constrain_parameter(parameter: dict, *, cowin: bool = False) -> None:
    schema = parameter.get("schema") or {}
    name, where = parameter.get("name"), parameter.get("in")
    if name == "Idempotency-Key" and where == "header":
        schema.update({"type": "string", "pattern": _idempotency_pattern(), "maxLength": 100})
    elif name == "number" and where == "path":
        schema.update({"type": "string", "pattern": _number_pattern()})
    elif name in UUID_NAMES and schema.get("type") == "string":
        schema["format"] = "uuid"
    elif name in NAMED_PATTERNS and schema.get("type") == "string":
        schema.setdefault("pattern", NAMED_PATTERNS[name])
    elif cowin and name == "date" and schema.get("type") == "string":
        schema.setdefault("pattern", COWIN_DATE)
    if cowin and schema.get("type") == "integer":
        schema.setdefault("minimum", 1)
    elif where == "query" and name in QUERY_RANGES and schema.get("type") == "integer":
        low, high = QUERY_RANGES[name]
        schema.setdefault("minimum", low)
        schema.setdefault("maximum", high)
    _constrain_string(schema, NO_CONTROL_HEADER if where == "header" else NO_CONTROL)
    for item in (schema.get("items"),):
        if isinstance(item, dict):
            _constrain_string(item, NO_CONTROL)


def _constrain_body(schema: dict, seen: set[int]) -> None:
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if schema.get("type") == "object" or "properties" in schema:
        schema.setdefault("propertyNames", {"pattern": NO_CONTROL})
        if schema.get("properties") and "additionalProperties" not in schema:
            # helpdesk.inputs.body(allowed=...): a field the operation does not declare is refused.
            schema["additionalProperties"] = False
        required = set(schema.get("required") or ())
        for name, prop in (schema.get("properties") or {}).items():
            if name in required and isinstance(prop, dict) and prop.get("type") == "string":
                prop.setdefault("minLength", 1)  # a required field must not be empty
            if name in UUID_NAMES and isinstance(prop, dict) and prop.get("type") == "string":
                prop.setdefault("format", "uuid")
            if name in NAMED_PATTERNS and isinstance(prop, dict) and prop.get("type") == "string":
                prop.setdefault("pattern", NAMED_PATTERNS[name])
            if name in ID_FIELDS and isinstance(prop, dict) and prop.get("type") == "integer":
                prop.setdefault("minimum", 1)
                prop.setdefault("maximum", 2**53 - 1)
            _constrain_body(prop, seen)
        if isinstance(schema.get("additionalProperties"), dict):
            _constrain_body(schema["additionalProperties"], seen)
    _constrain_string(schema, NO_CONTROL_TEXT)
    for key in ("items", "allOf", "anyOf", "oneOf"):
        value = schema.get(key)
        for sub in value if isinstance(value, list) else [value]:
            _constrain_body(sub, seen)


JSON_VALUE = "AnyJsonValue"


def _json_value_component() -> dict:
    """Any JSON value the input guard lets through: strings, and keys at any depth, without
    control characters (for the operations whose body takes fields beyond those it names)."""
    ref = {"$ref": f"#/components/schemas/{JSON_VALUE}"}
    return {"nullable": True, "anyOf": [
        {"type": "string", "pattern": NO_CONTROL_TEXT}, {"type": "number"}, {"type": "boolean"},
        {"type": "array", "items": ref},
        {"type": "object", "propertyNames": {"pattern": NO_CONTROL}, "additionalProperties": ref},
    ]}


def _free_form_body(schema: dict) -> bool:
    return schema.get("type") == "object" and not schema.get("properties") and schema.get(
        "additionalProperties", True) in (True, {})


def postprocess_input_rules(result, generator, request, public):
    """SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS: the input layer's rules on every parameter and
    every request body (components named *Request, and inline request schemas)."""
    seen: set[int] = set()
    for name, schema in (result.get("components", {}).get("schemas") or {}).items():
        if name.endswith("Request"):
            _constrain_body(schema, seen)
    for path, item in (result.get("paths") or {}).items():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _constrain_parameter(parameter, cowin=path.startswith(COWIN_PREFIX))
            for media in (operation.get("requestBody", {}).get("content") or {}).values():
                schema = media.get("schema") or {}
                if _free_form_body(schema):
                    schema["additionalProperties"] = {"$ref": f"#/components/schemas/{JSON_VALUE}"}
                    result.setdefault("components", {}).setdefault("schemas", {})[JSON_VALUE] = (
                        _json_value_component())
                if "$ref" not in schema:
                    _constrain_body(schema, seen)
    return result
