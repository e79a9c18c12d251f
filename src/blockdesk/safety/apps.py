from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "blockdesk.safety"
    label = "safety"
