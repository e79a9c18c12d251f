from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "blockdesk.chain"
    label = "chain"
