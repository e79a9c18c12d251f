from django.apps import AppConfig


class WalletAuthConfig(AppConfig):
    name = "blockdesk.wallet_auth"
    label = "wallet_auth"
    verbose_name = "Sign-In with Ethereum"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.wallet_auth.services import do_purge_expired_nonces

        register_periodic_job(do_purge_expired_nonces)
