from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "blockdesk.records"
    label = "records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.records import anchoring

        anchoring.register()  # anchor due accounts; confirm pending anchors
