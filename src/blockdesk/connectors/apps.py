from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    """Channel kinds (web widget today; email, Telegram, Discord next): one model and
    package per kind behind one contract. Named so it cannot be mistaken for Django
    Channels; until December 2026 this app was `channels_` (migration 0001 adopts it)."""

    name = "blockdesk.connectors"
    label = "connectors"
    verbose_name = "Connectors"
