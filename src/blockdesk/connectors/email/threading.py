"""Which conversation a mail belongs to.

Every mail we send carries the conversation's **case token** (`c<id>-<mac>`: the id and
a keyed MAC of it, so a token cannot be guessed for another case) in its Message-ID, in
the subject (`[ref:c12-…]`) and, with plus addressing, in the Reply-To address
(`support+c12-…@`). A reply from any client keeps at least one of them: In-Reply-To /
References (every client), the subject (clients that drop the headers), the address
(clients that drop both). A mail without a token threads through the Message-IDs of
mails this inbox already received (EmailReceipt).

Replies to the widget's reply emails (notifications app) carry the same token in their
Message-ID, so they land in their widget conversation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings

_TOKEN = re.compile(r"(?<![A-Za-z0-9])c(\d{1,18})-([a-z2-7]{10})(?![A-Za-z0-9])")
_LEGACY_ROOT = re.compile(r"<blockdesk\.conversation\.(\d{1,18})@")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


def _mac(conversation_id: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"email-case:{conversation_id}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode()[:10].lower()


def case_token(conversation_id: int) -> str:
    return f"c{conversation_id}-{_mac(conversation_id)}"


def mail_domain(address: str | None = None) -> str:
    address = parseaddr(address or settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2].lower() or "localhost"


def message_id_for(*, conversation_id: int, message_id: int, domain: str) -> str:
    """Our Message-ID for one outbound message: unique, and carrying the case token."""
    token = case_token(conversation_id)
    return f"<blockdesk.conversation.{conversation_id}.{message_id}.{token}@{domain}>"


_OWN_ID = re.compile(
    r"<blockdesk\.conversation\.\d{1,18}\.\d{1,18}\.c\d{1,18}-[a-z2-7]{10}@[^<>\s]{1,200}>"
)


def own_message_ids(text: str) -> list[str]:
    """Our Message-IDs (with a valid token) quoted anywhere, e.g. in a bounce report."""
    return [m for m in dict.fromkeys(_OWN_ID.findall(text)) if tokens_in([m])]


def is_own_message_id(value: str) -> bool:
    return bool(value) and "<blockdesk.conversation." in value and bool(_TOKEN.search(value))


def subject_tag(conversation_id: int) -> str:
    return f"[ref:{case_token(conversation_id)}]"


def plus_address(address: str, conversation_id: int) -> str:
    local, _sep, domain = address.partition("@")
    return f"{local}+{case_token(conversation_id)}@{domain}"


def tokens_in(values: Iterable[str]) -> list[int]:
    """Conversation ids of the valid case tokens in these header values, first first."""
    found: list[int] = []
    for value in values:
        for match in _TOKEN.finditer(value or ""):
            conversation_id = int(match.group(1))
            valid = hmac.compare_digest(match.group(2), _mac(conversation_id))
            if valid and conversation_id not in found:
                found.append(conversation_id)
    return found


def legacy_roots(values: Iterable[str]) -> list[int]:
    """Conversation ids of the token-less root Message-ID that reply emails carried before
    the token (`<blockdesk.conversation.<id>@…>`): trusted only with the sender's address."""
    return [int(m.group(1)) for v in values for m in _LEGACY_ROOT.finditer(v or "")]


def message_ids(value: str | None) -> list[str]:
    return _MESSAGE_ID.findall(value or "")
