"""An empty allowed-origins list used to mean "any site" and now means "this server's own
pages only". Widgets already embedded elsewhere keep working: their empty list becomes the
explicit "*", which the inbox settings page flags with a warning until the admin lists
their sites."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def keep_any_origin(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    channel = apps.get_model("channels_", "WebWidgetChannel")
    rows = channel.objects.only("pk", "allowed_origins")
    empty = [row.pk for row in rows if not row.allowed_origins.strip()]
    channel.objects.filter(pk__in=empty).update(allowed_origins="*")


class Migration(migrations.Migration):
    dependencies = [("channels_", "0001_initial")]

    operations = [migrations.RunPython(keep_any_origin, migrations.RunPython.noop)]
