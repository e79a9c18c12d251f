from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "blockdesk.kb"
    label = "kb"
