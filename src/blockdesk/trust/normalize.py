"""Turn whatever a customer pastes (a link, an address, "@handle", a phone number) into
one comparable value.

Pure and offline. Two entry points: `parse_any` guesses what the text is (the public
check), `normalize_for_kind` validates what an administrator registers."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _

from blockdesk.chain.addresses import AddressInfo, ChainFamily, InvalidAddressError, parse_address
from blockdesk.trust.psl import public_suffix, registrable_domain

MAX_INPUT = 512


class Kind(StrEnum):
    """What a checked value turned out to be."""

    DOMAIN = "domain"
    EMAIL = "email"
    HANDLE = "handle"
    PHONE = "phone"
    ADDRESS = "address"
    IP = "ip"
    UNKNOWN = "unknown"


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    X = "x"
    ANY = ""  # "@name" without a platform


class NormalizeError(ValueError):
    """The text cannot be read as the kind asked for; the message is for people."""


@dataclass(frozen=True)
class Host:
    ascii: str  # punycode, lower case, no www., no trailing dot
    unicode: str
    registrable: str  # ascii
    suffix: str  # ascii
    label: str  # the registrable label, unicode (what a person reads)
    subdomain: str  # unicode labels left of the registrable domain, "" if none
    idn: bool  # some label was not plain ASCII (typed as Unicode or as xn--)


@dataclass(frozen=True)
class Parsed:
    kind: Kind
    value: str  # the canonical form compared for exact matches
    display: str  # how to show it back
    host: Host | None = None  # domains and e-mail domains
    local_part: str = ""  # e-mails
    platform: Platform = Platform.ANY  # handles
    address: AddressInfo | None = None  # valid crypto addresses
    # Links: what stood before an "@" in the host part (https://ours.com@evil.io/).
    userinfo: str = ""


# --- hosts ------------------------------------------------------------------------------

_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Dots that are not "." but that browsers and IDNA treat as one.
_DOTS = str.maketrans({"。": ".", "．": ".", "｡": "."})


def _label_to_unicode(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return label
    return label


def _label_to_ascii(label: str) -> str:
    if label.isascii():
        return label
    return "xn--" + label.encode("punycode").decode("ascii")


def parse_host(raw: str) -> Host:
    """A host name in any form (Unicode or punycode, upper case, trailing dot, www.)."""
    text = unicodedata.normalize("NFKC", raw).translate(_DOTS).strip().strip(".").casefold()
    if text.startswith("www."):
        text = text[4:]
    if not text or "." not in text or len(text) > 253:
        raise NormalizeError(_("Enter a domain such as example.com."))
    unicode_labels = [_label_to_unicode(label) for label in text.split(".")]
    try:
        ascii_labels = [_label_to_ascii(label) for label in unicode_labels]
    except UnicodeError as exc:
        raise NormalizeError(_("This is not a valid domain name.")) from exc
    if not all(_LABEL_RE.match(label) for label in ascii_labels):
        raise NormalizeError(_("This is not a valid domain name."))
    if ascii_labels[-1].isdigit():
        raise NormalizeError(_("This is not a valid domain name."))
    ascii_host = ".".join(ascii_labels)
    registrable = registrable_domain(ascii_host)
    suffix = public_suffix(ascii_host)
    n_reg = registrable.count(".") + 1
    label_index = len(ascii_labels) - n_reg
    return Host(
        ascii=ascii_host,
        unicode=".".join(unicode_labels),
        registrable=registrable,
        suffix=suffix,
        label=unicode_labels[label_index] if registrable != suffix else "",
        subdomain=".".join(unicode_labels[:label_index]),
        idn=any(not label.isascii() for label in unicode_labels)
        or any(label.startswith("xn--") for label in text.split(".")),
    )


# --- links to social platforms -----------------------------------------------------------

_TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.dog"}
_DISCORD_INVITE_HOSTS = {"discord.gg", "discord.com", "discordapp.com"}
_X_HOSTS = {"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"}
_X_RESERVED = {"i", "home", "search", "intent", "share", "hashtag", "explore", "settings"}

TELEGRAM_RE = re.compile(r"^[a-z0-9_]{4,32}$")
X_RE = re.compile(r"^[a-z0-9_]{1,15}$")
DISCORD_HANDLE_RE = re.compile(r"^[a-z0-9_.]{2,32}$")
INVITE_RE = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
# Loose: a customer may paste a look-alike handle in another alphabet.
_ANY_HANDLE_RE = re.compile(r"^[\w.]{2,64}$")


def _platform_link(host: str, path: str) -> Parsed | None:
    parts = [unquote(p) for p in path.split("/") if p]
    if not parts:
        return None
    if host in _TELEGRAM_HOSTS:
        if parts[0] == "joinchat" and len(parts) > 1:
            return _invite(Platform.TELEGRAM, "+" + parts[1])
        if parts[0].startswith("+"):
            return _invite(Platform.TELEGRAM, parts[0])
        if parts[0] == "s" and len(parts) > 1:  # t.me/s/<channel> is the web preview
            return handle(Platform.TELEGRAM, parts[1])
        return handle(Platform.TELEGRAM, parts[0])
    if host in _DISCORD_INVITE_HOSTS:
        if host == "discord.gg":
            return _invite(Platform.DISCORD, parts[0])
        if parts[0] == "invite" and len(parts) > 1:
            return _invite(Platform.DISCORD, parts[1])
        return None
    if host in _X_HOSTS and parts[0].casefold() not in _X_RESERVED:
        return handle(Platform.X, parts[0])
    return None


def _invite(platform: Platform, code: str) -> Parsed:
    # Invite codes are case-sensitive (Discord, Telegram): kept as written.
    code = code.strip()
    bare = code.lstrip("+")
    if not INVITE_RE.match(bare):
        raise NormalizeError(_("This is not a valid invite link."))
    prefix = "t.me/" if platform == Platform.TELEGRAM else "discord.gg/"
    return Parsed(
        kind=Kind.HANDLE, value=f"{prefix}{code}", display=f"{prefix}{code}", platform=platform
    )


def handle(platform: Platform, raw: str) -> Parsed:
    written = unicodedata.normalize("NFKC", raw).strip().lstrip("@").strip()
    name = written.casefold()
    if not _ANY_HANDLE_RE.match(name):
        raise NormalizeError(_("This is not a valid handle."))
    # The display keeps the letter case: a capital I passing for an l only shows there.
    return Parsed(kind=Kind.HANDLE, value=name, display=f"@{written}", platform=platform)


# --- phones, e-mails, addresses ----------------------------------------------------------

_PHONE_RE = re.compile(r"^(?:tel:)?\+?[\d\s().\-/]{6,}$")


def phone(raw: str) -> Parsed:
    text = raw.strip().removeprefix("tel:").strip()
    digits = re.sub(r"\D", "", text)
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if not 6 <= len(digits) <= 15:
        raise NormalizeError(_("A phone number has 6 to 15 digits."))
    value = f"+{digits}" if international else digits
    return Parsed(kind=Kind.PHONE, value=value, display=value)


def _local_part(raw: str) -> str:
    local = unicodedata.normalize("NFKC", raw).strip().casefold()
    if not local or len(local) > 64 or any(c.isspace() or c in '<>()[],;:"\\' for c in local):
        raise NormalizeError(_("Enter a valid email address."))
    return local


def email(raw: str) -> Parsed:
    text = raw.strip().removeprefix("mailto:").split("?", 1)[0]
    local, sep, domain = text.rpartition("@")
    if not sep or not local or "@" in local:
        raise NormalizeError(_("Enter a valid email address."))
    host = parse_host(domain)
    local = _local_part(local)
    return Parsed(
        kind=Kind.EMAIL,
        value=f"{local}@{host.ascii}",
        display=f"{local}@{host.unicode}",
        host=host,
        local_part=local,
    )


_ADDRESS_SHAPE_RE = re.compile(
    r"^(?:0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33}|(?:bc|tb|bcrt)1[0-9A-Za-z]{8,87}"
    r"|[123mn][1-9A-HJ-NP-Za-km-z]{25,34})$"
)


def address_key(text: str) -> str:
    """The form two addresses are compared in: EVM hex and bech32 ignore letter case."""
    lowered = text.lower()
    if lowered.startswith("0x") or lowered.startswith(("bc1", "tb1", "bcrt1")):
        return lowered
    return text


def address(raw: str) -> Parsed:
    text = raw.strip()
    try:
        info = parse_address(text)
    except InvalidAddressError as exc:
        raise NormalizeError(_("This is not a valid crypto address.")) from exc
    display = info.evm_hex if info.family == ChainFamily.EVM and info.evm_hex else info.normalized
    return Parsed(
        kind=Kind.ADDRESS, value=address_key(info.normalized), display=display, address=info
    )


# --- guessing ----------------------------------------------------------------------------


def _url(text: str) -> Parsed:
    # Browsers read "\" as "/" in web URLs: "https://us.com\@evil.io" goes to evil.io.
    text = text.replace("\\", "/")
    if "://" not in text:
        text = "//" + text
    try:
        parts = urlsplit(text)
        hostname = parts.hostname or ""
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        raise NormalizeError(_("This does not look like a link or a domain.")) from exc
    hostname = hostname.strip("[]")
    try:
        ip = ipaddress.ip_address(hostname)
    except ValueError:
        pass
    else:
        return Parsed(kind=Kind.IP, value=str(ip), display=str(ip))
    host = parse_host(hostname)
    link = _platform_link(host.ascii, parts.path)
    if link is not None:
        return link
    userinfo = unquote(parts.netloc.rpartition("@")[0]) if "@" in parts.netloc else ""
    return Parsed(
        kind=Kind.DOMAIN, value=host.ascii, display=host.unicode, host=host, userinfo=userinfo
    )


def parse_any(raw: str) -> Parsed:
    """Best guess of what a customer pasted. Raises NormalizeError when it is nothing."""
    text = unicodedata.normalize("NFKC", raw or "").strip().strip("<>\"'").strip()
    if not text:
        raise NormalizeError(
            _("Enter a link, an email address, a handle, a phone number or a crypto address.")
        )
    if len(text) > MAX_INPUT:
        raise NormalizeError(_("This is too long to check."))
    if _ADDRESS_SHAPE_RE.match(text):
        try:
            return address(text)
        except NormalizeError:
            # A mistyped or forged address is still worth comparing with ours.
            return Parsed(kind=Kind.ADDRESS, value=address_key(text), display=text)
    lowered = text.casefold()
    if lowered.startswith("mailto:"):
        return email(text)
    if lowered.startswith("tel:") or (_PHONE_RE.match(text) and not _looks_like_ip(text)):
        return phone(text)
    if text.startswith("@"):
        return handle(Platform.ANY, text)
    if "://" not in text and "/" not in text and "@" in text:
        return email(text)
    if "." not in text and "/" not in text and ":" not in text:
        return handle(Platform.ANY, text)
    return _url(text)


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --- the registry's own values ------------------------------------------------------------


def normalize_for_kind(kind: str, raw: str) -> Parsed:
    """Validate and normalise an official channel an administrator enters."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise NormalizeError(_("This field is required."))
    if len(text) > MAX_INPUT:
        raise NormalizeError(_("This is too long."))
    if kind in ("domain", "email_domain"):
        parsed = _url(text.removeprefix("@")) if "@" not in text.lstrip("@") else None
        if parsed is None or parsed.kind != Kind.DOMAIN or parsed.host is None:
            raise NormalizeError(_("Enter a domain such as example.com."))
        if parsed.host.registrable == parsed.host.suffix:
            raise NormalizeError(_("A domain ending such as “co.uk” cannot be registered."))
        return parsed
    if kind == "email":
        return email(text)
    if kind == "phone":
        parsed = phone(text)
        if not parsed.value.startswith("+"):
            raise NormalizeError(_("Enter the number in international format, starting with +."))
        return parsed
    if kind == "address":
        return address(text)
    platform = {"telegram": Platform.TELEGRAM, "discord": Platform.DISCORD, "x": Platform.X}.get(
        kind
    )
    if platform is None:
        raise NormalizeError(_("Unknown kind of channel."))
    return _registry_handle(platform, text)


def _registry_handle(platform: Platform, text: str) -> Parsed:
    # A link (t.me/…, discord.gg/…, x.com/…) or a bare handle; Discord handles may hold dots.
    parsed = _url(text) if "/" in text else None
    if parsed is not None and (parsed.kind != Kind.HANDLE or parsed.platform != platform):
        raise NormalizeError(_("Enter the handle (@name) or a link to it."))
    if parsed is None:
        parsed = handle(platform, text)
    if parsed.value.startswith(("t.me/", "discord.gg/")):
        return parsed  # an invite link, validated when parsed
    pattern = {Platform.TELEGRAM: TELEGRAM_RE, Platform.X: X_RE}.get(platform, DISCORD_HANDLE_RE)
    if not pattern.match(parsed.value):
        raise NormalizeError(_("This is not a valid handle for this platform."))
    return parsed
