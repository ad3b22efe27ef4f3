from __future__ import annotations

from accounts.permissions import is_desk, is_district_official, is_vendor

from .notifications import unread_count


def notifications(request) -> dict:
    """The unread count for the bell in the header (staff pages only; one COUNT on an index,
    run only when the page shows the bell)."""
    user = getattr(request, "user", None)
    if not (is_desk(user) or is_vendor(user) or is_district_official(user)):
        return {}
    return {"notifications_unread": _Lazy(lambda: unread_count(user)), "notifications_enabled": True}


class _Lazy:
    """Counted only if a template shows it (fragments re-fetched by scripts never do), then once."""

    def __init__(self, compute) -> None:
        self._compute = compute
        self._value: int | None = None

    def value(self) -> int:
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __bool__(self) -> bool:
        return bool(self.value())

    def __str__(self) -> str:
        return str(self.value())
