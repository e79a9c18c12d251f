"""Creating and configuring inboxes of each channel kind."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.connectors.models import WebWidgetChannel
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
    allowed_origins: str = "",
) -> WebWidgetChannel:
    if actor is not None:
        check_admin(actor=actor)
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the inbox a name."))
    origins = check_allowed_origins(raw=allowed_origins)
    with transaction.atomic():
        inbox = Inbox.objects.create(
            account=account, name=name.strip()[:120], channel_kind=WebWidgetChannel.kind
        )
        channel = WebWidgetChannel(
            inbox=inbox,
            website_url=website_url,
            welcome_title=welcome_title,
            welcome_tagline=welcome_tagline,
            allowed_origins=origins,
        )
        try:
            channel.full_clean()
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        channel.save()
        inbox.members.set([m for m in members if m.account_id == account.pk])
    return channel


def check_allowed_origins(*, raw: str) -> str:
    """One origin per line, normalised; "*" is the explicit opt-in for any site."""
    origins = [o.strip().rstrip("/") for o in raw.split() if o.strip()]
    for origin in origins:
        if origin == "*":
            continue
        # They end up in a CSP frame-ancestors directive: only plain origins are allowed.
        scheme, _sep, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or any(c in host for c in "/;,'\" "):
            raise ValidationFailed.field(
                "allowed_origins",
                _("“%(origin)s” is not an origin like https://example.com.") % {"origin": origin},
            )
    return "\n".join(origins)


def do_update_inbox_members(*, actor: User, inbox: Inbox, members: Sequence[User]) -> None:
    check_admin(actor=actor)
    inbox.members.set([m for m in members if m.account_id == inbox.account_id])


def do_update_web_widget_inbox(
    *,
    actor: User,
    channel: WebWidgetChannel,
    name: str,
    members: Sequence[User],
    website_url: str = "",
    welcome_title: str = "",
    welcome_tagline: str = "",
    color: str = "#1f6feb",
    allowed_origins: str = "",
) -> WebWidgetChannel:
    check_admin(actor=actor)
    inbox: Inbox = channel.inbox
    if inbox.account_id != actor.account_pk:
        raise NotFound()  # another account's inbox: not found, as everywhere
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the inbox a name."))
    color = color.strip().lower()
    if len(color) != 7 or color[0] != "#" or any(c not in "0123456789abcdef" for c in color[1:]):
        raise ValidationFailed.field("color", _("Enter a colour like #1f6feb."))
    origins = check_allowed_origins(raw=allowed_origins)
    with transaction.atomic():
        inbox.name = name.strip()[:120]
        channel.website_url = website_url.strip()
        channel.welcome_title = welcome_title.strip()
        channel.welcome_tagline = welcome_tagline.strip()
        channel.color = color
        channel.allowed_origins = origins
        try:
            inbox.full_clean()
            channel.full_clean()
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        inbox.save(update_fields=["name"])
        channel.save()
        inbox.members.set([m for m in members if m.account_id == inbox.account_id])
    return channel
