"""Visitor sessions for the web widget.

A visitor is recognised by a random bearer token kept in the widget's storage. The
server keeps only its keyed hash (as a ContactIdentity), so a database leak does not
let anyone act as a visitor."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from blockdesk.common.crypto import hash_token, new_token
from blockdesk.common.errors import NotFound, Unauthenticated, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limits
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations import contact_services
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.safety import warning as secret_warning
from blockdesk.widget import selectors

VISITOR_TOKEN_PREFIX = "bdv"  # noqa: S105  (a prefix, not a secret)
# Client-generated (a UUID in the widget); bounded so it fits Message.idempotency_key.
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_ATTACHMENTS = 5


@dataclass(frozen=True)
class VisitorSession:
    channel: WebWidgetChannel
    contact: Contact


# public token -> (expires at, channel). Every widget request names its channel; it was a
# three-table read per request (~9 % of the server's CPU per message, issue 17). Saving or
# deleting a channel, its inbox or account empties this process's copy at once; another
# node's copy lives WIDGET_CHANNEL_CACHE_SECONDS at most. The cached objects are shared
# between requests: read them, never change them.
_channels: dict[str, tuple[float, WebWidgetChannel]] = {}
_CHANNELS_KEPT = 10_000


def get_widget_channel(*, public_token: str) -> WebWidgetChannel:
    now = time.monotonic()
    hit = _channels.get(public_token)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = list(
        WebWidgetChannel.objects.select_related("inbox", "inbox__account").filter(
            public_token=public_token
        )[:1]
    )
    if not found:
        raise NotFound(_("This chat is not available."))
    ttl = settings.WIDGET_CHANNEL_CACHE_SECONDS
    if ttl > 0:
        if len(_channels) >= _CHANNELS_KEPT:
            _channels.clear()
        _channels[public_token] = (now + ttl, found[0])
    return found[0]


def forget_widget_channels(**kwargs: object) -> None:
    """Signal receiver (widget/apps.py): a channel, inbox or account changed."""
    _channels.clear()


def do_start_visitor_session(
    *, channel: WebWidgetChannel, locale: str = ""
) -> tuple[VisitorSession, str]:
    """Creates a new anonymous contact; returns the session and the plain token."""
    plain = new_token(VISITOR_TOKEN_PREFIX)
    contact = contact_services.do_create_visitor_contact(
        account_id=channel.inbox.account_id, locale=locale, visitor_hash=hash_token(plain)
    )
    return VisitorSession(channel=channel, contact=contact), plain


def resolve_visitor(*, channel: WebWidgetChannel, token: str) -> VisitorSession:
    if not token or not token.startswith(VISITOR_TOKEN_PREFIX + "_"):
        raise Unauthenticated()
    contact = selectors.visitor_contact(
        account_id=channel.inbox.account_id, token_hash=hash_token(token)
    )
    if contact is None:
        raise Unauthenticated()
    return VisitorSession(channel=channel, contact=contact)


@dataclass(frozen=True)
class ProfileUpdate:
    contact: Contact
    # The guard's warning when the visitor typed a wallet secret (it was not stored).
    warning: str | None = None


def do_update_visitor_profile(
    *, session: VisitorSession, name: str = "", email: str = "", locale: str = ""
) -> ProfileUpdate:
    """Name and email pass the secret guard before anything is stored: a name keeps the
    redaction marker and the visitor gets the guard's warning; an email holding a secret
    is refused (422, the warning as message)."""
    contact = session.contact
    language = (locale or contact.locale or "")[:16] or None
    found = contact_services.do_set_visitor_profile(
        contact=contact, name=name, email=email, locale=locale, language=language
    )
    return ProfileUpdate(contact, secret_warning(language) if found else None)


# --- rate limits ----------------------------------------------------------------------


def check_public_rate_limit(*, scope: str, ip: str, session: VisitorSession | None = None) -> None:
    """Counts one public write per IP and, once known, per visitor; raises RateLimited.

    Both counters matter: per IP stops one host minting visitors, per visitor stops one
    token being spread over many hosts."""
    checks = [(f"widget-{scope}-ip", ip)]
    if session is not None:
        contact = session.contact
        checks.append((f"widget-{scope}-visitor", f"{contact.account_id}:{contact.pk}"))
    check_rate_limits(
        checks=checks, limit=settings.PUBLIC_RATE_LIMIT, window=settings.PUBLIC_RATE_WINDOW
    )


# --- visitor writes -------------------------------------------------------------------


def check_idempotency_key(*, key: str) -> str:
    key = (key or "").strip()
    if not IDEMPOTENCY_KEY_RE.match(key):
        raise ValidationFailed.field(
            "idempotency_key", _("A message needs a valid idempotency key.")
        )
    return key


def _visitor_conversation(
    *, session: VisitorSession, conversation_id: int | None
) -> Conversation | None:
    if conversation_id is None:
        return None
    return selectors.get_visitor_conversation(
        contact=session.contact,
        channel=session.channel,
        conversation_id=conversation_id,
        annotated=False,  # the send's response builds preview and last id itself
    )


def do_send_visitor_message(
    *,
    session: VisitorSession,
    content: str,
    idempotency_key: str,
    conversation_id: int | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> conversation_services.SentMessage:
    """The visitor writes. A retry with the same key returns the stored message, even if
    the case was resolved in between (the core dedupes before routing)."""
    key = check_idempotency_key(key=idempotency_key)
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed.field(
            "attachments",
            _("At most %(n)d files can be sent at once.") % {"n": MAX_ATTACHMENTS},
        )
    conversation = _visitor_conversation(session=session, conversation_id=conversation_id)
    return conversation_services.do_send_contact_message(
        contact=session.contact,
        inbox=session.channel.inbox,
        conversation=conversation,
        content=content,
        idempotency_key=key,
        attachments=attachments,
    )


def do_leave_visitor_followup(
    *, session: VisitorSession, conversation_id: int, email: str
) -> Conversation:
    conversation = selectors.get_visitor_conversation(
        contact=session.contact, channel=session.channel, conversation_id=conversation_id
    )
    conversation_services.do_leave_followup_email(
        contact=session.contact, conversation=conversation, email=(email or "").strip()
    )
    return selectors.get_visitor_conversation(
        contact=session.contact, channel=session.channel, conversation_id=conversation_id
    )
