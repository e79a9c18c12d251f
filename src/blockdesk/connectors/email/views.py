"""Settings → Email inboxes: administrators add and change email inboxes and test the
IMAP connection (the page every platform channel shares, connectors/channel_views.py).
The services check the role and the account again."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.common.errors import BlockdeskError, NotFound
from blockdesk.connectors.channel_views import ChannelPage, channel_settings
from blockdesk.connectors.email import selectors, services
from blockdesk.connectors.email.forms import EmailInboxForm, initial_for
from blockdesk.connectors.email.models import EmailChannel
from blockdesk.workspace.http import admin_required, current_agent

GET_POST = require_http_methods(["GET", "POST"])

PAGE = ChannelPage(
    model=EmailChannel,
    form=EmailInboxForm,
    initial=initial_for,
    create=services.do_create_email_inbox,
    update=services.do_update_email_inbox,
    template="connectors/email/settings.html",
    section="email",
    edit_url="email_channel:edit",
    added=gettext_lazy("The email inbox was added."),
    saved=gettext_lazy("The email inbox was saved."),
)


@admin_required
@GET_POST
def email_inboxes(request: HttpRequest) -> HttpResponse:
    return channel_settings(request, PAGE, None)


@admin_required
@GET_POST
def email_inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    return channel_settings(request, PAGE, inbox_id)


@admin_required
@require_POST
def email_inbox_test(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """The "test connection" button."""
    user = current_agent(request)
    try:
        channel = selectors.get_email_channel(user=user, inbox_id=inbox_id)
    except NotFound as exc:
        raise Http404() from exc
    try:
        messages.success(request, services.check_email_connection(actor=user, channel=channel))
    except BlockdeskError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("email_channel:edit", args=[inbox_id]))
