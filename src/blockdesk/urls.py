from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django.urls.resolvers import RoutePattern

from blockdesk.common.lazy_urls import LazyURLResolver
from blockdesk.widget.views import widget_demo

urlpatterns = [
    path("", lambda request: redirect("workspace:inbox"), name="home"),
    # First among the prefixes, with the widget's: an API call or a widget request is
    # resolved without trying the console's ~50 includes before it (issue 17).
    # The REST API (django-ninja, pydantic and every schema: ~25 MB per process) loads
    # with the first /api/ request or `rest:` reverse, not in every web worker, nor with a
    # page's {% url %} (common/lazy_urls.py; docs/benchmarks.md, "Memory").
    LazyURLResolver(RoutePattern("api/"), "blockdesk.urls_api", app_name="ninja", namespace="rest"),
    path("widget/", include("blockdesk.widget.urls")),
    path("", include("blockdesk.ops.urls")),  # /healthz, /readyz, /metrics
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("blockdesk.accounts.urls")),
    path("", include("blockdesk.assistant.urls")),  # /app/settings/assistant/ and more
    path("app/settings/webhooks/", include("blockdesk.webhooks.urls")),
    path("app/settings/events/", include("blockdesk.audit.consumer_urls")),
    path("app/settings/audit/", include("blockdesk.audit.urls")),
    path("app/settings/records/", include("blockdesk.records.settings_urls")),
    path("app/settings/triage/", include("blockdesk.triage.urls")),
    path("app/settings/official-channels/", include("blockdesk.trust.admin_urls")),
    path("app/settings/shared-knowledge/", include("blockdesk.peering.urls")),
    path("peering/", include("blockdesk.peering.feed_urls")),
    path("app/settings/api-tokens/", include("blockdesk.api.urls")),
    path("app/kb/", include("blockdesk.kb.agent_urls")),
    path("app/staffing/", include("blockdesk.staffing.urls")),
    path("app/settings/sla/", include("blockdesk.sla.urls")),
    path("app/settings/routing/", include("blockdesk.routing.urls")),
    path("app/presence/", include("blockdesk.routing.presence_urls")),
    path("app/surveys/", include("blockdesk.surveys.urls")),
    path("app/quality/", include("blockdesk.quality.urls")),
    path("app/reports/", include("blockdesk.reports.urls")),
    path("app/feedback/", include("blockdesk.feedback.urls")),
    path("app/education/", include("blockdesk.education.urls")),
    path("app/channels/", include("blockdesk.connectors.urls")),
    path("app/settings/email/", include("blockdesk.connectors.email.urls")),
    path("app/settings/discord/", include("blockdesk.connectors.discord.urls")),
    path("app/settings/x/", include("blockdesk.connectors.x.urls")),
    path("hooks/discord/", include("blockdesk.connectors.discord.hook_urls")),
    path("hooks/x/", include("blockdesk.connectors.x.hook_urls")),
    path("app/settings/calls/", include("blockdesk.calls.urls")),
    path("app/calls/", include("blockdesk.calls.recording_urls")),
    path("app/contacts/", include("blockdesk.conversations.contact_urls")),
    path("app/settings/telegram/", include("blockdesk.connectors.telegram.urls")),
    path("telegram/", include("blockdesk.connectors.telegram.public_urls")),
    path("app/", include("blockdesk.workspace.urls")),
    path("help/", include("blockdesk.kb.urls")),
    path("changelog/", include("blockdesk.announcements.urls")),
    path("status/", include("blockdesk.statuspage.urls")),
    path("subscriptions/", include("blockdesk.notifications.urls")),
    path("app/announcements/", include("blockdesk.announcements.console_urls")),
    path("app/status/", include("blockdesk.statuspage.console_urls")),
    path("verify/", include("blockdesk.trust.urls")),
    path("wallet/", include("blockdesk.wallet_auth.urls")),
    path("records/", include("blockdesk.records.urls")),
    path("survey/", include("blockdesk.surveys.public_urls")),
    path("feedback/", include("blockdesk.feedback.public_urls")),
    path("learn/", include("blockdesk.education.public_urls")),
    path("customer/", include("blockdesk.customers.urls")),
    path("community/", include("blockdesk.forum.urls")),
    path("app/community/", include("blockdesk.forum.agent_urls")),
    path("routing/", include("blockdesk.routing.public_urls")),
    path("widget-demo/", widget_demo, name="widget_demo"),
    path("attachments/", include("blockdesk.conversations.urls")),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# A database outage raised in a middleware answers 503, not an HTML 500 (ops/faults.py).
handler500 = "blockdesk.ops.faults.server_error"
