"""Wallet secrets of every kind the guard knows, and the checks that one is stored, mailed
or logged nowhere: every row of every table, every mail in the outbox, every log line."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core import mail
from django.db import connection
from eth_account import Account
from mnemonic import Mnemonic

_EN = Mnemonic("english")
SEED_12 = _EN.to_mnemonic(bytes(range(16)))
SEED_24 = _EN.to_mnemonic(bytes(range(100, 132)))
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
WIF = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
XPRV = Mnemonic.to_hd_master_key(bytes(64))
_KEYSTORE = dict(
    Account.encrypt(
        bytes.fromhex("1f" * 32), "hunter2", kdf="pbkdf2", iterations=2
    )  # a throwaway key
)
KEYSTORE = json.dumps(_KEYSTORE)


@dataclass(frozen=True)
class Secret:
    kind: str
    text: str  # what a customer or agent types into a free-text field
    as_email: str  # the same secret where an email address is expected
    needles: tuple[str, ...]  # any of these found means (part of) the secret leaked

    def __str__(self) -> str:  # readable test ids
        return self.kind


def _windows(phrase: str, size: int = 4) -> tuple[str, ...]:
    words = phrase.split()
    return tuple(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def _ends(value: str, size: int = 20) -> tuple[str, ...]:
    return (value[:size], value[-size:])


_crypto = _KEYSTORE["crypto"]
SECRETS = [
    Secret(
        "seed12",
        f"my words {SEED_12} thanks",
        SEED_12.replace(" ", ".") + "@example.com",
        (*_windows(SEED_12), SEED_12.replace(" ", ".")),
    ),
    Secret(
        "seed24",
        f"backup {SEED_24}",
        SEED_24.replace(" ", "_") + "@example.com",
        (*_windows(SEED_24), SEED_24.replace(" ", "_")),
    ),
    Secret("hex_key", f"my private key is {KEY}", f"{KEY}@example.com", _ends(KEY)),
    Secret("wif", f"wallet {WIF}", f"{WIF}@example.com", _ends(WIF)),
    Secret("xprv", f"xprv: {XPRV}", f"{XPRV}@example.com", _ends(XPRV[4:])),
    Secret(
        "keystore",
        f"file {KEYSTORE}",
        KEYSTORE,
        (_crypto["ciphertext"], _crypto["mac"]),  # type: ignore[index]
    ),
]


def stored_text() -> str:
    """Every row of every table in the database, as text (raw SQL: nothing is skipped,
    not even tables without a model)."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def mail_text() -> str:
    parts: list[str] = []
    for message in mail.outbox:
        parts.append(message.message().as_string())
        parts.extend(str(content) for content, _type in getattr(message, "alternatives", []))
        parts.extend([message.subject, message.body, *message.to])
    return "\n".join(parts)


def leaks(secret: Secret, *texts: str) -> list[str]:
    """The needles of `secret` found in any of `texts` (empty: nothing leaked)."""
    haystack = "\n".join(texts)
    # Stored JSON may escape nothing we look for (ASCII); compare case-sensitively.
    return [needle for needle in secret.needles if needle in haystack]
