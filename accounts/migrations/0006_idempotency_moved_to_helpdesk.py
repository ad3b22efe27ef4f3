# Idempotency records moved to the project package (helpdesk.models). State only: the table
# accounts_idempotencyrecord stays with its rows; helpdesk 0001 takes it over by name.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_api_tokens'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.DeleteModel(
                    name='IdempotencyRecord',
                ),
        ]),
    ]
