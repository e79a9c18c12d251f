from django.apps import AppConfig


class WalletAuthConfig(AppConfig):
    name = "blockdesk.wallet_auth"
    label = "wallet_auth"
    verbose_name = "Sign-In with Ethereum"
