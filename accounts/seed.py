"""Demo people: one login per role, printed by `manage.py seed_demo` and `make run`."""

from __future__ import annotations

from accounts.models import District, Role, User, Vendor

DEMO_PASSWORD = "helpdesk-demo"

DEMO_USERS = [
    # username, role, first, last, title, district code, vendor?, mobile
    ("admin", Role.ADMIN, "Asha", "Admin", "", None, False, "9000000001"),
    ("supervisor", Role.SUPERVISOR, "Sunita", "Verma", "State helpdesk supervisor", None, False, "9000000002"),
    ("agent", Role.AGENT, "Amit", "Sahu", "", None, False, "9000000003"),
    ("agent2", Role.AGENT, "Kavita", "Yadav", "", None, False, "9000000004"),
    ("raipur", Role.DISTRICT_OFFICIAL, "Rakesh", "Patel", "District Immunisation Officer", "raipur", False, "9000000005"),
    ("bastar", Role.DISTRICT_OFFICIAL, "Meena", "Kashyap", "District Immunisation Officer", "bastar", False, "9000000006"),
    ("engineer", Role.VENDOR_ENGINEER, "Vikas", "Singh", "On-call engineer", None, True, "9000000007"),
    ("engineer2", Role.VENDOR_ENGINEER, "Neha", "Dewangan", "On-call engineer", None, True, "9000000008"),
    ("officer", Role.VENDOR_OFFICER, "Rajesh", "Tiwari", "Responsible officer", None, True, "9000000009"),
    ("head", Role.VENDOR_OFFICER, "Pradeep", "Mishra", "Vendor head", None, True, "9000000010"),
]


def seed(*, size: int, stdout) -> None:
    vendor, _ = Vendor.objects.get_or_create(code="state-it", defaults={"name": "State IT agency (portal vendor)"})
    districts = {d.code: d for d in District.objects.all()}
    for username, role, first, last, title, district_code, in_vendor, mobile in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role, "first_name": first, "last_name": last, "title": title, "mobile": mobile,
                "district": districts.get(district_code) if district_code else None,
                "vendor": vendor if in_vendor else None,
                "is_staff": role in (Role.SUPERVISOR, Role.ADMIN),
                "is_superuser": role == Role.ADMIN,
                "email": f"{username}@example.org",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])


def logins() -> list[tuple[str, str, str]]:
    return [(username, DEMO_PASSWORD, str(role.label)) for username, role, *_ in DEMO_USERS]
