from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "blockdesk.chain"
    label = "chain"

    def ready(self) -> None:
        from blockdesk.chain.services import do_purge_old_sightings, do_requeue_due_watches
        from blockdesk.common.periodic import register_periodic_job

        register_periodic_job(do_requeue_due_watches)
        register_periodic_job(do_purge_old_sightings)
