from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "blockdesk.common"
    label = "common"
