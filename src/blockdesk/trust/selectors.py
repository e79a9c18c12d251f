"""Reads: the registry (public and for agents), the "Is this really us?" check, and a
customer's anti-phishing code."""

from __future__ import annotations

from django.db.models import QuerySet

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.conversations.models import Contact
from blockdesk.trust.checker import CheckResult, check
from blockdesk.trust.models import AntiPhishingCode, OfficialChannel
from blockdesk.trust.normalize import NormalizeError, parse_any


def public_account() -> Account | None:
    # One installation answers for one business: the first account (as the help center).
    return Account.objects.order_by("pk").first()


def official_channels(*, account_id: int) -> QuerySet[OfficialChannel]:
    return OfficialChannel.objects.filter(account_id=account_id).order_by("kind", "display")


def channels_for_agent(*, user: User) -> QuerySet[OfficialChannel]:
    """Every agent of the account may read the registry (to answer customers with it)."""
    return official_channels(account_id=user.account_pk)


def get_official_channel(*, account_id: int, channel_id: int) -> OfficialChannel:
    channel = OfficialChannel.objects.filter(account_id=account_id, pk=channel_id).first()
    if channel is None:
        # Another account's id answers like a missing one.
        raise NotFound()
    return channel


def check_value(*, account_id: int, value: str) -> CheckResult:
    """yes / no / unknown for anything a customer pastes. Registries are small (tens of
    entries), so every check compares against all of them."""
    try:
        parsed = parse_any(value)
    except NormalizeError as exc:
        raise ValidationFailed.field("value", str(exc)) from exc
    return check(parsed, list(official_channels(account_id=account_id)))


def anti_phishing_code_for(contact: Contact) -> str | None:
    """The customer's own code, to print in every message support sends them (widget
    and reply emails). None when they have not set one."""
    row = AntiPhishingCode.objects.filter(contact_id=contact.pk).values_list("code", flat=True)
    return row.first()


def anti_phishing_code_for_conversation(conversation_id: int) -> str | None:
    """The code of the customer a conversation belongs to, in one query."""
    row = AntiPhishingCode.objects.filter(contact__conversations__id=conversation_id)
    return row.values_list("code", flat=True).first()
