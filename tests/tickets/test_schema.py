import pytest

pytestmark = pytest.mark.django_db

PATHS = ["/api/tickets/", "/api/tickets/{number}/", "/api/tickets/{number}/comments/", "/api/tickets/{number}/events/",
         "/api/tickets/{number}/transition/", "/api/tickets/{number}/assign/", "/api/tickets/{number}/priority/",
         "/api/tickets/{number}/category/", "/api/tickets/{number}/merge/", "/api/tickets/{number}/incident/",
         "/api/tickets/{number}/contacted/", "/api/tickets/{number}/registration/", "/api/callers/",
         "/api/categories/", "/api/public/tickets/", "/api/public/tickets/status/",
         "/api/public/tickets/{number}/{secret}/", "/api/sms/inbound/"]


def test_schema_documents_every_tickets_endpoint_with_examples():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    for path in PATHS:
        assert path in schema["paths"], path
    create = schema["paths"]["/api/tickets/"]["post"]
    assert "examples" in create["requestBody"]["content"]["application/json"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    listing = schema["paths"]["/api/tickets/"]["get"]
    assert {"status", "district", "category", "priority", "assignee", "created_after", "q"} <= {
        p["name"] for p in listing["parameters"]}
