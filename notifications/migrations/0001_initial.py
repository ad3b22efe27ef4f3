# Takes over the outbox tables of escalation (state only: the tables and rows are kept, under
# their first names, see Meta.db_table). The content types follow, so admin permissions and the
# admin log keep pointing at the same models.

import django.db.models.deletion
from django.db import migrations, models

MOVED = ["outboxmessage", "voicecall"]


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label="notifications", model__in=MOVED).values_list("model", flat=True))
    ContentType.objects.filter(app_label="escalation", model__in=[m for m in MOVED if m not in taken]).update(
        app_label="notifications")


def unmove_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(ContentType.objects.filter(app_label="escalation", model__in=MOVED).values_list("model", flat=True))
    ContentType.objects.filter(app_label="notifications", model__in=[m for m in MOVED if m not in taken]).update(
        app_label="escalation")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('escalation', '0008_outbox_moved_to_notifications'),
        ('tickets', '0008_vendor_loop'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='OutboxMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('idempotency_key', models.CharField(max_length=200, unique=True)),
                        ('channel', models.CharField(choices=[('sms', 'SMS'), ('email', 'Email'), ('webhook', 'Webhook'), ('voice', 'Phone call')], max_length=10)),
                        ('recipient', models.CharField(max_length=300)),
                        ('subject', models.CharField(blank=True, max_length=200)),
                        ('body', models.TextField()),
                        ('redacted_body', models.TextField(blank=True, default='')),
                        ('language', models.CharField(default='en', max_length=8)),
                        ('fallback', models.JSONField(blank=True, default=list)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('notice', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='messages', to='escalation.escalationnotice')),
                        ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outbox', to='tickets.ticket')),
                    ],
                    options={
                        'db_table': 'escalation_outboxmessage',
                    },
                ),
                migrations.CreateModel(
                    name='VoiceCall',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider_call_id', models.CharField(max_length=100, unique=True)),
                        ('to', models.CharField(max_length=20)),
                        ('status', models.CharField(choices=[('requested', 'Calling'), ('acknowledged', 'Answered, pressed 1'), ('answered', 'Answered, not acknowledged'), ('no_answer', 'Not answered'), ('busy', 'Busy'), ('failed', 'Failed')], default='requested', max_length=12)),
                        ('digits', models.CharField(blank=True, max_length=10)),
                        ('requested_at', models.DateTimeField()),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('message', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='call', to='notifications.outboxmessage')),
                        ('notice', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='calls', to='escalation.escalationnotice')),
                    ],
                    options={
                        'db_table': 'escalation_voicecall',
                        'ordering': ['-requested_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='outboxmessage',
                    index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='outbox_pending_due'),
                ),
                migrations.AddIndex(
                    model_name='outboxmessage',
                    index=models.Index(condition=models.Q(('status', 'sending')), fields=['claimed_at'], name='outbox_sending'),
                ),
                migrations.AddConstraint(
                    model_name='outboxmessage',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'sending', 'sent', 'failed', 'cancelled'])), name='outbox_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='outboxmessage',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='outbox_sent_has_time'),
                ),
                migrations.AddConstraint(
                    model_name='voicecall',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['requested', 'acknowledged', 'answered', 'no_answer', 'busy', 'failed'])), name='voicecall_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='voicecall',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'requested'), ('finished_at__isnull', False), _connector='OR'), name='voicecall_finished_has_time'),
                ),
        ]),
        migrations.RunPython(move_content_types, unmove_content_types),
    ]
