"""Reads for the crypto and knowledge panels of the conversation view.

* Entity spans: transaction hashes and addresses found in customer messages (by
  ``chain.entities.extract_entities``), with an explorer link when the network is known.
* Knowledge suggestions: KB search over the customer's recent messages.
* The diagnosis card: a ``diagnosis`` ConversationEvent's facts shaped as label/value rows.

Nothing here writes; the panel actions live in workspace.services.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from blockdesk.accounts.models import User
from blockdesk.chain.entities import extract_entities
from blockdesk.chain.models import Chain
from blockdesk.conversations.models import Conversation, ConversationEvent, Message

logger = logging.getLogger(__name__)

HINT_MESSAGES = 50  # customer messages scanned for network names
SUGGESTION_MESSAGES = 3  # recent customer messages that make the suggestion query
SUGGESTION_QUERY_CHARS = 280  # the search reads at most 300
SUGGESTIONS = 5

# --- entity spans -------------------------------------------------------------------


@dataclass(frozen=True)
class ChainLink:
    """A network of the account's registry, as far as links are concerned."""

    key: str
    name: str
    family: str
    enabled: bool
    tx_template: str
    address_template: str

    def tx_url(self, tx_hash: str) -> str:
        return _fill(self.tx_template, "{hash}", tx_hash)

    def address_url(self, address: str) -> str:
        return _fill(self.address_template, "{address}", address)


def _fill(template: str, placeholder: str, value: str) -> str:
    # Admins write the templates: only web links become hrefs (never javascript: and co).
    if placeholder not in template or not template.startswith(("https://", "http://")):
        return ""
    return template.replace(placeholder, value)


def safe_url(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


@dataclass(frozen=True)
class EntitySpan:
    kind: str  # "tx" | "address"
    start: int  # code-point offsets into the message content
    end: int
    value: str  # as written
    chain_key: str = ""
    chain_name: str = ""
    explorer_url: str = ""

    def as_dict(self, content: str) -> dict[str, Any]:
        # Scripts slice strings in UTF-16 code units: an emoji before a hash counts twice.
        return {
            "kind": self.kind,
            "start": _utf16_len(content[: self.start]),
            "end": _utf16_len(content[: self.end]),
            "value": self.value,
            "chain": self.chain_name,
            "explorer_url": self.explorer_url,
        }


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Segment:
    text: str
    entity: EntitySpan | None = None


def segments(content: str, spans: Iterable[EntitySpan]) -> list[Segment]:
    """The content cut into plain text and entity pieces, for the template."""
    out: list[Segment] = []
    pos = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:
            continue
        if span.start > pos:
            out.append(Segment(content[pos : span.start]))
        out.append(Segment(content[span.start : span.end], span))
        pos = span.end
    if pos < len(content):
        out.append(Segment(content[pos:]))
    return out


class EntityFinder:
    """Finds entities in a conversation's customer messages and picks their network: one
    the message names, else one named earlier in the conversation, else the only (enabled)
    network of the right family in the registry."""

    def __init__(
        self,
        chains: list[ChainLink] | Callable[[], list[ChainLink]],
        hints: list[str] | Callable[[], list[str]],
    ) -> None:
        # Loaders run on the first message that has an entity: most timelines have none.
        self._chains = chains
        self._hints = hints

    @cached_property
    def chains(self) -> list[ChainLink]:
        return self._chains() if callable(self._chains) else self._chains

    @cached_property
    def hints(self) -> list[str]:
        return self._hints() if callable(self._hints) else self._hints

    def _pick(self, families: Iterable[str], local_hints: list[str]) -> ChainLink | None:
        wanted = {str(f) for f in families}
        candidates = [c for c in self.chains if c.family in wanted]
        for key in [*local_hints, *self.hints]:
            for chain in candidates:
                if chain.key == key:
                    return chain
        pool = [c for c in candidates if c.enabled] or candidates
        return pool[0] if len(pool) == 1 else None

    def spans(self, text: str) -> tuple[EntitySpan, ...]:
        if not text or len(text) < 25:  # shorter than any address or hash
            return ()
        found = extract_entities(text)
        if not (found.tx_hashes or found.addresses):
            return ()
        local = list(found.chain_keys)
        spans: list[EntitySpan] = []
        for tx in found.tx_hashes:
            chain = self._pick(tx.families, local)
            spans.append(
                EntitySpan(
                    "tx",
                    tx.start,
                    tx.end,
                    tx.text,
                    chain.key if chain else "",
                    chain.name if chain else "",
                    chain.tx_url(tx.text) if chain else "",
                )
            )
        for address in found.addresses:
            chain = self._pick([address.info.family], local)
            spans.append(
                EntitySpan(
                    "address",
                    address.start,
                    address.end,
                    address.text,
                    chain.key if chain else "",
                    chain.name if chain else "",
                    chain.address_url(address.info.normalized) if chain else "",
                )
            )
        return tuple(sorted(spans, key=lambda s: s.start))


def account_chain_links(*, account_id: int) -> list[ChainLink]:
    # .values(): the encrypted endpoint fields are neither read nor decrypted.
    rows = Chain.objects.filter(account_id=account_id).values(
        "key", "name", "family", "enabled", "explorer_tx_url", "explorer_address_url"
    )
    return [
        ChainLink(
            r["key"],
            r["name"],
            r["family"],
            r["enabled"],
            r["explorer_tx_url"],
            r["explorer_address_url"],
        )
        for r in rows.order_by("name")
    ]


def conversation_chain_hints(*, conversation: Conversation) -> list[str]:
    """Networks the customer named, most recent first."""
    texts = (
        conversation.messages.filter(sender_type=Message.SenderType.CONTACT)
        .order_by("-id")
        .values_list("content", flat=True)[:HINT_MESSAGES]
    )
    hints: list[str] = []
    for text in texts:
        for key in reversed(extract_entities(text).chain_keys):
            if key not in hints:
                hints.append(key)
    return hints


def entity_finder(*, conversation: Conversation) -> EntityFinder:
    return EntityFinder(
        lambda: account_chain_links(account_id=conversation.account_id),
        lambda: conversation_chain_hints(conversation=conversation),
    )


# --- knowledge suggestions -------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")


def kb_language(*, locale: str, text: str) -> str:
    """The contact's locale as a KB language, else guessed from what they wrote."""
    from blockdesk.kb import selectors as kb

    languages = kb.kb_languages()
    tag = (locale or "").strip().lower().replace("_", "-")
    if tag:
        if tag in languages:
            return tag
        if tag.startswith("zh") and "zh-hans" in languages:
            return "zh-hans"
        base = tag.split("-")[0]
        if base in languages:
            return base
    if _CJK.search(text or "") and "zh-hans" in languages:
        return "zh-hans"
    return kb.default_language()


def suggestion_query(*, conversation: Conversation) -> str:
    """The customer's recent messages, newest kept when too long, hashes and addresses cut
    (64 hex digits only add noise to a text search)."""
    texts = list(
        conversation.messages.filter(sender_type=Message.SenderType.CONTACT)
        .exclude(content="")
        .order_by("-id")
        .values_list("content", flat=True)[:SUGGESTION_MESSAGES]
    )
    parts: list[str] = []
    used = 0
    for text in texts:
        found = extract_entities(text)
        spans = [(h.start, h.end) for h in found.tx_hashes]
        spans += [(a.start, a.end) for a in found.addresses]
        cut = sorted(spans, reverse=True)
        for start, end in cut:
            text = text[:start] + " " + text[end:]
        text = " ".join(text.split())
        if not text:
            continue
        if used + len(text) > SUGGESTION_QUERY_CHARS:
            if not parts:
                parts.append(text[:SUGGESTION_QUERY_CHARS])
            break
        parts.append(text)
        used += len(text) + 1
    return " ".join(reversed(parts))


def knowledge_articles(
    *, user: User, query: str, language: str, limit: int = SUGGESTIONS
) -> list[dict[str, Any]]:
    """Published articles of the agent's account for ``query``, best first, with the
    public help-center URL (absolute) and the summary the agent may insert."""
    from blockdesk.kb import selectors as kb
    from blockdesk.kb.search.service import search

    query = query.strip()
    if not query:
        return []
    hits = search(query=query, language=language, limit=limit, account_id=user.account_pk)
    if not hits:
        return []
    # Only what is published now: the index may lag behind an unpublish by a moment.
    wanted = {h.document.article_id for h in hits}
    live = {
        (t.article_id, t.language): t
        for t in kb.public_translations(account_id=user.account_pk)
        .filter(article_id__in=wanted)
        .select_related("article__category")
    }
    out = []
    for hit in hits:
        tr = live.get((hit.document.article_id, hit.document.language))
        if tr is None:
            continue
        out.append(
            {
                "article_id": tr.article_id,
                "key": tr.article.key,
                "title": tr.title,
                "summary": tr.summary,
                "snippet": hit.highlight or tr.summary,
                "url": kb.absolute(kb.article_path(tr)),
                "language": tr.language,
                "cross_lingual": bool(hit.cross_lingual),
            }
        )
    return out


# --- the diagnosis card -------------------------------------------------------------------

STATUS_LABELS = {
    "invalid_hash": gettext_lazy("Not a transaction hash"),
    "not_found": gettext_lazy("Not found"),
    "wrong_network": gettext_lazy("On another network"),
    "pending": pgettext_lazy("transaction status", "Pending"),
    "dropped": gettext_lazy("Dropped or replaced"),
    "failed": gettext_lazy("Failed"),
    "confirming": gettext_lazy("Confirming"),
    "confirmed": gettext_lazy("Confirmed"),
    "unavailable": gettext_lazy("Network unavailable"),
}
PROBLEM_LABELS = {
    "wrong_address": gettext_lazy("not sent to our deposit address"),
    "nothing_received": gettext_lazy("nothing received"),
    "unsupported_token": gettext_lazy("token not accepted"),
    "unsupported_network": gettext_lazy("network not accepted for deposits"),
    "asset_mismatch": gettext_lazy("different asset than expected"),
    "amount_mismatch": gettext_lazy("different amount than expected"),
    "memo_missing": gettext_lazy("memo / tag missing"),
    "wrong_network_recovery": gettext_lazy("sent on another network"),
}
# Statuses after which watching has nothing left to wait for.
_UNWATCHABLE = {"invalid_hash", "confirmed", "failed", "dropped", "wrong_network"}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def short_hash(value: str) -> str:
    return value if len(value) <= 18 else f"{value[:10]}…{value[-6:]}"


def _gwei(wei: Any) -> str:
    try:
        value = Decimal(str(wei)) / Decimal(10**9)
    except (InvalidOperation, TypeError):
        return str(wei)
    text = format(value.quantize(Decimal("0.001")).normalize(), "f")
    return f"{text} gwei"


def _yes_no(value: Any) -> str:
    return _("yes") if value else _("no")


def _row(label: str, value: Any, *, mono: bool = False, warn: bool = False) -> dict[str, Any]:
    return {"label": label, "value": str(value), "mono": mono, "warn": warn}


def _confirmation_rows(conf: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        _row(
            _("Confirmations"),
            _("%(n)s of %(required)s") % {"n": conf["confirmations"], "required": conf["required"]},
        )
    ]
    if conf.get("remaining"):
        minutes = max(1, round(int(conf.get("eta_seconds") or 0) / 60))
        rows.append(_row(_("Time left"), _("about %(n)d min") % {"n": minutes}))
    rows.append(_row(_("Block"), conf["block_number"]))
    return rows


def _fee_rows(fee: dict[str, Any], symbol: str) -> list[dict[str, Any]]:
    rows = []
    if fee.get("paid") is not None:
        rows.append(_row(_("Fee paid"), f"{fee['paid']} {symbol}".strip()))
    if fee.get("kind") == "bitcoin" and fee.get("fee_rate") is not None:
        rate = _("%(rate)s sat/vB (next block %(next)s, 1 hour %(hour)s)") % {
            "rate": fee["fee_rate"],
            "next": fee.get("rate_next_block") or "?",
            "hour": fee.get("rate_hour") or "?",
        }
        rows.append(_row(_("Fee rate"), rate, warn=bool(fee.get("too_low") or fee.get("low"))))
    for key, label in (
        ("gas_price", _("Gas price")),
        ("max_fee_per_gas", _("Max fee")),
        ("max_priority_fee_per_gas", _("Priority fee")),
        ("effective_gas_price", _("Effective gas price")),
        ("base_fee_now", _("Base fee now")),
        ("suggested_max_fee_per_gas", _("Suggested max fee")),
    ):
        if fee.get(key) is not None and fee.get("unit") == "wei":
            rows.append(_row(label, _gwei(fee[key])))
    if fee.get("gas_used") is not None and fee.get("gas_limit") is not None:
        rows.append(_row(_("Gas used"), f"{fee['gas_used']} / {fee['gas_limit']}"))
    if fee.get("energy_used") is not None:
        rows.append(_row(_("Energy used"), fee["energy_used"]))
    if fee.get("too_low"):
        rows.append(_row(_("Fee"), _("below what the network charges now"), warn=True))
    elif fee.get("low"):
        rows.append(_row(_("Fee"), _("low: may take longer than usual"), warn=True))
    return rows


def _revert_value(revert: dict[str, Any]) -> str:
    kind = revert.get("kind")
    if kind == "error_string":
        return str(revert.get("message") or "")
    if kind == "panic":
        code = revert.get("panic_code")
        code_text = f"0x{int(code):02x}" if isinstance(code, int) else str(code or "")
        return f"Panic {code_text} ({revert.get('panic_reason') or '?'})"
    if kind == "custom":
        args = ", ".join(f"{k}={v}" for k, v in (revert.get("error_args") or {}).items())
        return f"{revert.get('error_name') or revert.get('error_signature')}({args})"
    labels = {
        "out_of_gas": _("out of gas"),
        "out_of_energy": _("out of energy"),
        "unknown_selector": _("unknown custom error"),
        "no_data": _("no reason given"),
        "unavailable": _("the reason could not be read"),
    }
    return str(labels.get(str(kind), kind or ""))


def _deposit_rows(dep: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [_row(_("To our deposit address"), _yes_no(dep.get("to_deposit_address")))]
    if dep.get("asset"):
        accepted = dep.get("asset_supported")
        value = str(dep["asset"])
        if accepted is not None:
            value += " (" + (_("accepted") if accepted else _("not accepted")) + ")"
        rows.append(_row(_("Asset"), value, warn=accepted is False))
    if not dep.get("network_supported", True):
        rows.append(_row(_("Network"), _("not accepted for deposits"), warn=True))
    if dep.get("expected_amount") is not None or dep.get("received_amount") is not None:
        value = _("expected %(expected)s, received %(received)s") % {
            "expected": dep.get("expected_amount") or "?",
            "received": dep.get("received_amount") or "0",
        }
        rows.append(_row(_("Amount"), value, warn=dep.get("amount_matches") is False))
    if dep.get("memo_required"):
        rows.append(
            _row(_("Memo / tag"), _("present") if dep.get("memo_present") else _("missing"),
                 warn=not dep.get("memo_present"))
        )  # fmt: skip
    problems = [str(PROBLEM_LABELS.get(p, p)) for p in dep.get("problems") or []]
    if problems:
        rows.append(_row(_("Deposit problems"), ", ".join(problems), warn=True))
    return rows


def fact_rows(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts an agent needs, as label/value rows in the agent's language."""
    rows = [
        _row(_("Status"), status_label(str(facts.get("status", ""))),
             warn=facts.get("status") in ("failed", "dropped", "wrong_network", "not_found")),
    ]  # fmt: skip
    symbol = str(facts.get("native_symbol") or "")
    if facts.get("chain_name"):
        rows.append(_row(_("Network"), facts["chain_name"]))
    requested = facts.get("requested_chain_name")
    if requested and requested != facts.get("chain_name"):
        rows.append(_row(_("Customer said"), requested))
    for found in facts.get("found_elsewhere") or []:
        rows.append(
            _row(_("Found on"), f"{found['chain_name']} ({status_label(found['status'])})",
                 warn=True)
        )  # fmt: skip
    if facts.get("status") in ("not_found", "unavailable") and facts.get("checked_chain_names"):
        rows.append(_row(_("Networks checked"), ", ".join(facts["checked_chain_names"])))
    if facts.get("unavailable_chains"):
        rows.append(_row(_("Could not ask"), ", ".join(facts["unavailable_chains"]), warn=True))
    if facts.get("from_address"):
        rows.append(_row(_("From"), facts["from_address"], mono=True))
    if facts.get("to_address"):
        rows.append(_row(_("To"), facts["to_address"], mono=True))
    if facts.get("value") not in (None, "0"):
        rows.append(_row(_("Value"), f"{facts['value']} {symbol}".strip()))
    if facts.get("confirmation"):
        rows += _confirmation_rows(facts["confirmation"])
    if facts.get("fee"):
        rows += _fee_rows(facts["fee"], symbol)
    nonce = facts.get("nonce")
    if nonce:
        value = _("%(nonce)s (next expected %(next)s)") % {
            "nonce": nonce["nonce"],
            "next": nonce["next_nonce"],
        }
        if nonce.get("gap"):
            value += " · " + _("%(n)s earlier transaction(s) missing") % {"n": nonce["gap"]}
        rows.append(_row(_("Nonce"), value, warn=bool(nonce.get("gap") or nonce.get("replaced"))))
    if facts.get("rbf_signalled") is not None:
        rows.append(_row(_("Replace-by-fee"), _yes_no(facts["rbf_signalled"])))
    if facts.get("revert"):
        rows.append(_row(_("Revert reason"), _revert_value(facts["revert"]), warn=True))
    for t in facts.get("transfers") or []:
        amount = t.get("amount") if t.get("amount") is not None else t.get("raw_amount")
        label = _("Token transfer") if t.get("standard") != "native" else _("Transfer")
        symbol = t.get("symbol") or "?"
        value = f"{amount} {symbol}: {t.get('from_address')} → {t.get('to_address')}"
        if t.get("standard") != "native" and not t.get("known_token"):
            value += " · " + _("token not in the registry")
        rows.append(_row(label, value, mono=True))
    if facts.get("deposit"):
        rows += _deposit_rows(facts["deposit"])
    return rows


def diagnosis_view(event: ConversationEvent) -> dict[str, Any] | None:
    """A stored diagnosis as the card shows it (the template and the script render the
    same dict)."""
    data = event.data or {}
    result = data.get("result") or {}
    facts = result.get("facts") or {}
    if not facts:
        return None
    customer = result.get("customer") or {}
    rows = fact_rows(facts)
    status = str(facts.get("status", ""))
    tx_hash = str(facts.get("tx_hash") or data.get("tx_hash") or "")
    summary = "\n".join(f"{r['label']}: {r['value']}" for r in rows)
    note = "\n\n".join(
        part
        for part in (
            _("Transaction check %(hash)s") % {"hash": tx_hash},
            summary,
            str(customer.get("text") or ""),
        )
        if part
    )
    return {
        "event_id": event.pk,
        "via": data.get("via", "agent"),
        "outcome": data.get("outcome", ""),
        "tx_hash": tx_hash,
        "short_hash": short_hash(tx_hash),
        "status": status,
        "status_label": status_label(status),
        "chain_key": str(facts.get("chain_key") or ""),
        "chain_name": str(facts.get("chain_name") or ""),
        "explorer_url": safe_url(str(facts.get("explorer_url") or "")),
        "needs_agent": bool(result.get("needs_agent")),
        "rows": rows,
        "customer": {
            "language": str(customer.get("language") or ""),
            "title": str(customer.get("title") or ""),
            "paragraphs": [str(p) for p in customer.get("paragraphs") or []],
            "steps": [str(s) for s in customer.get("steps") or []],
            "text": str(customer.get("text") or ""),
        },
        "note_text": note[: settings.MESSAGE_MAX_LENGTH],
        "can_watch": status not in _UNWATCHABLE,
    }


def latest_diagnosis(*, conversation: Conversation) -> dict[str, Any] | None:
    event = (
        conversation.events.filter(kind=ConversationEvent.Kind.DIAGNOSIS).order_by("-id").first()
    )
    return diagnosis_view(event) if event is not None else None


def describe_diagnosis(event: ConversationEvent, actor: str) -> str:
    """The timeline line of a diagnosis event."""
    data = event.data or {}
    facts = (data.get("result") or {}).get("facts") or {}
    values = {
        "actor": actor,
        "hash": short_hash(str(facts.get("tx_hash") or data.get("tx_hash") or "")),
        "status": status_label(str(facts.get("status", ""))),
    }
    if data.get("via") == "watch":
        return _("Watch ended for transaction %(hash)s: %(status)s") % values
    return _("%(actor)s checked transaction %(hash)s: %(status)s") % values
