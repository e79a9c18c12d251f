"""Creating and configuring inboxes of each channel kind."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import ValidationFailed
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
