"""Public display names: never an email address or a wallet, pseudonymous by default."""

from __future__ import annotations

import re
import secrets
import unicodedata

from django.utils.translation import gettext as _

from blockdesk.common.errors import ValidationFailed
from blockdesk.safety.fields import check_no_secret

MIN_LENGTH = 3
MAX_LENGTH = 32
# Neutral, unambiguous words (no brand, no "support", "admin" or "official").
_ADJECTIVES = (
    "amber",
    "brave",
    "calm",
    "clever",
    "cosmic",
    "eager",
    "gentle",
    "golden",
    "happy",
    "jolly",
    "kind",
    "lucky",
    "mellow",
    "nimble",
    "quiet",
    "rapid",
    "silver",
    "steady",
    "sunny",
    "swift",
    "tidy",
    "vivid",
    "witty",
    "zesty",
)
_NOUNS = (
    "badger",
    "beacon",
    "comet",
    "falcon",
    "fern",
    "harbor",
    "heron",
    "koala",
    "lynx",
    "maple",
    "meteor",
    "otter",
    "panda",
    "pebble",
    "quokka",
    "raven",
    "robin",
    "sparrow",
    "tiger",
    "walrus",
    "willow",
    "yak",
    "zebra",
    "orbit",
)
_ALLOWED = re.compile(r"^[\w .\-]+$", re.UNICODE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WALLET = re.compile(r"(0x[0-9a-fA-F]{6,}|\b(bc1|tb1|T)[0-9a-zA-Z]{20,}|\.eth\b)")
# Names that pose as the business: only staff speak for it (their answers carry a badge).
_RESERVED = re.compile(r"(support|admin|official|moderator|staff|team|helpdesk|客服|官方|管理员)")


def generate() -> str:
    """e.g. "swift-otter-4821": ~21 bits, retried by the caller on a clash."""
    return (
        f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{secrets.randbelow(9000) + 1000}"
    )


def check_display_name(value: object, *, account_id: int | None = None) -> str:
    """The name as stored (NFKC, trimmed) or ValidationFailed naming `display_name`."""
    if not isinstance(value, str):
        raise ValidationFailed.field("display_name", _("Choose a display name."))
    name = " ".join(unicodedata.normalize("NFKC", value).split())
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        raise ValidationFailed.field(
            "display_name",
            _("A display name is %(min)d to %(max)d characters long.")
            % {"min": MIN_LENGTH, "max": MAX_LENGTH},
        )
    if not _ALLOWED.match(name):
        raise ValidationFailed.field(
            "display_name", _("Use letters, digits, spaces, dots, dashes or underscores.")
        )
    if _EMAIL.search(name) or _WALLET.search(name):
        raise ValidationFailed.field(
            "display_name",
            _("Your display name is public: do not use your email address or wallet."),
        )
    if _RESERVED.search(name.lower()):
        raise ValidationFailed.field(
            "display_name", _("This name could be mistaken for our staff. Choose another.")
        )
    check_no_secret(name, field="display_name", account_id=account_id)
    return name
