"""Settings → Telegram bots: administrators add and change Telegram inboxes (the page every
platform channel shares, connectors/channel_views.py). The services check the role and
the account again."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from blockdesk.connectors.channel_views import ChannelPage, channel_settings
from blockdesk.connectors.telegram import services
from blockdesk.connectors.telegram.forms import TelegramInboxForm, initial_for
from blockdesk.connectors.telegram.models import TelegramChannel
from blockdesk.workspace.http import admin_required

GET_POST = require_http_methods(["GET", "POST"])

PAGE = ChannelPage(
    model=TelegramChannel,
    form=TelegramInboxForm,
    initial=initial_for,
    create=services.do_create_telegram_inbox,
    update=services.do_update_telegram_inbox,
    template="connectors/telegram/settings.html",
    section="telegram",
    edit_url="telegram_channel:edit",
    added=gettext_lazy("The Telegram bot was added."),
    saved=gettext_lazy("The Telegram bot was saved."),
)


@admin_required
@GET_POST
def telegram_inboxes(request: HttpRequest) -> HttpResponse:
    return channel_settings(request, PAGE, None)


@admin_required
@GET_POST
def telegram_inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    return channel_settings(request, PAGE, inbox_id)
