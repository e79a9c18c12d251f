"""Visitor sessions for the web widget.

A visitor is recognised by a random bearer token kept in the widget's storage. The
server keeps only its keyed hash (as a ContactIdentity), so a database leak does not
let anyone act as a visitor."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.channels_.models import WebWidgetChannel
from blockdesk.common.crypto import hash_token, new_token
from blockdesk.common.errors import NotFound, Unauthenticated, ValidationFailed
from blockdesk.conversations.models import Contact, ContactIdentity

VISITOR_TOKEN_PREFIX = "bdv"  # noqa: S105  (a prefix, not a secret)


@dataclass(frozen=True)
class VisitorSession:
    channel: WebWidgetChannel
    contact: Contact


def get_widget_channel(*, public_token: str) -> WebWidgetChannel:
    channel = (
        WebWidgetChannel.objects.select_related("inbox", "inbox__account")
        .filter(public_token=public_token)
        .first()
    )
    if channel is None:
        raise NotFound(_("This chat is not available."))
    return channel


def do_start_visitor_session(
    *, channel: WebWidgetChannel, locale: str = ""
) -> tuple[VisitorSession, str]:
    """Creates a new anonymous contact; returns the session and the plain token."""
    plain = new_token(VISITOR_TOKEN_PREFIX)
    with transaction.atomic():
        contact = Contact.objects.create(account_id=channel.inbox.account_id, locale=locale[:16])
        ContactIdentity.objects.create(
            account_id=channel.inbox.account_id,
            contact=contact,
            kind=ContactIdentity.Kind.WEB_VISITOR,
            value=hash_token(plain),
        )
    return VisitorSession(channel=channel, contact=contact), plain


def resolve_visitor(*, channel: WebWidgetChannel, token: str) -> VisitorSession:
    if not token or not token.startswith(VISITOR_TOKEN_PREFIX + "_"):
        raise Unauthenticated()
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(
            account_id=channel.inbox.account_id,
            kind=ContactIdentity.Kind.WEB_VISITOR,
            value=hash_token(token),
        )
        .first()
    )
    if identity is None:
        raise Unauthenticated()
    return VisitorSession(channel=channel, contact=identity.contact)


def do_update_visitor_profile(
    *, session: VisitorSession, name: str = "", email: str = "", locale: str = ""
) -> Contact:
    contact = session.contact
    fields = []
    if name:
        contact.name = name.strip()[:160]
        fields.append("name")
    if email:
        contact.email = email.strip()[:254]
        fields.append("email")
    if locale:
        contact.locale = locale[:16]
        fields.append("locale")
    if fields:
        try:
            contact.full_clean()
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        contact.save(update_fields=fields)
    return contact
