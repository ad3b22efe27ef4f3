# Takes over accounts' idempotency table (state only; Meta.db_table keeps its name and rows).

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="helpdesk", model="idempotencyrecord").exists():
        ContentType.objects.filter(app_label="accounts", model="idempotencyrecord").update(app_label="helpdesk")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0006_idempotency_moved_to_helpdesk'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=100)),
                        ('scope', models.CharField(help_text='user:<id>, citizen:<token id> or anon', max_length=80)),
                        ('fingerprint', models.CharField(max_length=64)),
                        ('status_code', models.PositiveSmallIntegerField(default=0)),
                        ('response_body', models.JSONField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        'db_table': 'accounts_idempotencyrecord',
                        'constraints': [models.UniqueConstraint(fields=('scope', 'key'), name='idempotency_scope_key')],
                    },
                ),
        ]),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
