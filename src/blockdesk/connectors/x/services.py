"""Creating and configuring X inboxes (admins only). A new access token is checked with
X (`GET /2/users/me`) before it is stored, encrypted; the account's id comes from there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.connectors.contract import DeliveryFailed
from blockdesk.connectors.x import api
from blockdesk.connectors.x.models import XChannel
from blockdesk.conversations.models import Inbox

FIELDS = (
    "enabled", "client_id", "client_secret", "access_token", "refresh_token", "consumer_secret",
    "poll_mentions", "poll_dms", "thread_long_replies",
)  # fmt: skip
SECRETS = ("client_secret", "access_token", "refresh_token", "consumer_secret")


def _apply(channel: XChannel, values: dict[str, Any]) -> None:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("Unknown setting."))
    new_token = str(values.get("access_token") or "").strip()
    for name, value in values.items():
        if name in SECRETS and value in (None, ""):
            continue  # left empty in the form: keep the stored secret
        setattr(channel, name, value.strip() if isinstance(value, str) else value)
    if new_token:
        try:
            user = api.me(channel, token=new_token)
        except DeliveryFailed as exc:
            raise ValidationFailed.field(
                "access_token",
                _("X did not accept this token: %(reason)s") % {"reason": exc.reason},
            ) from exc
        channel.user_id = str(user.get("id") or "")
        channel.username = str(user.get("username") or "")[:50]
    if channel.enabled and not (channel.access_token and channel.user_id):
        raise ValidationFailed.field("access_token", _("Enter the account's access token."))
    try:
        channel.full_clean(exclude=["inbox"])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def do_create_x_inbox(
    *, account: Account, name: str, members: Sequence[User] = (), actor: User | None = None,
    **values: Any,
) -> XChannel:  # fmt: skip
    if actor is not None:
        check_admin(actor=actor)
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the inbox a name."))
    channel = XChannel()
    _apply(channel, values)
    with transaction.atomic():
        inbox = Inbox.objects.create(
            account=account, name=name.strip()[:120], channel_kind=XChannel.kind
        )
        channel.inbox = inbox
        channel.save()
        inbox.members.set([m for m in members if m.account_id == account.pk])
    return channel


def do_update_x_inbox(
    *, actor: User, channel: XChannel, name: str | None = None, **values: Any
) -> XChannel:
    check_admin(actor=actor)
    inbox = channel.inbox
    if inbox.account_id != actor.account_pk:
        raise NotFound()
    _apply(channel, values)
    with transaction.atomic():
        if name is not None and name.strip():
            inbox.name = name.strip()[:120]
            inbox.save(update_fields=["name"])
        channel.save()
    return channel
