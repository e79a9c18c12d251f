from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "blockdesk.common"
    label = "common"

    def ready(self) -> None:
        from blockdesk.common import logfilters

        # Every process that sets Django up (serve, its workers, manage.py) gets it.
        logfilters.install()
