from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "blockdesk.conversations"
    label = "conversations"
