"""Reads of email inboxes for Settings → Email inboxes, scoped by who asks (the views
are administrators' only; the account scope is here)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.connectors.email.models import EmailChannel


def email_channels(*, user: User) -> QuerySet[EmailChannel]:
    return EmailChannel.objects.filter(inbox__account_id=user.account_pk).select_related("inbox")


def get_email_channel(*, user: User, inbox_id: int) -> EmailChannel:
    channel = email_channels(user=user).filter(inbox_id=inbox_id).first()
    if channel is None:
        raise NotFound(_("No such inbox."))
    return channel
