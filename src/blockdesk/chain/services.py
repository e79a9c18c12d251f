"""Chain registry writes, transaction diagnosis and watching.

Everything the assistant (as a tool), the REST API and the agent panel need goes through here:
``diagnose_transaction`` for the facts, ``diagnose_for_conversation`` for facts plus the texts,
``do_watch_transaction`` to follow a transaction in the background (``signals.watch_finished``
reports the end).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blockdesk.accounts.models import Account, User
from blockdesk.chain import selectors
from blockdesk.chain.addresses import ChainFamily, validate_address
from blockdesk.chain.chain_aliases import CHAIN_KEYS, find_chain_aliases
from blockdesk.chain.diagnosis.explain import EN, ZH, Explanation, explain
from blockdesk.chain.diagnosis.facts import Diagnosis, Status
from blockdesk.chain.diagnosis.run import diagnose_on_chains, normalize_tx_hash
from blockdesk.chain.entities import extract_entities
from blockdesk.chain.models import Chain, ContractAbi, DepositAddress, Family, Token
from blockdesk.chain.models import TransactionSighting as SightingRow
from blockdesk.chain.models import TransactionWatch as Watch
from blockdesk.chain.models.sighting import SIGHTING_RETENTION
from blockdesk.chain.registry import DEFAULT_CHAINS, errors_from_abi
from blockdesk.chain.rpc import mask_url
from blockdesk.chain.signals import watch_finished
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.common.netguard import UnsafeTarget, check_url
from blockdesk.common.tasks import enqueue_on_commit
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit

logger = logging.getLogger(__name__)

DEFAULT_WATCH_TIMEOUT = dt.timedelta(hours=6)
# A claimed check holds the watch this long, so a duplicate task does not run it twice.
WATCH_LEASE = dt.timedelta(minutes=2)
MIN_POLL_SECONDS = 5
MAX_POLL_SECONDS = 600
SWEEP_GRACE = dt.timedelta(minutes=5)

# --- registry ----------------------------------------------------------------------------------


def check_chain_admin(*, actor: User) -> None:
    if not actor.is_account_admin:
        raise Forbidden()


def seed_default_chains(*, account: Account) -> int:
    """Add the well-known chains the account does not have yet (disabled, no endpoint)."""
    created = 0
    with transaction.atomic():
        existing = set(Chain.objects.filter(account=account).values_list("key", flat=True))
        for spec in DEFAULT_CHAINS:
            if spec["key"] in existing:
                continue
            fields = {k: v for k, v in spec.items() if k != "tokens"}
            chain = Chain(account=account, enabled=False, **fields)
            chain.full_clean()
            chain.save()
            for symbol, decimals, address in spec.get("tokens", []):
                Token.objects.create(
                    chain=chain,
                    symbol=symbol,
                    decimals=decimals,
                    contract_address=_normalize_for(chain, address),
                )
            created += 1
    return created


def _normalize_for(chain: Chain, address: str) -> str:
    """Validate ``address`` for the chain's family and return its canonical spelling."""
    info = validate_address((address or "").strip())
    wanted = {
        Family.EVM: ChainFamily.EVM,
        Family.BITCOIN: ChainFamily.BITCOIN,
        Family.TRON: ChainFamily.TRON,
    }.get(Family(chain.family))
    if wanted is None:  # informational chains: their address formats are not validated here
        if not address.strip():
            raise ValidationFailed.field("address", _("Enter an address."))
        return address.strip()
    if info is None or info.family is not wanted:
        raise ValidationFailed.field(
            "address", _("This is not a valid %(chain)s address.") % {"chain": chain.name}
        )
    return info.normalized


def _validate_urls(urls: str, *, allow_private: bool) -> str:
    """One URL per line, each checked by the outbound-address guard (SSRF). A host DNS cannot
    answer now is accepted: the guard runs again at every call and never sends to it."""
    lines = [u.strip() for u in urls.splitlines() if u.strip()]
    for url in lines:
        if not url.startswith(("http://", "https://")):
            raise ValidationFailed.field("rpc_urls", _("Each URL must start with http(s)://."))
        try:
            check_url(url, allow_private=allow_private, require_resolvable=False)
        except UnsafeTarget as exc:
            # The message names no URL: it may hold an API key.
            raise ValidationFailed.field("rpc_urls", str(exc)) from exc
    return "\n".join(lines)


_CONFIGURABLE = {
    "name",
    "enabled",
    "required_confirmations",
    "block_time_seconds",
    "native_symbol",
    "native_decimals",
    "native_deposit_supported",
    "deposit_supported",
    "memo_required",
    "explorer_tx_url",
    "explorer_address_url",
    "evm_chain_id",
    "allow_private_rpc",
}


def _save(obj: Any) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationFailed(_("This conflicts with an existing entry.")) from exc


_RPC_FIELDS = {"rpc_urls", "api_key", "allow_private_rpc"}


def _emit_chain(name: str, chain: Chain, *, actor: User, **data: Any) -> None:
    facts = {
        "id": chain.pk,
        "key": chain.key,
        "name": chain.name,
        "family": chain.family,
        "evm_chain_id": chain.evm_chain_id,
        "enabled": chain.enabled,
        "rpc_endpoints": [mask_url(url) for url in chain.url_list],
        "allow_private_rpc": chain.allow_private_rpc,
        "api_key_set": bool(chain.api_key),
    }
    emit(
        account_id=chain.account_id,
        name=name,
        payload={"chain": facts, **data},
        actor=Actor.agent(actor.pk),
        subject=Subject("chain", chain.pk),
    )


def do_create_chain(
    *, actor: User, key: str, name: str, family: str, native_symbol: str, **fields: Any
) -> Chain:
    """Any network beyond the defaults (e.g. another EVM chain by its chain id)."""
    check_chain_admin(actor=actor)
    unknown = set(fields) - _CONFIGURABLE - {"rpc_urls", "api_key"}
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "rpc_urls" in fields:
        allow_private = bool(fields.get("allow_private_rpc", False))
        fields["rpc_urls"] = _validate_urls(fields["rpc_urls"], allow_private=allow_private)
    chain = Chain(
        account_id=actor.account_pk,
        key=key,
        name=name,
        family=family,
        native_symbol=native_symbol,
        **fields,
    )
    with transaction.atomic():
        _save(chain)
        _emit_chain("chain.added", chain, actor=actor)
    return chain


def do_configure_chain(*, actor: User, chain: Chain, **changes: Any) -> Chain:
    """Update settings; ``rpc_urls`` (one per line) and ``api_key`` are stored encrypted."""
    check_chain_admin(actor=actor)
    if chain.account_id != actor.account_pk:
        raise Forbidden()
    unknown = set(changes) - _CONFIGURABLE - {"rpc_urls", "api_key"}
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    allow_private = bool(changes.get("allow_private_rpc", chain.allow_private_rpc))
    if "rpc_urls" in changes:
        changes["rpc_urls"] = _validate_urls(changes["rpc_urls"] or "", allow_private=allow_private)
    elif not allow_private and chain.allow_private_rpc:
        # Switching the permission off re-checks the URLs already stored.
        _validate_urls(chain.rpc_urls or "", allow_private=False)
    before = {name: getattr(chain, name) for name in changes}
    for name, value in changes.items():
        setattr(chain, name, value)
    changed = sorted(name for name in changes if before[name] != getattr(chain, name))
    with transaction.atomic():
        _save(chain)
        if changed:
            _emit_chain(
                "chain.changed",
                chain,
                actor=actor,
                changed=changed,
                rpc_changed=bool(set(changed) & _RPC_FIELDS),
            )
    logger.info("chain %s configured by user %s (%s)", chain.key, actor.pk, ", ".join(changes))
    return chain


def do_add_token(
    *,
    actor: User,
    chain: Chain,
    symbol: str,
    decimals: int,
    contract_address: str,
    deposit_supported: bool = True,
) -> Token:
    check_chain_admin(actor=actor)
    if chain.account_id != actor.account_pk:
        raise Forbidden()
    token = Token(
        chain=chain,
        symbol=symbol.strip().upper(),
        decimals=decimals,
        contract_address=_normalize_for(chain, contract_address),
        deposit_supported=deposit_supported,
    )
    _save(token)
    return token


def do_add_deposit_address(
    *, actor: User, chain: Chain, address: str, asset: str = "", memo: str = "", label: str = ""
) -> DepositAddress:
    check_chain_admin(actor=actor)
    if chain.account_id != actor.account_pk:
        raise Forbidden()
    deposit = DepositAddress(
        chain=chain,
        address=_normalize_for(chain, address),
        asset=asset.strip().upper(),
        memo=memo.strip(),
        label=label.strip(),
    )
    _save(deposit)
    return deposit


def do_add_contract_abi(
    *, actor: User, name: str, abi: list[Any], chain: Chain | None = None, address: str = ""
) -> ContractAbi:
    """Register a contract ABI so its custom errors decode by name."""
    check_chain_admin(actor=actor)
    if chain is not None and chain.account_id != actor.account_pk:
        raise Forbidden()
    if not isinstance(abi, list) or not errors_from_abi(abi):
        raise ValidationFailed.field("abi", _("The ABI must be a JSON list with error entries."))
    normalized = ""
    if address:
        info = validate_address(address.strip())
        if info is None or info.evm_hex is None:
            raise ValidationFailed.field("address", _("Enter a contract address."))
        normalized = info.evm_hex
    entry = ContractAbi(
        account_id=actor.account_pk, chain=chain, address=normalized, name=name, abi=abi
    )
    _save(entry)
    return entry


# --- diagnosis ---------------------------------------------------------------------------------


def resolve_chain_key(*, account_id: int, text: str | None) -> str | None:
    """A registry key from a key or a network name in any language ("BSC", "波场", "ERC20")."""
    if not text or not text.strip():
        return None
    keys = set(Chain.objects.filter(account_id=account_id).values_list("key", flat=True))
    cleaned = text.strip().lower()
    if cleaned in keys:
        return cleaned
    mentions = find_chain_aliases(text)
    if mentions:
        return mentions[0].chain
    return cleaned if cleaned in CHAIN_KEYS else text.strip()


def diagnose_transaction(
    *,
    tx_hash: str,
    account_id: int,
    chain_key: str | None = None,
    expected_asset: str | None = None,
    expected_amount: Decimal | str | None = None,
    deposit_address: str | None = None,
    memo: str | None = None,
) -> Diagnosis:
    """Read the transaction from the account's configured networks and judge it.

    Makes network calls (sync httpx): call it from a worker or a sync view, or wrap it with
    ``sync_to_async`` from async code. Never raises for chain problems: an unreachable network
    gives ``Status.UNAVAILABLE``.

    A pending EVM transaction is remembered (sender, nonce, payment), so that once the network
    forgets the hash a later diagnosis can say whether it was sped up, cancelled or dropped.
    """
    digits = normalize_tx_hash(tx_hash)
    seen = selectors.sighting_for(account_id=account_id, tx_digits=digits) if digits else None
    diagnosis = diagnose_on_chains(
        tx_hash=tx_hash,
        chains=selectors.chain_snapshots(account_id=account_id),
        errors=selectors.error_registry(account_id=account_id),
        chain_key=chain_key,
        expected_asset=expected_asset,
        expected_amount=expected_amount,
        deposit_address=deposit_address,
        memo=memo,
        sighting=seen,
    )
    if digits and diagnosis.sighting is not None and not diagnosis.seen_before:
        _remember_sighting(account_id=account_id, tx_digits=digits, diagnosis=diagnosis)
    return diagnosis


def _remember_sighting(*, account_id: int, tx_digits: str, diagnosis: Diagnosis) -> None:
    seen = diagnosis.sighting
    assert seen is not None
    SightingRow.objects.update_or_create(
        account_id=account_id,
        tx_digits=tx_digits,
        defaults={
            "chain_key": seen.chain_key,
            "from_address": seen.from_address,
            "nonce": seen.nonce,
            "to_address": seen.to_address,
            "value_wei": str(seen.value_wei),
            "input_digest": seen.input_digest,
            "block_number": seen.block_number,
            "seen_at": timezone.now(),
        },
    )


def do_purge_old_sightings(*, now: dt.datetime | None = None) -> int:
    """Periodic: forget pending transactions seen longer ago than the retention period."""
    cutoff = (now or timezone.now()) - SIGHTING_RETENTION
    deleted, _counts = SightingRow.objects.filter(seen_at__lt=cutoff).delete()
    return deleted


@dataclass(frozen=True)
class ConversationDiagnosis:
    diagnosis: Diagnosis
    customer: Explanation  # in the customer's language
    texts: dict[str, Explanation]  # every supported language, for the agent panel

    def as_dict(self) -> dict[str, Any]:
        return {
            "facts": self.diagnosis.as_dict(),
            "customer": self.customer.as_dict(),
            "texts": {lang: e.as_dict() for lang, e in self.texts.items()},
            "needs_agent": self.diagnosis.needs_agent,
        }


def _network_named(entities: Any) -> str | None:
    """The first network the customer named, leaving out coin symbols of amounts: in "I sent
    0.5 ETH" ETH is the asset (native on Arbitrum, Base, ... too), not the network."""
    amounts = [(a.start, a.end) for a in entities.amounts]
    for mention in entities.chains:
        if not any(start <= mention.start and mention.end <= end for start, end in amounts):
            return str(mention.chain)
    return None


def diagnose_for_conversation(
    *,
    conversation: Any,
    tx_hash: str | None = None,
    text: str | None = None,
    chain: str | None = None,
    expected_asset: str | None = None,
    expected_amount: Decimal | str | None = None,
    deposit_address: str | None = None,
    memo: str | None = None,
    language: str | None = None,
) -> ConversationDiagnosis:
    """Diagnose a transaction raised in a conversation: facts plus texts in both languages.

    The caller has authorised the conversation (an agent's panel checks access first; the
    assistant acts for the account). Missing arguments are taken from ``text`` (the
    customer's message): the first transaction hash, network and amount in it.
    """
    account_id = int(conversation.account_id)
    if text:
        entities = extract_entities(text)
        if not tx_hash and entities.tx_hashes:
            tx_hash = entities.tx_hashes[0].value
        if not chain:
            chain = _network_named(entities)
        if expected_amount is None and entities.amounts:
            expected_amount = entities.amounts[0].value
            expected_asset = expected_asset or entities.amounts[0].symbol
    if not tx_hash:
        raise ValidationFailed.field("tx_hash", _("No transaction hash was given."))
    diagnosis = diagnose_transaction(
        tx_hash=tx_hash,
        account_id=account_id,
        chain_key=resolve_chain_key(account_id=account_id, text=chain),
        expected_asset=expected_asset,
        expected_amount=expected_amount,
        deposit_address=deposit_address,
        memo=memo,
    )
    contact = getattr(conversation, "contact", None)
    lang = language or getattr(contact, "locale", "") or settings.LANGUAGE_CODE
    texts = {EN: explain(diagnosis, EN), ZH: explain(diagnosis, ZH)}
    return ConversationDiagnosis(
        diagnosis=diagnosis, customer=explain(diagnosis, lang), texts=texts
    )


# --- watching ----------------------------------------------------------------------------------

_OUTCOMES = {
    Status.CONFIRMED: Watch.Outcome.CONFIRMED,
    Status.FAILED: Watch.Outcome.FAILED,
    Status.DROPPED: Watch.Outcome.DROPPED,
    Status.WRONG_NETWORK: Watch.Outcome.WRONG_NETWORK,
}


def _enqueue_check(watch_id: int, *, run_after: dt.datetime | None) -> None:
    """A backend that cannot wait leaves it to ``do_requeue_due_watches``."""
    from blockdesk.chain.tasks import watch_transaction

    enqueue_on_commit(watch_transaction, watch_id, run_after=run_after)


def do_watch_transaction(
    *,
    account_id: int,
    tx_hash: str,
    chain_key: str | None = None,
    expected_asset: str | None = None,
    expected_amount: Decimal | str | None = None,
    deposit_address: str | None = None,
    memo: str | None = None,
    context: dict[str, Any] | None = None,
    timeout: dt.timedelta = DEFAULT_WATCH_TIMEOUT,
) -> Watch:
    """Follow a transaction until it settles; ``signals.watch_finished`` reports the end."""
    if normalize_tx_hash(tx_hash) is None:
        raise ValidationFailed.field("tx_hash", _("This is not a transaction hash."))
    now = timezone.now()
    with transaction.atomic():
        watch = Watch(
            account_id=account_id,
            tx_hash=tx_hash.strip(),
            chain_key=chain_key or "",
            expected_asset=(expected_asset or "").upper(),
            expected_amount="" if expected_amount is None else str(expected_amount),
            deposit_address=deposit_address or "",
            memo=memo or "",
            context=context or {},
            deadline=now + timeout,
            next_check_at=now,
        )
        _save(watch)
        _enqueue_check(watch.pk, run_after=None)
    return watch


def _poll_seconds(diagnosis: Diagnosis, checks: int) -> float:
    if diagnosis.confirmation is not None and diagnosis.confirmation.remaining:
        seconds = diagnosis.confirmation.eta_seconds / 2
    elif diagnosis.status is Status.PENDING and diagnosis.confirmation is None:
        seconds = 30.0 * (1 + min(checks, 10))
    else:  # not found yet, or the network was unavailable: back off
        seconds = 30.0 * 2 ** min(checks, 5)
    return float(min(MAX_POLL_SECONDS, max(MIN_POLL_SECONDS, seconds)))


def _finish(watch: Watch, *, outcome: str, diagnosis: Diagnosis | None, now: dt.datetime) -> None:
    watch.state = Watch.State.FINISHED
    watch.outcome = outcome
    watch.finished_at = now
    watch.next_check_at = None
    watch.save()
    watch_id, context = watch.pk, dict(watch.context)

    def notify() -> None:
        fresh = Watch.objects.get(pk=watch_id)
        for receiver, result in watch_finished.send_robust(
            sender=Watch, watch=fresh, outcome=outcome, diagnosis=diagnosis, context=context
        ):
            if isinstance(result, Exception):
                logger.error(
                    "watch_finished receiver %r failed for watch %s: %r", receiver, watch_id, result
                )

    transaction.on_commit(notify)


def do_check_watch(*, watch_id: int, now: dt.datetime | None = None) -> str:
    """One check of a watch (the task body). Returns what happened, for logs and tests."""
    now = now or timezone.now()
    claimed = Watch.objects.filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=now),
        pk=watch_id,
        state=Watch.State.WATCHING,
    ).update(next_check_at=now + WATCH_LEASE)
    if not claimed:
        return "skipped"  # finished, or another task holds it / it is not due
    watch = Watch.objects.get(pk=watch_id)
    # The network calls happen outside any database transaction.
    diagnosis = diagnose_transaction(
        tx_hash=watch.tx_hash,
        account_id=watch.account_id,
        chain_key=watch.chain_key or None,
        expected_asset=watch.expected_asset or None,
        expected_amount=watch.expected_amount or None,
        deposit_address=watch.deposit_address or None,
        memo=watch.memo or None,
    )
    with transaction.atomic():
        watch = Watch.objects.select_for_update().get(pk=watch_id)
        if watch.state != Watch.State.WATCHING:
            return "skipped"
        watch.checks += 1
        watch.last_status = diagnosis.status.value
        watch.last_facts = diagnosis.as_dict()
        if not watch.chain_key and diagnosis.chain_key:
            watch.chain_key = diagnosis.chain_key  # found: later checks ask that chain only
        replacement = diagnosis.replaced_by
        if replacement is not None and replacement.kind == "speed_up" and now < watch.deadline:
            # The wallet sped it up: the same payment goes on under the new hash.
            replaced = [*watch.context.get("replaced_hashes", []), watch.tx_hash]
            watch.context = {**watch.context, "replaced_hashes": replaced}
            watch.tx_hash = replacement.tx_hash
            watch.next_check_at = now
            watch.save()
            _enqueue_check(watch.pk, run_after=None)
            return "following_replacement"
        outcome = _OUTCOMES.get(diagnosis.status)
        if outcome is not None:
            _finish(watch, outcome=outcome, diagnosis=diagnosis, now=now)
            return outcome
        if diagnosis.status is Status.INVALID_HASH:
            _finish(watch, outcome=Watch.Outcome.FAILED, diagnosis=diagnosis, now=now)
            return Watch.Outcome.FAILED
        if now >= watch.deadline:
            _finish(watch, outcome=Watch.Outcome.TIMEOUT, diagnosis=diagnosis, now=now)
            return Watch.Outcome.TIMEOUT
        due = min(
            watch.deadline, now + dt.timedelta(seconds=_poll_seconds(diagnosis, watch.checks))
        )
        watch.next_check_at = due
        watch.save()
        _enqueue_check(watch.pk, run_after=due)
    return "watching"


def do_cancel_watch(*, watch: Watch) -> bool:
    with transaction.atomic():
        locked = Watch.objects.select_for_update().get(pk=watch.pk)
        if locked.state != Watch.State.WATCHING:
            return False
        _finish(locked, outcome=Watch.Outcome.CANCELLED, diagnosis=None, now=timezone.now())
    return True


def do_requeue_due_watches(*, now: dt.datetime | None = None) -> int:
    """Periodic sweep: re-enqueue watches whose check is overdue (a lost task, or a backend
    that cannot schedule). Safe to run often: the claim in ``do_check_watch`` de-duplicates."""
    from blockdesk.chain.tasks import watch_transaction

    now = now or timezone.now()
    # A backend that can defer got a task for every check: only rescue ones overdue by a lot.
    cutoff = now - SWEEP_GRACE if watch_transaction.get_backend().supports_defer else now
    ids = list(
        Watch.objects.filter(state=Watch.State.WATCHING, next_check_at__lte=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
    with transaction.atomic():
        for watch_id in ids:
            _enqueue_check(watch_id, run_after=None)
    return len(ids)
