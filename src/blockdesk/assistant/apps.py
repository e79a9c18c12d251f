from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "blockdesk.assistant"
    label = "assistant"
