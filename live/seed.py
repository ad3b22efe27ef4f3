"""The portal's five components and one demo incident with updates. Idempotent."""

from __future__ import annotations

from django.db import transaction

from accounts.models import District, User

from . import services
from .models import Component, ComponentStatus, Incident, IncidentStatus

COMPONENTS = [
    # code, English, Hindi, position
    ("registration", "Registration", "पंजीकरण", 10),
    ("otp-sms", "OTP / SMS", "ओटीपी / एसएमएस", 20),
    ("slot-booking", "Slot booking", "स्लॉट बुकिंग", 30),
    ("certificate", "Certificate download", "प्रमाणपत्र डाउनलोड", 40),
    ("phone-line", "Helpdesk phone line", "हेल्पडेस्क फ़ोन लाइन", 50),
]

DEMO_TITLE = "OTP SMS delayed in Bastar"


def ensure_components() -> list[Component]:
    out = []
    for code, name_en, name_hi, position in COMPONENTS:
        component, _ = Component.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_hi": name_hi, "position": position})
        out.append(component)
    return out


@transaction.atomic
def seed(*, size: int, stdout) -> None:
    components = {c.code: c for c in ensure_components()}
    if Incident.objects.filter(title=DEMO_TITLE).exists():
        return
    supervisor = User.objects.filter(username="supervisor").first()
    bastar = District.objects.filter(code="bastar").first()
    incident = services.incident_create(
        title=DEMO_TITLE, title_hi="बस्तर में ओटीपी एसएमएस देर से पहुँच रहे हैं", severity="major", actor=supervisor,
        components=[components["otp-sms"]], districts=[bastar] if bastar else [],
        component_status=ComponentStatus.PARTIAL_OUTAGE,
        body_en="We are investigating delayed OTP messages for citizens in Bastar.",
        body_hi="बस्तर के नागरिकों को ओटीपी संदेश देर से मिलने की जाँच की जा रही है।",
    )
    services.incident_post_update(
        incident_id=incident.pk, status=IncidentStatus.IDENTIFIED, actor=supervisor,
        body_en="The SMS gateway's route for the Bastar circle is congested; the vendor is switching routes.",
        body_hi="बस्तर सर्किल के लिए एसएमएस गेटवे का मार्ग व्यस्त है; वेंडर मार्ग बदल रहा है।",
    )
    services.incident_add_note(incident_id=incident.pk, actor=supervisor,
                               body="Vendor engineer on call confirmed by phone.")
    stdout.write(f"  live: {len(components)} components, demo incident #{incident.pk}")
