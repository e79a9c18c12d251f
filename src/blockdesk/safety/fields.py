"""The secret guard for every free-text field, not just messages.

Services call these before they store text that anyone typed: contact names, notes and
attributes, agents' notes, the assistant's records. Text gets the redaction markers;
an identifier (an email address, an identity value) that holds a secret is refused
instead, since a redacted address is no address. Findings carry kinds and offsets only,
never the secret.

`account_id` lets the guard ask the account's chains whether an unexplained 64-hex value
is a transaction (kept) or not (redacted as a possible key); without it nothing is asked
and such a value is redacted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from blockdesk.common.errors import ValidationFailed
from blockdesk.safety.secret_guard import Finding, GuardResult, scan_inbound, warning

Lookup = Callable[[str], bool]
# JSON nesting we follow; deeper values are replaced whole (nothing legitimate nests so).
_MAX_DEPTH = 20
_SEPARATORS = re.compile(r"[._+\-@%/:=]")


def tx_lookup(account_id: int | None) -> Lookup | None:
    """The account's "is this a transaction on one of our chains?" hook, or None."""
    if account_id is None:
        return None
    # Imported here: the guard itself stays free of the chain app (and of the database).
    from blockdesk.chain.lookup import is_known_transaction

    return lambda value: is_known_transaction(account_id=account_id, value=value)


def _scan(text: str, lookup: Lookup | None) -> GuardResult:
    return scan_inbound(text, is_known_transaction=lookup)


def redact_free_text(
    value: str, *, account_id: int | None = None, lookup: Lookup | None = None
) -> tuple[str, tuple[Finding, ...]]:
    """(text with every secret replaced by its marker, findings)."""
    if not value:
        return value, ()
    result = _scan(value, lookup or tx_lookup(account_id))
    return result.redacted_text, result.findings


def redact_json(
    value: Any, *, account_id: int | None = None, lookup: Lookup | None = None
) -> tuple[Any, tuple[Finding, ...]]:
    """Redact every string in a JSON-like value: dict keys and values, list items, at
    any depth. A string value is scanned with its key in front ("private_key: ..." or
    "txid: ...") so the key's name can tell a key from a transaction hash."""
    findings: list[Finding] = []
    clean = _redact_value(value, "", lookup or tx_lookup(account_id), findings, 0)
    return clean, tuple(findings)


def _redact_value(
    value: Any, context: str, lookup: Lookup | None, findings: list[Finding], depth: int
) -> Any:
    if depth > _MAX_DEPTH:
        return "[REDACTED]" if value is not None else None
    if isinstance(value, str):
        return _redact_with_context(value, context, lookup, findings)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            clean_key = _redact_with_context(str(key), "", lookup, findings)
            out[clean_key] = _redact_value(item, clean_key, lookup, findings, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_redact_value(item, context, lookup, findings, depth + 1) for item in value]
    return value  # numbers, booleans, None


def _redact_with_context(
    text: str, context: str, lookup: Lookup | None, findings: list[Finding]
) -> str:
    if not text:
        return text
    prefix = f"{context}: " if context else ""
    result = _scan(prefix + text, lookup)
    if not result.findings:
        return text
    offset = len(prefix)
    parts: list[str] = []
    position = 0
    for finding in result.findings:
        # A run of seed words may begin in the key's name; cut only the value's part.
        start, end = max(finding.start - offset, 0), finding.end - offset
        if end <= 0:
            continue
        parts.append(text[position:start])
        parts.append(finding.marker)
        position = end
        findings.append(Finding(finding.kind, start, end, finding.language, finding.word_count))
    parts.append(text[position:])
    return "".join(parts)


def check_no_secret(
    value: str,
    *,
    field: str,
    account_id: int | None = None,
    lookup: Lookup | None = None,
    language: str | None = None,
) -> str:
    """For identifiers (email addresses, identity values): refuse one that holds a
    secret with a 422 naming `field`; the message is the guard's warning to the
    customer. Returns the value unchanged otherwise."""
    hook = lookup or tx_lookup(account_id)
    # Also with the separators of an address read as spaces, so "word.word.word@..."
    # is seen as the run of words it is.
    if value and any(
        _scan(text, hook).has_secrets for text in {value, _SEPARATORS.sub(" ", value)}
    ):
        message = warning(language)
        raise ValidationFailed(
            message,
            code="secret_in_field",
            fields={field: [_("This looks like a wallet secret and was not saved.")]},
        )
    return value
