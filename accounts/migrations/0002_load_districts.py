from django.db import migrations


def load(apps, schema_editor):
    from accounts.districts import DISTRICTS

    District = apps.get_model("accounts", "District")
    for code, cowin_id, name_en, name_hi in DISTRICTS:
        District.objects.update_or_create(code=code, defaults={"cowin_id": cowin_id, "name_en": name_en, "name_hi": name_hi})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
