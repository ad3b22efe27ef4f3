# The outbox and its voice calls moved to the notifications app. State only: the tables
# (escalation_outboxmessage, escalation_voicecall) stay with their rows; notifications
# 0001 takes them over under the same names.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('escalation', '0007_vendor_loop'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.RemoveField(
                    model_name='voicecall',
                    name='message',
                ),
                migrations.RemoveField(
                    model_name='voicecall',
                    name='notice',
                ),
                migrations.DeleteModel(
                    name='OutboxMessage',
                ),
                migrations.DeleteModel(
                    name='VoiceCall',
                ),
        ]),
    ]
