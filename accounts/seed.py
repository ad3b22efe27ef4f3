"""Demo people: one login per role, printed by `manage.py seed_demo` and `make run`."""

from __future__ import annotations

from accounts.models import District, Role, User, Vendor

DEMO_PASSWORD = "helpdesk-demo"

VENDORS = {  # code: name. Two vendors, so that cross-vendor isolation is real in the demo.
    "state-it": "State IT agency (portal vendor)",
    "sms-gateway": "Bharat SMS Gateway (OTP/SMS vendor)",
}
DEMO_USERS = [
    # username, role, first, last, title, district code, vendor code, mobile
    ("admin", Role.ADMIN, "Asha", "Admin", "", None, None, "9000000001"),
    ("supervisor", Role.SUPERVISOR, "Sunita", "Verma", "State helpdesk supervisor", None, None, "9000000002"),
    ("agent", Role.AGENT, "Amit", "Sahu", "", None, None, "9000000003"),
    ("agent2", Role.AGENT, "Kavita", "Yadav", "", None, None, "9000000004"),
    ("raipur", Role.DISTRICT_OFFICIAL, "Rakesh", "Patel", "District Immunisation Officer", "raipur", None, "9000000005"),
    ("bastar", Role.DISTRICT_OFFICIAL, "Meena", "Kashyap", "District Immunisation Officer", "bastar", None, "9000000006"),
    ("engineer", Role.VENDOR_ENGINEER, "Vikas", "Singh", "On-call engineer", None, "state-it", "9000000007"),
    ("engineer2", Role.VENDOR_ENGINEER, "Neha", "Dewangan", "On-call engineer", None, "state-it", "9000000008"),
    ("officer", Role.VENDOR_OFFICER, "Rajesh", "Tiwari", "Responsible officer", None, "state-it", "9000000009"),
    ("head", Role.VENDOR_OFFICER, "Pradeep", "Mishra", "Vendor head", None, "state-it", "9000000010"),
    ("smsengineer", Role.VENDOR_ENGINEER, "Arjun", "Netam", "On-call engineer (SMS gateway)", None, "sms-gateway",
     "9000000011"),
    ("smsengineer2", Role.VENDOR_ENGINEER, "Pooja", "Sahu", "On-call engineer (SMS gateway)", None, "sms-gateway",
     "9000000012"),
    ("smsofficer", Role.VENDOR_OFFICER, "Manoj", "Dhruw", "Responsible officer (SMS gateway)", None, "sms-gateway",
     "9000000013"),
    ("smshead", Role.VENDOR_OFFICER, "Anita", "Nag", "Vendor head (SMS gateway)", None, "sms-gateway", "9000000014"),
]


def seed(*, size: int, stdout) -> None:
    vendors = {code: Vendor.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in VENDORS.items()}
    districts = {d.code: d for d in District.objects.all()}
    for username, role, first, last, title, district_code, vendor_code, mobile in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role, "first_name": first, "last_name": last, "title": title, "mobile": mobile,
                "district": districts.get(district_code) if district_code else None,
                "vendor": vendors[vendor_code] if vendor_code else None,
                "is_staff": role in (Role.SUPERVISOR, Role.ADMIN),
                "is_superuser": role == Role.ADMIN,
                "email": f"{username}@example.org",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])


def logins() -> list[tuple[str, str, str]]:
    return [(username, DEMO_PASSWORD, str(role.label) + (f" · {VENDORS[vendor]}" if vendor else ""))
            for username, role, _first, _last, _title, _district, vendor, _mobile in DEMO_USERS]
