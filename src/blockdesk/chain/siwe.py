"""Sign-In with Ethereum (EIP-4361): parse, serialise, validate and verify messages.

The message text is what the wallet signed, so parsing is strict and line-exact:
``SiweMessage.parse(text).to_message() == text`` for every accepted ``text``.
EOA signatures are checked with EIP-191 ``personal_sign`` recovery; contract wallets (EIP-1271)
are delegated to an injected ``contract_checker`` so this module stays offline.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from blockdesk.chain.addresses import is_checksum_address
from blockdesk.chain.rfc_syntax import SCHEME_RE, is_authority, is_uri, parse_rfc3339
from blockdesk.common import eth  # not eth_account itself, and loaded on use: see common/eth.py

HEADER_SUFFIX = " wants you to sign in with your Ethereum account:"
_STATEMENT_RE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;= ]+")  # reserved/unreserved/SP
_NONCE_RE = re.compile(r"[A-Za-z0-9]{8,}")
_CHAIN_ID_RE = re.compile(r"[1-9][0-9]*")  # no leading zeros, so the text round-trips exactly
_REQUEST_ID_RE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*")  # *pchar

# (field name, line tag) in the order EIP-4361 fixes after the statement block.
_REQUIRED_TAGS = (
    ("uri", "URI: "),
    ("version", "Version: "),
    ("chain_id", "Chain ID: "),
    ("nonce", "Nonce: "),
    ("issued_at", "Issued At: "),
)
_OPTIONAL_TAGS = (
    ("expiration_time", "Expiration Time: "),
    ("not_before", "Not Before: "),
    ("request_id", "Request ID: "),
)
_RESOURCES_TAG = "Resources:"
_RESOURCE_PREFIX = "- "


class SiweErrorCode(enum.StrEnum):
    INVALID_MESSAGE = "invalid_message"
    INVALID_SIGNATURE = "invalid_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    DOMAIN_MISMATCH = "domain_mismatch"
    SCHEME_MISMATCH = "scheme_mismatch"
    NONCE_MISMATCH = "nonce_mismatch"


_USER_MESSAGES: dict[SiweErrorCode, Promise] = {
    SiweErrorCode.INVALID_MESSAGE: _("The sign-in message is malformed."),
    SiweErrorCode.INVALID_SIGNATURE: _("The signature does not match the sign-in message."),
    SiweErrorCode.EXPIRED: _("The sign-in message has expired. Please sign in again."),
    SiweErrorCode.NOT_YET_VALID: _("The sign-in message is not valid yet."),
    SiweErrorCode.DOMAIN_MISMATCH: _("The sign-in message was created for a different site."),
    SiweErrorCode.SCHEME_MISMATCH: _("The sign-in message was created for a different site."),
    SiweErrorCode.NONCE_MISMATCH: _(
        "The sign-in request has expired or was already used. Please try again."
    ),
}


class SiweError(Exception):
    """Any SIWE failure. ``code`` is stable for programs, ``message`` is for end users.

    ``str(error)`` gives the untranslated ``code: detail`` so logging never needs the
    translation machinery.
    """

    def __init__(self, code: SiweErrorCode, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        self.message: Promise = _USER_MESSAGES[code]
        super().__init__(code, detail)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else str(self.code)


def _invalid(detail: str) -> SiweError:
    return SiweError(SiweErrorCode.INVALID_MESSAGE, detail)


ContractChecker = Callable[[str, bytes, bytes], bool]
"""(address, EIP-191 message hash, signature) -> True if the EIP-1271 contract accepts it."""


@dataclass(frozen=True, slots=True)
class SiweMessage:
    """An EIP-4361 message; construction validates every field against the ABNF.

    Timestamps are kept as the exact strings so serialisation reproduces the signed text; use
    the ``*_dt`` properties for comparisons. ``resources`` is ``None`` when the "Resources:"
    section is absent (an empty tuple means the header is present with no items).
    """

    domain: str
    address: str
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: str
    scheme: str | None = None
    statement: str | None = None
    expiration_time: str | None = None
    not_before: str | None = None
    request_id: str | None = None
    resources: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("domain", "address", "uri", "version", "nonce", "issued_at"):
            if not isinstance(getattr(self, name), str):
                raise _invalid(f"{name} must be a string")
        for name in ("scheme", "statement", "expiration_time", "not_before", "request_id"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise _invalid(f"{name} must be a string")
        if self.scheme is not None and not SCHEME_RE.fullmatch(self.scheme):
            raise _invalid("scheme is not an RFC 3986 scheme")
        if not is_authority(self.domain):
            raise _invalid("domain is not an RFC 3986 authority")
        if not is_checksum_address(self.address):
            raise _invalid("address is not EIP-55 checksummed")
        if self.statement is not None and not _STATEMENT_RE.fullmatch(self.statement):
            raise _invalid("statement has characters outside the EIP-4361 set")
        if not is_uri(self.uri):
            raise _invalid("uri is not an RFC 3986 URI")
        if self.version != "1":
            raise _invalid("version must be 1")
        if (
            not isinstance(self.chain_id, int)
            or isinstance(self.chain_id, bool)
            or self.chain_id < 1
        ):
            raise _invalid("chain id must be a positive integer")
        if not _NONCE_RE.fullmatch(self.nonce):
            raise _invalid("nonce must be at least 8 alphanumeric characters")
        for name in ("issued_at", "expiration_time", "not_before"):
            value = getattr(self, name)
            if value is not None:
                try:
                    parse_rfc3339(value)
                except ValueError as exc:
                    raise _invalid(f"{name} is not an RFC 3339 date-time") from exc
        if self.request_id is not None and not _REQUEST_ID_RE.fullmatch(self.request_id):
            raise _invalid("request id has characters outside pchar")
        if self.resources is not None:
            if not isinstance(self.resources, tuple):
                raise _invalid("resources must be a tuple")
            for resource in self.resources:
                if not isinstance(resource, str) or not is_uri(resource):
                    raise _invalid("resource is not an RFC 3986 URI")

    # -- derived values -------------------------------------------------------------------

    @property
    def issued_at_dt(self) -> datetime:
        return parse_rfc3339(self.issued_at)

    @property
    def expiration_time_dt(self) -> datetime | None:
        return None if self.expiration_time is None else parse_rfc3339(self.expiration_time)

    @property
    def not_before_dt(self) -> datetime | None:
        return None if self.not_before is None else parse_rfc3339(self.not_before)

    # -- wire formats ---------------------------------------------------------------------

    @classmethod
    def from_json_fields(cls, data: Mapping[str, Any]) -> SiweMessage:
        """Build from the camelCase object form used by siwe JS libraries and REST clients."""
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            name = re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()
            if name in names:
                kwargs[name] = value
        if isinstance(kwargs.get("resources"), list):
            kwargs["resources"] = tuple(kwargs["resources"])
        try:
            return cls(**kwargs)
        except TypeError as exc:  # a required field is missing
            raise _invalid(str(exc)) from exc

    def to_message(self) -> str:
        """Serialise to the exact EIP-4361 text a wallet signs."""
        origin = f"{self.scheme}://{self.domain}" if self.scheme else self.domain
        lines = [origin + HEADER_SUFFIX, self.address, ""]
        if self.statement is not None:
            lines.append(self.statement)
        lines.append("")
        lines += [
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {self.issued_at}",
        ]
        for name, tag in _OPTIONAL_TAGS:
            value = getattr(self, name)
            if value is not None:
                lines.append(tag + value)
        if self.resources is not None:
            lines.append(_RESOURCES_TAG)
            lines += [_RESOURCE_PREFIX + r for r in self.resources]
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> SiweMessage:
        """Parse the exact message text; raises ``SiweError(code="invalid_message")``."""
        if not isinstance(text, str):
            raise _invalid("message must be text")
        lines = text.split("\n")
        kwargs: dict[str, Any] = {}

        header = lines[0]
        if not header.endswith(HEADER_SUFFIX):
            raise _invalid("bad first line")
        origin = header[: -len(HEADER_SUFFIX)]
        scheme, sep, domain = origin.partition("://")
        if sep:
            kwargs["scheme"] = scheme
        else:
            domain = origin
        kwargs["domain"] = domain

        if len(lines) < 9:
            raise _invalid("message too short")
        kwargs["address"] = lines[1]
        if lines[2] != "":
            raise _invalid("expected blank line after address")
        # With a statement: statement, blank; without: a single blank line (ABNF `[statement LF]`).
        if lines[3] == "":
            pos = 4
        else:
            kwargs["statement"] = lines[3]
            if lines[4] != "":
                raise _invalid("expected blank line after statement")
            pos = 5

        for name, tag in _REQUIRED_TAGS:
            if pos >= len(lines) or not lines[pos].startswith(tag):
                raise _invalid(f"missing or out-of-order {tag.strip()}")
            kwargs[name] = lines[pos][len(tag) :]
            pos += 1
        chain_id = kwargs["chain_id"]
        if not _CHAIN_ID_RE.fullmatch(chain_id):
            raise _invalid("chain id must be decimal digits")
        kwargs["chain_id"] = int(chain_id)

        for name, tag in _OPTIONAL_TAGS:
            if pos < len(lines) and lines[pos].startswith(tag):
                kwargs[name] = lines[pos][len(tag) :]
                pos += 1
        if pos < len(lines) and lines[pos] == _RESOURCES_TAG:
            pos += 1
            resources = []
            while pos < len(lines) and lines[pos].startswith(_RESOURCE_PREFIX):
                resources.append(lines[pos][len(_RESOURCE_PREFIX) :])
                pos += 1
            kwargs["resources"] = tuple(resources)
        if pos != len(lines):
            raise _invalid(f"unexpected content on line {pos + 1}")

        message = cls(**kwargs)
        # Belt and braces: anything that would not re-serialise identically is not what we parsed.
        if message.to_message() != text:
            raise _invalid("message does not round-trip")
        return message


def eip191_hash(message: str) -> bytes:
    """The ``personal_sign`` digest of ``message`` (what EIP-1271 contracts are asked about)."""
    body = message.encode("utf-8")
    from eth_utils import keccak  # on use: eth_utils costs ~16 MB per process

    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(body)).encode() + body)


def _signature_bytes(signature: str | bytes) -> bytes:
    if isinstance(signature, bytes):
        return signature
    hex_part = signature[2:] if signature[:2] in ("0x", "0X") else signature
    try:
        return bytes.fromhex(hex_part)
    except ValueError as exc:
        raise SiweError(SiweErrorCode.INVALID_SIGNATURE, "signature is not hex") from exc


def _recover_eoa(message: str, signature: bytes) -> str | None:
    if len(signature) != 65:
        return None
    try:
        recovered: str = eth.Account.recover_message(
            eth.encode_defunct(text=message), signature=signature
        )
    except (eth.BadSignature, ValueError, TypeError):
        return None
    return recovered


def verify(
    message_text: str,
    signature: str | bytes,
    *,
    domain: str,
    nonce: str,
    now: datetime,
    contract_checker: ContractChecker | None = None,
    scheme: str | None = None,
) -> SiweMessage:
    """Verify a signed SIWE message and return it parsed; raise :class:`SiweError` otherwise.

    ``domain`` and ``nonce`` are what the server expects (the nonce it issued for this login);
    ``scheme``, if given, must equal the message's scheme when the message states one. ``now``
    must be timezone-aware. Signatures are tried as EOA (EIP-191) first, then handed to
    ``contract_checker`` (EIP-1271) if one is supplied.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    message = SiweMessage.parse(message_text)

    if message.domain != domain:
        raise SiweError(SiweErrorCode.DOMAIN_MISMATCH, f"message is for {message.domain!r}")
    if scheme is not None and message.scheme is not None and message.scheme != scheme:
        raise SiweError(SiweErrorCode.SCHEME_MISMATCH, f"message scheme is {message.scheme!r}")
    if not secrets.compare_digest(message.nonce.encode(), nonce.encode()):
        raise SiweError(SiweErrorCode.NONCE_MISMATCH)
    expiration = message.expiration_time_dt
    if expiration is not None and now >= expiration:
        raise SiweError(SiweErrorCode.EXPIRED, f"expired at {message.expiration_time}")
    not_before = message.not_before_dt
    if not_before is not None and now < not_before:
        raise SiweError(SiweErrorCode.NOT_YET_VALID, f"valid from {message.not_before}")

    sig = _signature_bytes(signature)
    if _recover_eoa(message_text, sig) == message.address:
        return message
    if contract_checker is not None and contract_checker(
        message.address, eip191_hash(message_text), sig
    ):
        return message
    raise SiweError(SiweErrorCode.INVALID_SIGNATURE, "signature does not match address")
