from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeeringConfig(AppConfig):
    name = "blockdesk.peering"
    label = "peering"
    verbose_name = _("Knowledge shared between projects")

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.peering.builtin import ARTICLE_SOURCE, SCAM_SOURCE
        from blockdesk.peering.forum_answers import ANSWER_SOURCE
        from blockdesk.peering.publishing import refresh_due_feeds
        from blockdesk.peering.sources import register_feed_source
        from blockdesk.peering.subscribing import sync_due_subscriptions

        register_feed_source(ARTICLE_SOURCE)
        register_feed_source(SCAM_SOURCE)
        # The forum sits below peering: its accepted answers are registered from here.
        register_feed_source(ANSWER_SOURCE)
        register_periodic_job(refresh_due_feeds)
        register_periodic_job(sync_due_subscriptions)
