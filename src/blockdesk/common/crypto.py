"""Secrets at rest: a model field that stores Fernet ciphertext, never plain text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(("blockdesk-field-encryption:" + settings.SECRET_KEY).encode())
        keys = [base64.urlsafe_b64encode(digest.digest()).decode()]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong or rotated-away key must not pass silently
        raise ValueError("Encrypted value cannot be decrypted with the configured keys") from exc


def hash_token(token: str) -> str:
    """Tokens are stored only as a keyed hash; the plain token is shown once."""
    return hmac.new(settings.SECRET_KEY.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_token(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


class EncryptedTextField(models.TextField):
    """Encrypts on the way into the database and decrypts on the way out."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt(value)
