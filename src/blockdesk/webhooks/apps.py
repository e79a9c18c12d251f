from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "blockdesk.webhooks"
    label = "webhooks"
