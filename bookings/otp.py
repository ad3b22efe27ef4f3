"""OTP login for citizens (DOMAIN.md §8): 6 digits from `secrets`, valid 3 minutes, stored only as
an HMAC keyed by SECRET_KEY, at most 5 attempts, a resend cool-down, per-mobile and per-IP limits.
A confirmed OTP gives a citizen token valid 15 minutes (a bearer token for the API; the page
journey keeps the same row in the Django session).

Not revealing registrations: `otp_request` runs the same limits and queries and gives the same
answer whether or not the mobile holds a registration; the only difference is the SMS for a
registered mobile (one outbox row; delivery happens after commit, by a worker in production). Confirming always needs the code, so an unknown mobile can never
be told apart (its code exists only as an HMAC and was never sent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from helpdesk import metrics
from helpdesk.exceptions import InvalidInput, TooManyRequests
from notifications.outbox import outbox_enqueue

from . import ratelimit
from .models import Beneficiary, CitizenToken, OtpTransaction

OTP_VALID = dt.timedelta(minutes=3)
TOKEN_VALID = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 5


def _code_hmac(txn_id: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{txn_id}:{code}".encode(), hashlib.sha256).hexdigest()


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def otp_request(*, mobile: str, ip: str, now: dt.datetime | None = None) -> OtpTransaction:
    """Start an OTP login for a validated mobile. Limits first (per IP, per mobile, resend
    cool-down), each a 429 with Retry-After. Returns the transaction (its txn_id goes back)."""
    now = now or timezone.now()
    reason = "otp_ip_limit"
    try:
        ratelimit.hit("otp_ip", ip, settings.BOOKINGS_RATE_OTP_IP, on_outage="closed")
        reason = "otp_resend_cooldown"
        ratelimit.cooldown("otp_resend", mobile, settings.BOOKINGS_OTP_RESEND_SECONDS)
        reason = "otp_mobile_limit"
        ratelimit.hit("otp_mobile", mobile, settings.BOOKINGS_RATE_OTP_MOBILE, on_outage="closed")
    except TooManyRequests:
        metrics.otp_refused(reason)
        raise
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        txn = OtpTransaction(mobile=mobile, ip=ratelimit.ip_or_none(ip), created_at=now, expires_at=now + OTP_VALID)
        txn.code_hmac = _code_hmac(str(txn.txn_id), code)
        txn.save()
        if Beneficiary.objects.filter(mobile=mobile).exists():
            outbox_enqueue(
                channel="sms", recipient=mobile, language=(get_language() or "en")[:2],
                idempotency_key=f"otp:{txn.txn_id}",
                body=_("%(code)s is your OTP to see and change your vaccination appointments. "
                       "It is valid for 3 minutes. Do not share it.") % {"code": code},
                # Once sent, the outbox keeps the message without the code.
                redacted_body=_("%(code)s is your OTP to see and change your vaccination appointments. "
                                "It is valid for 3 minutes. Do not share it.") % {"code": "******"})
            metrics.otp_sent()
    return txn


def otp_confirm(*, txn_id, code: str, now: dt.datetime | None = None) -> tuple[str, CitizenToken]:
    """Check a 6-digit code against its transaction. Wrong codes count (at most 5); a used or
    expired transaction is refused. Success gives (raw bearer token, token row)."""
    now = now or timezone.now()
    error = None
    with transaction.atomic():
        txn = OtpTransaction.objects.select_for_update().filter(txn_id=txn_id).first()
        if txn is None:
            error = InvalidInput(_("This OTP request is not known. Ask for a new OTP."), code="otp_unknown_transaction")
        elif txn.used_at is not None:
            error = InvalidInput(_("This OTP was already used. Ask for a new OTP."), code="otp_used")
        elif txn.attempts >= MAX_ATTEMPTS:
            error = TooManyRequests(_("Too many wrong OTPs. Ask for a new OTP."), code="otp_attempts_exceeded",
                                    retry_after=settings.BOOKINGS_OTP_RESEND_SECONDS)
        elif now >= txn.expires_at:
            error = InvalidInput(_("This OTP has expired. Ask for a new OTP."), code="otp_expired")
        elif not hmac.compare_digest(txn.code_hmac, _code_hmac(str(txn.txn_id), code)):
            txn.attempts += 1
            txn.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - txn.attempts
            error = InvalidInput(_("The OTP is wrong. %(left)s attempts left.") % {"left": left},
                                 code="otp_wrong", attempts_left=left)
        else:
            txn.used_at = now
            txn.save(update_fields=["used_at"])
            raw = secrets.token_urlsafe(32)
            token = CitizenToken.objects.create(token_hash=token_hash(raw), mobile=txn.mobile,
                                                created_at=now, expires_at=now + TOKEN_VALID)
            return raw, token
    metrics.otp_refused(error.code)
    raise error


def token_lookup(raw: str, *, now: dt.datetime | None = None) -> CitizenToken | None:
    """The live token for a raw bearer value, or None (unknown, expired or revoked)."""
    if not raw or len(raw) > 100:
        return None
    now = now or timezone.now()
    # Every citizen API call starts here: one indexed lookup without ORM query compilation.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, mobile, created_at, expires_at FROM bookings_citizentoken "
                       "WHERE token_hash = %s AND NOT revoked AND expires_at > %s",
                       [token_hash(raw), connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    return CitizenToken(pk=row[0], token_hash=token_hash(raw), mobile=row[1], created_at=row[2], expires_at=row[3])


def token_by_id(token_id, *, now: dt.datetime | None = None) -> CitizenToken | None:
    now = now or timezone.now()
    if not isinstance(token_id, int):
        return None
    return CitizenToken.objects.filter(pk=token_id, revoked=False, expires_at__gt=now).first()


def token_revoke(*, token: CitizenToken) -> None:
    CitizenToken.objects.filter(pk=token.pk).update(revoked=True)
