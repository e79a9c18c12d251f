"""The sentence of each reason, made when shown, in the reader's language: the stored
reasons are codes with parameters (scoring.Reason)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_SECRETS: dict[str, Callable[[], str]] = {
    "seed_phrase": lambda: _("seed phrase exposed"),
    "partial_seed_phrase": lambda: _("seed phrase exposed"),
    "private_key": lambda: _("private key exposed"),
    "wif_private_key": lambda: _("private key exposed"),
    "extended_private_key": lambda: _("private key exposed"),
    "keystore": lambda: _("keystore file exposed"),
}
_TOPICS: dict[str, Callable[[], str]] = {
    "account_compromised": lambda: _("account compromised"),
    "funds_stolen_or_missing": lambda: _("funds stolen or missing"),
    "impersonation": lambda: _("someone posing as us"),
    "legal_threat": lambda: _("legal threat"),
    "sensitive_topic": lambda: _("sensitive topic"),
    "lost_access": lambda: _("lost access"),
}


def _amount(raw: Any, digits: int = 8) -> str:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return str(raw)
    if value == value.to_integral_value():
        return number_format(value.quantize(Decimal(1)), force_grouping=True)
    return number_format(value.normalize(), force_grouping=True)


def _funds(p: dict[str, Any]) -> str:
    amount, symbol = _amount(p.get("amount")), str(p.get("symbol") or "")
    value = _amount(p.get("value"))
    if symbol.upper() in ("USD", "USDT", "USDC", "DAI", "BUSD", "FDUSD"):
        return _("funds at stake ≈ %(amount)s %(symbol)s") % {"amount": amount, "symbol": symbol}
    return _("funds at stake ≈ %(amount)s %(symbol)s (%(value)s)") % {
        "amount": amount,
        "symbol": symbol,
        "value": value,
    }


def _waiting(p: dict[str, Any]) -> str:
    minutes = int(p.get("minutes") or 0)
    if minutes >= 120:
        hours = minutes // 60
        return ngettext("waiting %(n)d hour", "waiting %(n)d hours", hours) % {"n": hours}
    return ngettext("waiting %(n)d min", "waiting %(n)d min", minutes) % {"n": minutes}


def _secret(p: dict[str, Any]) -> str:
    what = _SECRETS.get(str(p.get("kind")), lambda: _("wallet secret exposed"))()
    return _("security: %(what)s") % {"what": what}


def _sensitive(p: dict[str, Any]) -> str:
    topic = str(p.get("topic") or "")
    what = _TOPICS.get(topic, lambda: topic.replace("_", " "))()
    return _("security: %(what)s") % {"what": what}


def _n(p: dict[str, Any]) -> int:
    return int(p.get("count") or 0)


_TEXTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "secret_exposed": _secret,
    "sensitive": _sensitive,
    "funds_at_stake": _funds,
    "intent": lambda p: _("topic: %(intent)s") % {"intent": p.get("intent", "")},
    "angry": lambda p: _("customer angry"),
    "distressed": lambda p: _("customer distressed"),
    "waiting": _waiting,
    "vip": lambda p: _("VIP (%(tier)s)") % {"tier": p.get("tier", "")},
    "intent_complex": lambda p: _("hard topic: %(intent)s") % {"intent": p.get("intent", "")},
    "chains": lambda p: (
        ngettext("%(n)d chain involved", "%(n)d chains involved", _n(p)) % {"n": _n(p)}
    ),
    "transactions": lambda p: (
        ngettext("%(n)d transaction involved", "%(n)d transactions involved", _n(p)) % {"n": _n(p)}
    ),
    "diagnosis": lambda p: (
        _("transaction check: %(status)s")
        % {"status": str(p.get("status") or _("needs a person")).replace("_", " ")}
    ),
    "exchanges": lambda p: (
        ngettext("%(n)d exchange so far", "%(n)d exchanges so far", _n(p)) % {"n": _n(p)}
    ),
    "assistant_failed": lambda p: _("the assistant could not answer"),
}


def reason_text(reason: dict[str, Any]) -> str:
    make = _TEXTS.get(str(reason.get("code")))
    params = reason.get("params") or {}
    return make(params) if make is not None else str(reason.get("code", ""))


def reason_texts(reasons: list[dict[str, Any]]) -> list[str]:
    return [reason_text(r) for r in reasons]
