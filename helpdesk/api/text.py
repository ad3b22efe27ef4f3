"""Text fields whose schema says exactly what the input layer takes: the characters the input
guard lets through (helpdesk.inputs: no control character but tab, newline and carriage return),
and a length counted after `str.strip()`, as `helpdesk.inputs.text(strip=True)` counts it.

`stripped_text` is a `RegexField` (whitespace kept as sent, so the pattern and the length see
the same string as the view): it serves as the request's declaration, and as its parser where a
view validates with the serializer. Python's `\\s` is exactly what `str.strip()` removes.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The characters themselves, not regex escapes, as helpdesk/openapi.py writes its ranges.
ALLOWED = "[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
SPACE = "[^\\S\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # whitespace strip() removes, among ALLOWED
SOLID = "[^\\s\x00-\x1f\x7f-\x9f]"  # neither whitespace nor a control character


def stripped_pattern(max_length: int, *, blank: bool = False) -> str:
    """1..max_length characters once stripped, every one of them allowed. With `blank`, only
    spaces too, but not "": the schema gives "" as an alternative of its own (maxLength 0)."""
    core = SOLID if max_length == 1 else f"{SOLID}(?:{ALLOWED}{{0,{max_length - 2}}}{SOLID})?"
    if blank:
        return f"^(?:{SPACE}+|{SPACE}*{core}{SPACE}*)$"
    return f"^{SPACE}*{core}{SPACE}*$"


def stripped_text(max_length: int, *, blank: bool = False, **kwargs) -> serializers.RegexField:
    """A JSON string of 1..max_length characters once stripped (any number of spaces around)."""
    return serializers.RegexField(stripped_pattern(max_length, blank=blank), trim_whitespace=False,
                                  allow_blank=blank, **kwargs)


def _empty_or(max_length: int) -> dict:
    return {"anyOf": [{"type": "string", "maxLength": 0},
                      {"type": "string", "pattern": stripped_pattern(max_length)}]}


class EmptyOrText(serializers.CharField):
    """"" (or absent) means "not given"; anything else is 1..max_length characters once
    stripped (only spaces is refused). For the schema: an anyOf, since "" cannot be told apart
    from "\\n" by a pattern's `$` in every regex dialect."""

    def __init__(self, max_length: int, **kwargs):
        self.stripped_max = max_length
        kwargs.setdefault("required", False)
        super().__init__(allow_blank=True, trim_whitespace=False, **kwargs)


def empty_or_text(max_length: int, **kwargs) -> EmptyOrText:
    field = extend_schema_field(_empty_or(max_length))(type(f"EmptyOrText{max_length}", (EmptyOrText,), {}))
    return field(max_length, **kwargs)
