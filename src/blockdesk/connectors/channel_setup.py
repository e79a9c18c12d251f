"""What configuring an inbox of any platform channel shares (email, Telegram, Discord and
X use it): the admin check, the inbox's name, setting the allowed fields and the model's
validation, and creating or saving the inbox with its channel row in one transaction.
The package validates its own settings first (a token check is a network call, made
before the transaction)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.connectors.models import BaseChannel
from blockdesk.conversations.models import Inbox

C = TypeVar("C", bound=BaseChannel)


def check_inbox_name(name: str) -> str:
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the inbox a name."))
    return name.strip()[:120]


def assign_settings(
    channel: BaseChannel,
    values: dict[str, Any],
    *,
    fields: Sequence[str],
    secrets: Sequence[str] = (),
) -> set[str]:
    """Sets `values` on `channel` (strings stripped) and returns the names set; a name
    outside `fields` is refused, and a secret left empty (the form never shows the stored
    one) keeps the stored value. What each setting means stays the package's own."""
    unknown = set(values) - set(fields)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("Unknown setting."))
    assigned = set()
    for name, value in values.items():
        if name in secrets and value in (None, ""):
            continue
        setattr(channel, name, value.strip() if isinstance(value, str) else value)
        assigned.add(name)
    return assigned


def clean_channel(channel: BaseChannel) -> None:
    """The model's own validation (the inbox is created or kept by this module)."""
    try:
        channel.full_clean(exclude=["inbox"])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def check_can_configure(*, actor: User, channel: BaseChannel) -> None:
    check_admin(actor=actor)
    if channel.inbox.account_id != actor.account_pk:
        raise NotFound()  # another account's inbox: not found, as everywhere


def do_create_channel_inbox(
    *, account: Account, name: str, channel: C, members: Sequence[User] = ()
) -> C:
    """`channel`: validated, not saved yet; its inbox is created with it."""
    with transaction.atomic():
        inbox = Inbox.objects.create(
            account=account, name=check_inbox_name(name), channel_kind=channel.kind
        )
        channel.inbox = inbox
        channel.save()
        inbox.members.set([m for m in members if m.account_id == account.pk])
    return channel


def do_save_channel_inbox(*, channel: C, name: str | None) -> C:
    """After `check_can_configure` and the package's own validation."""
    with transaction.atomic():
        if name is not None:
            channel.inbox.name = check_inbox_name(name)
            channel.inbox.save(update_fields=["name"])
        channel.save()
    return channel


Apply = Callable[[Any, dict[str, Any]], None]  # the package's own validation of its settings


def do_create_configured_inbox(
    *,
    account: Account,
    name: str,
    channel: C,
    apply: Apply,
    values: dict[str, Any],
    members: Sequence[User] = (),
    actor: User | None = None,
) -> C:
    if actor is not None:
        check_admin(actor=actor)
    check_inbox_name(name)
    apply(channel, values)  # a token check is a network call: before the transaction
    return do_create_channel_inbox(account=account, name=name, channel=channel, members=members)


def do_update_configured_inbox(
    *, actor: User, channel: C, name: str | None, apply: Apply, values: dict[str, Any]
) -> C:
    check_can_configure(actor=actor, channel=channel)
    apply(channel, values)
    return do_save_channel_inbox(channel=channel, name=name)
