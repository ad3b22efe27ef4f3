"""The client's address: one function for every rate limit, the login lockout and every log line.

`X-Forwarded-For` is believed only as far as the hops that added it are trusted: starting from
the peer (`REMOTE_ADDR`), while the current hop is in `TRUSTED_PROXIES` the next address to the
left in the header is taken; the first untrusted one is the client. With no trusted proxy (the
default) the header is ignored, so a client cannot choose its own rate-limit bucket.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.core.signals import request_finished

_current: contextvars.ContextVar[str] = contextvars.ContextVar("helpdesk_client", default="-")


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def in_networks(address: str | None, spec) -> bool:
    """Whether `address` (text) lies in one of the networks of `spec` (a setting's list of
    addresses/CIDR ranges); False for no address or an empty list."""
    networks = _networks(tuple(spec))
    parsed = _parse(address or "")
    return bool(networks) and parsed is not None and _trusted(parsed, networks)


def client_address(request) -> str | None:
    """The client's IP address as text, or None when the peer has none (a unix socket)."""
    meta = request.META
    peer = _parse(meta.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    client = peer
    for hop in reversed((meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = _parse(hop)
        if address is None:
            break  # a malformed hop: keep the last address a trusted proxy vouched for
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def rate_key(request) -> str:
    """The address as a rate-limit key ("unknown" without one)."""
    return client_address(request) or "unknown"


def bind(request) -> None:
    """Remember the request's client for log lines (see ClientLogFilter), until the response is
    finished (Django logs a 4xx/5xx after the middleware has returned)."""
    _current.set(client_address(request) or "-")


def _unbind(**kwargs) -> None:
    _current.set("-")


request_finished.connect(_unbind, dispatch_uid="helpdesk.client.unbind")


class ClientLogFilter(logging.Filter):
    """Adds %(client)s, the address of the request being served, to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.client = _current.get()
        return True
