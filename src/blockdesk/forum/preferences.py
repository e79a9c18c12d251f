"""Per-member email preferences: answers to my questions, mentions of me. A member turns
them off on their settings page or with the one-click link every forum email carries (a
signed token, no login: the notifications app's `signed_link_token`, and its RFC 8058
headers). The notification consumer asks `wants_email` before sending."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from blockdesk.customers.models import CustomerAccount
from blockdesk.forum.models import MemberPreferences
from blockdesk.notifications.subscriptions import read_signed_link_token, signed_link_token

ANSWER = "answer"
MENTION = "mention"
_FIELDS = {ANSWER: "email_answers", MENTION: "email_mentions"}
_PURPOSE = "forum-unsubscribe"
TITLES = {
    ANSWER: _("Community: answers to your questions"),
    MENTION: _("Community: mentions of you"),
}


def wants_email(*, member: CustomerAccount, kind: str) -> bool:
    row = MemberPreferences.objects.filter(member=member).values_list(_FIELDS[kind], flat=True)
    value = row.first()
    return True if value is None else bool(value)


def do_set_preferences(
    *, member: CustomerAccount, email_answers: bool, email_mentions: bool
) -> MemberPreferences:
    with transaction.atomic():
        row, _created = MemberPreferences.objects.update_or_create(
            member=member,
            defaults={
                "account_id": member.account_id,
                "email_answers": bool(email_answers),
                "email_mentions": bool(email_mentions),
            },
        )
    return row


def unsubscribe_token(*, member: CustomerAccount, kind: str) -> str:
    return signed_link_token(_PURPOSE, f"{member.pk}-{kind}")


def unsubscribe_url(*, member: CustomerAccount, kind: str) -> str:
    token = unsubscribe_token(member=member, kind=kind)
    return settings.PUBLIC_URL.rstrip("/") + reverse("forum:unsubscribe", args=[token])


def member_for_token(token: str) -> tuple[CustomerAccount, str] | None:
    """The member and the kind of email a link is for; None for a forged or stale link
    (the member no longer exists)."""
    value = read_signed_link_token(_PURPOSE, token)
    member_id, _sep, kind = (value or "").partition("-")
    if not member_id.isdigit() or kind not in _FIELDS:
        return None
    member = CustomerAccount.objects.filter(pk=int(member_id)).first()
    return (member, kind) if member is not None else None


def do_unsubscribe(*, token: str) -> tuple[CustomerAccount, str] | None:
    """Turns off the link's kind of email. Idempotent: a second click changes nothing."""
    found = member_for_token(token)
    if found is None:
        return None
    member, kind = found
    with transaction.atomic():
        row, _created = MemberPreferences.objects.select_for_update().get_or_create(
            member=member, defaults={"account_id": member.account_id}
        )
        if getattr(row, _FIELDS[kind]):
            setattr(row, _FIELDS[kind], False)
            row.save(update_fields=[_FIELDS[kind], "updated_at"])
    return found
