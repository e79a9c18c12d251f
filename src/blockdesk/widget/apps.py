from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "blockdesk.widget"
    label = "widget"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from blockdesk.accounts.models import Account
        from blockdesk.connectors.models import WebWidgetChannel
        from blockdesk.conversations.models import Inbox
        from blockdesk.widget.services import forget_widget_channels

        for model in (WebWidgetChannel, Inbox, Account):
            post_save.connect(forget_widget_channels, sender=model, dispatch_uid=f"widget-{model}")
            post_delete.connect(
                forget_widget_channels, sender=model, dispatch_uid=f"widget-del-{model}"
            )
