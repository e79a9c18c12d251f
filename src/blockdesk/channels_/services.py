"""Creating and configuring inboxes of each channel kind."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import check_admin
from blockdesk.channels_.models import WebWidgetChannel
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations.models import Inbox


def do_create_web_widget_inbox(
    *,
    account: Account,
    name: str,
    website_url: str = "",
    members: Sequence[User] = (),
    actor: User | None = None,
    welcome_title: str = "",
    welcome_tagline: str = "",
) -> WebWidgetChannel:
    if actor is not None:
        check_admin(actor=actor)
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the inbox a name."))
    with transaction.atomic():
        inbox = Inbox.objects.create(
            account=account, name=name.strip()[:120], channel_kind=WebWidgetChannel.kind
        )
        channel = WebWidgetChannel(
            inbox=inbox,
            website_url=website_url,
            welcome_title=welcome_title,
            welcome_tagline=welcome_tagline,
        )
        try:
            channel.full_clean()
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        channel.save()
        inbox.members.set([m for m in members if m.account_id == account.pk])
    return channel


def do_update_inbox_members(*, actor: User, inbox: Inbox, members: Sequence[User]) -> None:
    check_admin(actor=actor)
    inbox.members.set([m for m in members if m.account_id == inbox.account_id])
