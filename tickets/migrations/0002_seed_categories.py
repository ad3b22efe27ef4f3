from django.db import migrations

CATEGORIES = [
    # code, English, Hindi, default priority
    ("portal-down", "Portal down / not opening", "पोर्टल बंद है / नहीं खुल रहा", "P1"),
    ("otp-not-received", "OTP not received", "ओटीपी प्राप्त नहीं हुआ", "P2"),
    ("registration-failed", "Registration failed", "पंजीकरण विफल हुआ", "P2"),
    ("slot-not-shown", "Slot or centre not shown", "स्लॉट या केंद्र नहीं दिख रहा", "P2"),
    ("wrong-booking", "Wrong booking details", "बुकिंग में गलत जानकारी", "P3"),
    ("certificate", "Vaccination certificate", "टीकाकरण प्रमाणपत्र", "P3"),
    ("other", "Other", "अन्य", "P4"),
]


def load(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    for position, (code, en, hi, priority) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code, defaults={"name_en": en, "name_hi": hi, "default_priority": priority, "position": position * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
