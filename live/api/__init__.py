"""The live REST API: public status snapshot, the event snapshot for reconnecting clients,
incidents (supervisors manage them), component statuses, suspected incidents.

Thin views: parse strictly, call a selector or a service, return plain dicts (representation.py);
schemas.py declares those dicts' shapes for the schema, and the request bodies field by field.
"""
