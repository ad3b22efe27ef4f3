"""Full-text and trigram search on PostgreSQL only (the embedded SQLite default searches with
icontains). The index expressions are the ones tickets/listing/search.py queries with."""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS ticket_search_doc ON tickets_ticket USING gin "
    "(to_tsvector('simple'::regconfig, requester_name || ' ' || subject || ' ' || description))",
    "CREATE INDEX IF NOT EXISTS comment_search_doc ON tickets_comment USING gin "
    "(to_tsvector('simple'::regconfig, body))",
    "CREATE INDEX IF NOT EXISTS ticket_number_trgm ON tickets_ticket USING gin (number gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ticket_mobile_trgm ON tickets_ticket USING gin (requester_mobile gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ticket_reference_trgm ON tickets_ticket USING gin (registration_reference gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ticket_name_trgm ON tickets_ticket USING gin (upper(requester_name) gin_trgm_ops)",
]
DROPS = ["ticket_search_doc", "comment_search_doc", "ticket_number_trgm", "ticket_mobile_trgm",
         "ticket_reference_trgm", "ticket_name_trgm"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in DROPS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_team_views")]
    operations = [migrations.RunPython(create, drop)]
