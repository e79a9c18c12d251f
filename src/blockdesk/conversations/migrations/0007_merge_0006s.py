# Three branches each added a 0006 (an identity kind for X; separate first responses;
# the timeline kinds of contact moves).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0006_discord_x_identity"),
        ("conversations", "0006_identity_contact_moves"),
        ("conversations", "0006_triage_first_responses"),
    ]

    operations = []
