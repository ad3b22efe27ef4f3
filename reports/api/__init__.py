"""The reports JSON API and its CSV twins. Every table is served at /api/reports/<table>/ (JSON,
feeding the charts) and /api/reports/<table>.csv (streamed CSV with the same filters and the same
rows). Thin views: parse, scope, call a selector.

`base` holds the table view, its parameters and the CSV twin; `dashboard` the dashboards' tables,
`handover` the shift handover (tables, summary, notes), `export` the ticket export; `schemas` the
shapes they answer with, for the OpenAPI schema."""
