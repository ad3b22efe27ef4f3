"""Demo centre staff: `centre` records at District Hospital Raipur (centre 109001)."""

from __future__ import annotations

from accounts.models import Role, User
from accounts.seed import DEMO_PASSWORD
from bookings.models import Centre

DEMO_CENTRE_STAFF = [("centre", "Chandra", "Sahu", 109001), ("centre-bastar", "Bhagat", "Netam", 113001)]


def seed(*, size: int, stdout) -> None:
    for username, first, last, center_id in DEMO_CENTRE_STAFF:
        centre = Centre.objects.filter(center_id=center_id).select_related("district").first()
        if centre is None:
            continue
        user, created = User.objects.get_or_create(username=username, defaults={
            "role": Role.CENTRE_STAFF, "first_name": first, "last_name": last, "centre": centre,
            "district": centre.district, "title": "Centre staff", "email": f"{username}@example.org"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        stdout.write(f"centre staff: {username} / {DEMO_PASSWORD} at {centre.name} ({centre.center_id}): /centre/")
