from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "blockdesk.channels_"
    label = "channels_"
    verbose_name = "Channels"
