"""A report table: named columns and rows of plain values. The same object feeds the JSON API
(and so the charts) and the streamed CSV export, so the two cannot disagree."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .formatting import IST


@dataclass
class Column:
    key: str
    label: Any  # lazy translation
    kind: str = "text"  # text, code (a machine key: in JSON/CSV, hidden on pages), int, float, percent, minutes, datetime


@dataclass
class Table:
    name: str
    columns: list[Column]
    rows: Iterable[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.name,
            **self.meta,
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.columns],
            "rows": [{c.key: json_value(row.get(c.key)) for c in self.columns} for row in self.rows],
        }

    def csv_lines(self) -> Iterator[str]:
        """Header, then one line per row, generated lazily (rows may be a database iterator)."""
        buffer = _Echo()
        writer = csv.writer(buffer)
        yield writer.writerow([str(c.label) for c in self.columns])
        for row in self.rows:
            yield writer.writerow([csv_value(row.get(c.key)) for c in self.columns])


class _Echo:
    def write(self, value: str) -> str:
        return value


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(IST).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_value(value: Any) -> Any:
    """CSV cells are the JSON values written plainly: no digit grouping, empty for null."""
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value  # a spreadsheet must not run a cell as a formula
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
