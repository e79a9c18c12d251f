from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "blockdesk.accounts"
    label = "accounts"
