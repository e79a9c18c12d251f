"""Plain-language explanations of a :class:`Diagnosis`, in English and Simplified Chinese.

The sentences are in ``texts.py`` (not in the gettext catalogue: see there); this module
composes them from the facts. Other languages fall back to English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import Any

from blockdesk.chain.diagnosis.facts import Advice, Diagnosis, RevertFacts, Status, format_amount
from blockdesk.chain.diagnosis.texts import EN, PANIC_MEANINGS, ZH, ZH_CHAIN_NAMES, T

__all__ = [
    "EN",
    "PANIC_MEANINGS",
    "ZH",
    "Explanation",
    "T",
    "explain",
    "followed_replacement_note",
    "normalize_language",
]
_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")


def normalize_language(language: str | None) -> str:
    tag = (language or EN).strip().lower().replace("_", "-")
    return ZH if tag == "zh" or tag.startswith("zh-") else EN


@dataclass(frozen=True, slots=True)
class Explanation:
    language: str
    title: str
    paragraphs: tuple[str, ...]
    steps: tuple[str, ...]
    needs_agent: bool

    @property
    def text(self) -> str:
        parts = [self.title, *self.paragraphs]
        if self.steps:
            parts.append("\n".join(f"• {s}" for s in self.steps))
        return "\n\n".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "title": self.title,
            "paragraphs": list(self.paragraphs),
            "steps": list(self.steps),
            "needs_agent": self.needs_agent,
            "text": self.text,
        }


class _Writer:
    def __init__(self, diagnosis: Diagnosis, lang: str) -> None:
        self.d = diagnosis
        self.lang = lang

    def t(self, key: str, **values: Any) -> str:
        text = T[key][self.lang].format(**values)
        # Templates space out placeholders for Latin names; between two CJK characters (a
        # localised network name) that space is wrong in Chinese typography.
        return _CJK_SPACE.sub("", text) if self.lang == ZH else text

    def chain(self, key: str, name: str) -> str:
        if self.lang == ZH and key in ZH_CHAIN_NAMES:
            return ZH_CHAIN_NAMES[key]
        return name or key

    def join(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return self.t("list_sep").join(items[:-1]) + self.t("and") + items[-1]

    def duration(self, seconds: int) -> str:
        if seconds < 60:
            return self.t("duration.now")
        if seconds < 5400:
            return self.t("duration.minutes", n=max(1, round(seconds / 60)))
        return self.t("duration.hours", n=round(seconds / 3600))


def _gwei(wei: int | None, *, up: bool = False) -> str:
    if wei is None:
        return "?"
    value = Decimal(wei).scaleb(-9)
    step = Decimal("0.0001")
    if up and value >= 1:
        step = Decimal("0.1")  # a suggestion to type into a wallet: 14.7, not 14.6001
    return format_amount(value.quantize(step, rounding=ROUND_UP) if up else value.quantize(step))


def _amount(value: Decimal) -> str:
    """An amount as customers read it on exchanges: 1000000.5 -> "1,000,000.5"."""
    whole, _, fraction = format_amount(value).partition(".")
    grouped = f"{int(whole):,}" if whole.isdigit() else whole
    return f"{grouped}.{fraction}" if fraction else grouped


def _rate(value: float | None) -> str:
    if value is None:
        return "?"
    return format_amount(Decimal(str(round(value, 1))))


def _revert_text(w: _Writer, revert: RevertFacts, gas_limit: int | None) -> str:
    if revert.kind == "error_string":
        return w.t("revert.error_string", message=revert.message)
    if revert.kind == "custom":
        args = ", ".join(f"{k}={v}" for k, v in revert.error_args.items())
        wrapped = (f"（{args}）" if w.lang == ZH else f" ({args})") if args else ""
        return w.t("revert.custom", name=revert.error_name, args=wrapped)
    if revert.kind == "panic":
        meaning = PANIC_MEANINGS.get(revert.panic_reason, PANIC_MEANINGS["unknown"])[w.lang]
        return w.t("revert.panic", meaning=meaning)
    if revert.kind == "out_of_gas":
        return w.t("revert.out_of_gas", limit=f"{gas_limit:,}" if gas_limit is not None else "?")
    if revert.kind == "unknown_selector":
        return w.t("revert.unknown_selector", selector=revert.raw_data[:10])
    if revert.kind in ("no_data", "out_of_energy"):
        return w.t(f"revert.{revert.kind}")
    return w.t("revert.unavailable")


def explain(diagnosis: Diagnosis, language: str | None = EN) -> Explanation:
    """Customer-facing text; every number in it comes from ``diagnosis``."""
    w = _Writer(diagnosis, normalize_language(language))
    d = diagnosis
    here = w.chain(d.chain_key, d.chain_name)
    requested = w.chain(d.requested_chain_key, d.requested_chain_name)
    paragraphs: list[str] = []
    status = d.status
    title_values = {"found": here, "requested": requested}

    if status is Status.INVALID_HASH:
        paragraphs.append(w.t("invalid_hash"))
    elif status is Status.NOT_FOUND:
        pairs = zip(d.checked_chains, d.checked_chain_names, strict=False)
        names = [w.chain(k, n) for k, n in pairs] or [w.t("no_networks")]
        paragraphs.append(w.t("not_found", chains=w.join(names)))
    elif status is Status.UNAVAILABLE:
        paragraphs.append(w.t("unavailable", chain=requested or here or w.t("no_networks")))
    elif status is Status.WRONG_NETWORK:
        paragraphs.append(w.t("wrong_network", **title_values))
        dep = d.deposit
        if dep is not None and dep.to_deposit_address:
            key = "ours_supported" if dep.network_supported else "ours_unsupported"
            paragraphs.append(w.t(f"wrong_network.{key}", found=here))
        elif dep is not None:
            paragraphs.append(w.t("wrong_network.not_ours", found=here))
        there = d.found_elsewhere[0].status if d.found_elsewhere else None
        if there is Status.PENDING:
            paragraphs += _pending_paragraphs(w)
        elif there is Status.FAILED:
            paragraphs += _failed_paragraphs(w)
    elif status is Status.PENDING:
        paragraphs.append(w.t("pending", chain=here))
        paragraphs += _pending_paragraphs(w)
    elif status is Status.DROPPED:
        paragraphs += _dropped_paragraphs(w)
    elif status is Status.FAILED:
        paragraphs += _failed_paragraphs(w)
    elif status in (Status.CONFIRMING, Status.CONFIRMED) and d.confirmation is not None:
        c = d.confirmation
        if status is Status.CONFIRMING:
            paragraphs.append(
                w.t(
                    "confirming",
                    confirmations=c.confirmations,
                    required=c.required,
                    eta=w.duration(c.eta_seconds),
                )
            )
        else:
            paragraphs.append(w.t("confirmed", confirmations=c.confirmations))

    if status not in (Status.FAILED, Status.DROPPED, Status.NOT_FOUND, Status.INVALID_HASH):
        for transfer in d.transfers[:3]:
            amount = _amount(transfer.amount) if transfer.amount is not None else "?"
            paragraphs.append(
                w.t(
                    "transfer",
                    amount=amount,
                    symbol=transfer.symbol,
                    source=transfer.from_address,
                    target=transfer.to_address,
                )
            )
    paragraphs += _deposit_paragraphs(w)

    title_key = f"title.{status.value}"
    if d.replaced_by is not None and f"{title_key}.{d.replaced_by.kind}" in T:
        title_key = f"{title_key}.{d.replaced_by.kind}"
    if status in (Status.CONFIRMING, Status.CONFIRMED) and d.deposit and d.deposit.problems:
        # "Complete" would read as "credited": say first that this deposit needs more.
        ours = d.deposit.to_deposit_address
        title_key = "title.deposit_review" if ours else "title.deposit_elsewhere"
    return Explanation(
        language=w.lang,
        title=w.t(title_key, **title_values),
        paragraphs=tuple(dict.fromkeys(paragraphs)),
        steps=tuple(_steps(w)),
        needs_agent=d.needs_agent,
    )


def followed_replacement_note(*, original: str, replacement: str, language: str | None) -> str:
    """One line for a watch that switched to a wallet's sped-up copy of the transaction."""
    lang = normalize_language(language)
    return T["watch.followed_replacement"][lang].format(original=original, replacement=replacement)


def _dropped_paragraphs(w: _Writer) -> list[str]:
    d, r = w.d, w.d.replaced_by
    if d.expired or d.nonce is None:
        return [w.t("dropped.expired")]
    if r is None:
        key = "dropped.replaced" if d.nonce.replaced else "dropped.evicted"
        return [w.t(key, nonce=d.nonce.nonce)]
    values = {"nonce": d.nonce.nonce, "replacement": r.tx_hash, "symbol": d.native_symbol}
    counts = {"confirmations": r.confirmations, "required": r.required}
    return [w.t(f"dropped.{r.kind}", **values), w.t(f"replacement.{r.status.value}", **counts)]


def _failed_paragraphs(w: _Writer) -> list[str]:
    d = w.d
    block = d.confirmation.block_number if d.confirmation else "?"
    fee = _amount(d.fee.paid) if d.fee and d.fee.paid is not None else "?"
    out = [w.t("failed", block=block, fee=fee, symbol=d.native_symbol)]
    if d.revert is not None:
        out.append(_revert_text(w, d.revert, d.fee.gas_limit if d.fee else None))
    return out


def _pending_paragraphs(w: _Writer) -> list[str]:
    d, fee, out = w.d, w.d.fee, []
    if d.nonce is not None and d.nonce.gap == 1:
        out.append(w.t("pending.nonce_gap.one"))
    elif d.nonce is not None and d.nonce.gap:
        out.append(w.t("pending.nonce_gap", count=d.nonce.gap))
    if fee is not None and fee.too_low and fee.kind == "bitcoin":
        out.append(w.t("pending.too_low.bitcoin"))
    elif fee is not None and fee.too_low:
        offered = fee.max_fee_per_gas if fee.max_fee_per_gas is not None else fee.gas_price
        out.append(w.t("pending.too_low", offered=_gwei(offered), needed=_gwei(fee.base_fee_now)))
    elif fee is not None and fee.low:
        out.append(w.t("pending.low"))
    elif not (d.nonce is not None and d.nonce.gap):
        out.append(w.t("pending.fine"))
    # The verdict first, then the figures behind it.
    if fee is not None and fee.kind == "bitcoin":
        out.append(
            w.t(
                "pending.btc_rate",
                rate=_rate(fee.fee_rate),
                next=_rate(fee.rate_next_block),
                hour=_rate(fee.rate_hour),
            )
        )
    return out


def _deposit_paragraphs(w: _Writer) -> list[str]:
    d, dep = w.d, w.d.deposit
    if dep is None:
        return []
    here = w.chain(d.chain_key, d.chain_name)
    # On the wrong network, "wrong_network.*" already says whether it reached us.
    elsewhere = d.status is Status.WRONG_NETWORK
    out = []
    for problem in dep.problems:
        if elsewhere and problem in (Advice.WRONG_ADDRESS, Advice.NOTHING_RECEIVED):
            continue
        if problem is Advice.WRONG_ADDRESS:
            target = d.transfers[0].to_address if d.transfers else d.to_address
            ours = w.join(list(dep.addresses_checked)) if dep.addresses_checked else "?"
            out.append(w.t("deposit.wrong_address", ours=ours, target=target))
        elif problem is Advice.NOTHING_RECEIVED:
            out.append(w.t("deposit.nothing_received"))
        elif problem is Advice.UNSUPPORTED_TOKEN:
            out.append(w.t("deposit.unsupported_token", asset=dep.asset, chain=here))
        elif problem is Advice.UNSUPPORTED_NETWORK and d.status is not Status.WRONG_NETWORK:
            out.append(w.t("deposit.unsupported_network", chain=here))
        elif problem is Advice.ASSET_MISMATCH:
            out.append(w.t("deposit.asset_mismatch", expected=dep.expected_asset, asset=dep.asset))
        elif problem is Advice.AMOUNT_MISMATCH:
            out.append(
                w.t(
                    "deposit.amount_mismatch",
                    asset=dep.asset,
                    received=_amount(dep.received_amount or Decimal(0)),
                    expected=_amount(dep.expected_amount or Decimal(0)),
                )
            )
        elif problem is Advice.MEMO_MISSING:
            out.append(w.t("deposit.memo_missing", chain=here))
    if dep.ok and d.status is not Status.WRONG_NETWORK:
        out.append(w.t("deposit.ok"))
    return out


def _steps(w: _Writer) -> list[str]:
    d, steps = w.d, []
    nonce = d.nonce.nonce if d.nonce else "?"
    here = w.chain(d.chain_key, d.chain_name)
    requested = w.chain(d.requested_chain_key, d.requested_chain_name)
    for advice in d.advice:
        if advice is Advice.SPEED_UP:
            fee = d.fee
            suggested = _gwei(fee.suggested_max_fee_per_gas, up=True) if fee else "?"
            steps.append(w.t("step.speed_up", nonce=nonce, suggested=suggested))
        elif advice is Advice.CANCEL_SAME_NONCE:
            steps.append(w.t("step.cancel_same_nonce", nonce=nonce, symbol=d.native_symbol))
        elif advice is Advice.FILL_NONCE_GAP and d.nonce is not None:
            steps.append(w.t("step.fill_nonce_gap", next_nonce=d.nonce.next_nonce))
        elif advice is Advice.RBF:
            target = (d.fee.rate_half_hour or d.fee.rate_next_block) if d.fee else None
            steps.append(w.t("step.rbf", target=_rate(target)))
        elif advice is Advice.WAIT_FOR_CONFIRMATIONS:
            if d.deposit is not None and d.deposit.problems:
                continue  # confirmations alone will not get it credited
            required = d.confirmation.required if d.confirmation else "?"
            steps.append(w.t("step.wait_for_confirmations", required=required))
        elif advice is Advice.RETRY_WITH_MORE_GAS and d.revert and d.revert.kind == "out_of_energy":
            steps.append(w.t("step.retry_with_more_energy"))
        elif advice is Advice.FOLLOW_REPLACEMENT and d.replaced_by is not None:
            steps.append(w.t("step.follow_replacement", replacement=d.replaced_by.tx_hash))
        elif advice is Advice.WRONG_NETWORK_RECOVERY and d.status is Status.WRONG_NETWORK:
            steps.append(w.t("step.wrong_network_recovery", found=here, requested=requested))
        elif f"step.{advice.value}" in T and advice not in _STEPS_WITH_VALUES:
            steps.append(w.t(f"step.{advice.value}"))
    if d.explorer_url and d.status not in (Status.NOT_FOUND, Status.INVALID_HASH):
        steps.append(w.t("step.explorer", url=d.explorer_url))
    if d.replaced_by is not None and d.replaced_by.explorer_url:
        steps.append(w.t("step.replacement_explorer", url=d.replaced_by.explorer_url))
    return steps


# Steps whose text needs facts that may be missing: never rendered by the generic branch.
_STEPS_WITH_VALUES = (Advice.WRONG_NETWORK_RECOVERY, Advice.FOLLOW_REPLACEMENT)
