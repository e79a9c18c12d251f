"""Anchoring signed tree heads on an EVM chain (docs/records.md, "Anchoring").

On a schedule (per account, hourly by default) the latest tree head is signed if the log grew
and its root is written in the calldata of a 0-value transaction from the operator's hot
wallet to itself. The transaction hash, block and cost are stored in `Anchor`; failures are
retried with backoff and shown on the settings page. Each new anchor's head is checked to
extend the previous anchored head (an RFC 9162 consistency proof), so the anchors also show
that the log only grew.

Calldata: b"BDSK1" || u8 len(log_id) || log_id (ASCII) || u64be tree_size || root (32 bytes).
"""

from __future__ import annotations

import logging
import struct
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from blockdesk.accounts.models import Account, User
from blockdesk.chain.models import Chain
from blockdesk.chain.rpc import ChainApiError
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient, to_int
from blockdesk.common import eth  # eth_account, loaded on use: see common/eth.py
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.records import merkle, selectors
from blockdesk.records.models import Anchor, AnchorSettings, RecordLog, SignedTreeHead

logger = logging.getLogger(__name__)

CALLDATA_PREFIX = b"BDSK1"
RPC_TIMEOUT = 10.0
# Backoff after the n-th failed attempt: 1, 2, 4 … minutes, at most 6 hours.
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=6)
# A sent transaction the node no longer knows after this long was dropped: send it again.
DROPPED_AFTER = timedelta(minutes=30)
MIN_INTERVAL, MAX_INTERVAL = 5, 7 * 24 * 60


class AnchorFailed(Exception):
    """A step of sending or confirming failed; the message is safe to store and show."""


def anchor_calldata(*, log_id: str, tree_size: int, root_hash: bytes) -> bytes:
    log = log_id.encode("ascii")
    return CALLDATA_PREFIX + bytes([len(log)]) + log + struct.pack(">Q", tree_size) + root_hash


# --- settings -----------------------------------------------------------------------------------


def anchor_settings(*, account: Account) -> AnchorSettings:
    found, _created = AnchorSettings.objects.get_or_create(account=account)
    return found


def _require_admin(actor: User) -> None:
    if not actor.is_account_admin:
        raise Forbidden()


def check_anchor_chain(*, account: Account, chain: Chain | None) -> None:
    if chain is None:
        return
    if chain.account_id != account.pk:
        raise NotFound(_("No such network."))
    if chain.family != "evm" or chain.evm_chain_id is None:
        raise ValidationFailed(_("Anchors can only be written to an EVM network."))


def do_configure_anchoring(
    *,
    actor: User | None,
    account: Account,
    enabled: bool,
    chain: Chain | None,
    interval_minutes: int = 60,
) -> AnchorSettings:
    """`actor` None: the system (the demo seeding)."""
    if actor is not None:
        _require_admin(actor)
    check_anchor_chain(account=account, chain=chain)
    if not MIN_INTERVAL <= interval_minutes <= MAX_INTERVAL:
        raise ValidationFailed(
            _("The interval must be between %(low)d and %(high)d minutes.")
            % {"low": MIN_INTERVAL, "high": MAX_INTERVAL}
        )
    found = anchor_settings(account=account)
    if enabled and (chain is None or not found.wallet_address):
        raise ValidationFailed(_("Choose a network and set up the hot wallet first."))
    found.enabled, found.chain, found.interval_minutes = enabled, chain, interval_minutes
    if not enabled:
        found.next_anchor_at = None
    elif found.next_anchor_at is None:
        found.next_anchor_at = timezone.now()
    found.save()
    return found


@sensitive_variables("wallet", "private_key_hex", "raw")
def do_set_hot_wallet(
    *, actor: User | None, account: Account, private_key_hex: str | None = None
) -> AnchorSettings:
    """Generate a new hot wallet, or import one from its private key (hex). The key is
    encrypted at rest and never shown again; only the address is."""
    if actor is not None:
        _require_admin(actor)
    if private_key_hex is None:
        wallet = eth.Account.create()
    else:
        raw = private_key_hex.strip().removeprefix("0x")
        try:
            if len(raw) != 64:
                raise ValueError
            wallet = eth.Account.from_key(bytes.fromhex(raw))
        except ValueError:
            # No echo of the value: it may be a real key with a typo.
            raise ValidationFailed(_("That is not a private key (64 hex digits).")) from None
    found = anchor_settings(account=account)
    found.wallet_key = wallet.key.hex()
    found.wallet_address = wallet.address
    found.save(update_fields=["wallet_key", "wallet_address"])
    return found


def _client(chain: Chain) -> EvmRpcClient:
    return EvmRpcClient(chain.url_list, timeout=RPC_TIMEOUT, allow_private=chain.allow_private_rpc)


def wallet_balance(*, found: AnchorSettings) -> int | None:
    """The hot wallet's balance in wei, or None when the node cannot be asked."""
    if found.chain is None or not found.wallet_address or not found.chain.url_list:
        return None
    try:
        with _client(found.chain) as client:
            return to_int(client.request("eth_getBalance", [found.wallet_address, "latest"]))
    except (ChainApiError, ValueError):
        return None


# --- anchoring ----------------------------------------------------------------------------------


def _fees(client: EvmRpcClient) -> tuple[int, int]:
    """(maxFeePerGas, maxPriorityFeePerGas) from the node: twice the next base fee plus tip."""
    history = client.fee_history(1, "latest", [50]) or {}
    base_fees = history.get("baseFeePerGas") or ["0x0"]
    base = to_int(base_fees[-1])
    try:
        tip = to_int(client.request("eth_maxPriorityFeePerGas"))
    except (ChainApiError, ValueError):
        rewards = history.get("reward") or [["0x3b9aca00"]]
        tip = to_int(rewards[-1][0])
    return 2 * base + tip, tip


@sensitive_variables("wallet", "found", "signed")
def _send(anchor: Anchor, found: AnchorSettings) -> None:
    """Sign and broadcast the anchor's transaction; raises AnchorFailed with a safe message.

    The hash is known before sending: a retry first asks whether the last one arrived, so a
    lost answer does not make a second transaction."""
    chain = anchor.chain
    if chain is None or not chain.enabled or not chain.url_list:
        raise AnchorFailed(_("The network is not configured or switched off."))
    if not found.wallet_key:
        raise AnchorFailed(_("No hot wallet is set up."))
    log = anchor.log
    data = anchor_calldata(
        log_id=log.public_id, tree_size=anchor.tree_size, root_hash=bytes(anchor.root_hash)
    )
    wallet = eth.Account.from_key(bytes.fromhex(found.wallet_key))
    try:
        with _client(chain) as client:
            if anchor.tx_hash and client.get_transaction(anchor.tx_hash) is not None:
                return  # the previous attempt reached the node
            if client.chain_id() != anchor.evm_chain_id:
                raise AnchorFailed(_("The node answers for another chain id."))
            call = {"from": wallet.address, "to": wallet.address, "data": "0x" + data.hex()}
            gas = to_int(client.request("eth_estimateGas", [call]))
            max_fee, tip = _fees(client)
            tx: dict[str, Any] = {
                "chainId": anchor.evm_chain_id,
                "nonce": client.get_transaction_count(wallet.address, "pending"),
                "to": wallet.address,
                "value": 0,
                "data": data,
                "gas": gas + gas // 5,  # 20 % headroom; unused gas is not paid
                "maxFeePerGas": max_fee,
                "maxPriorityFeePerGas": tip,
            }
            signed = wallet.sign_transaction(tx)
            tx_hash = "0x" + bytes(signed.hash).hex()
            # Stored before sending: the retry then asks the node whether it arrived.
            Anchor.objects.filter(pk=anchor.pk).update(tx_hash=tx_hash, from_address=wallet.address)
            anchor.tx_hash, anchor.from_address = tx_hash, wallet.address
            client.request("eth_sendRawTransaction", ["0x" + bytes(signed.raw_transaction).hex()])
            anchor.sent_at = timezone.now()
    except ChainApiError as exc:
        # RpcError / RpcUnavailable texts hold the node's message and a masked URL, no key.
        raise AnchorFailed(str(exc)[:500]) from None
    except (ValueError, TypeError) as exc:
        message = _("The node gave an unexpected answer: %(error)s") % {"error": exc}
        raise AnchorFailed(message) from None


@sensitive_variables("found")
def _attempt(anchor: Anchor, found: AnchorSettings) -> Anchor:
    anchor.attempts += 1
    try:
        _send(anchor, found)
    except AnchorFailed as exc:
        delay = min(RETRY_BASE * 2 ** min(anchor.attempts - 1, 16), RETRY_MAX)
        anchor.status = Anchor.Status.FAILED
        anchor.last_error = str(exc)
        anchor.next_attempt_at = timezone.now() + delay
        logger.warning(
            "records anchor %s (log %s, size %d) failed, attempt %d: %s",
            anchor.pk,
            anchor.log.public_id,
            anchor.tree_size,
            anchor.attempts,
            exc,
        )
    else:
        anchor.status = Anchor.Status.PENDING
        anchor.last_error = ""
        anchor.next_attempt_at = None
    anchor.save(
        update_fields=["attempts", "status", "last_error", "next_attempt_at", "tx_hash", "sent_at"]
    )
    return anchor


def _previous(log: RecordLog) -> Anchor | None:
    return (
        Anchor.objects.filter(log=log)
        .exclude(status=Anchor.Status.FAILED, tx_hash="")
        .order_by("-tree_size", "-pk")
        .first()
    )


def do_anchor_latest(*, account: Account) -> Anchor | None:
    """Anchor the latest tree head if the log grew since the last anchor (signing a fresh
    head when needed). None when anchoring is off or there is nothing new."""
    with transaction.atomic():
        # The settings row is locked while deciding, so "Anchor now" and the periodic job
        # never anchor the same head twice; the network call happens after the commit.
        found = (
            AnchorSettings.objects.select_for_update(of=("self",))
            .select_related("chain")
            .filter(account=account)
            .first()
        )
        if found is None or not found.enabled or found.chain is None:
            return None
        anchor = _new_anchor(account=account, found=found)
    if anchor is None or anchor.status == Anchor.Status.FAILED:
        return anchor
    return _attempt(anchor, found)


def _new_anchor(*, account: Account, found: AnchorSettings) -> Anchor | None:
    from blockdesk.records.services import do_sign_tree_head  # services imports this module

    log = RecordLog.objects.filter(account=account).first()
    if log is None or log.size == 0:
        return None
    last = Anchor.objects.filter(log=log).order_by("-tree_size", "-pk").first()
    if last is not None and last.tree_size >= log.size:
        return None
    sth = selectors.latest_tree_head(log=log)
    if sth is None or sth.tree_size < log.size:
        sth = do_sign_tree_head(account=account)
    previous = _previous(log)
    consistent: bool | None = None
    if previous is not None:
        consistent = verify_anchor_consistency(log=log, earlier=previous.sth, later=sth)
        if not consistent:
            # The log no longer extends what was published: never anchor over it.
            logger.error("records log %s: new head does not extend the last anchor", log)
    chain = found.chain
    assert chain is not None
    anchor = Anchor.objects.create(
        log=log,
        sth=sth,
        chain=chain,
        chain_key=chain.key,
        evm_chain_id=chain.evm_chain_id or 0,
        tree_size=sth.tree_size,
        root_hash=bytes(sth.root_hash),
        previous_size=previous.tree_size if previous else None,
        consistent=consistent,
        from_address=found.wallet_address,
        status=Anchor.Status.FAILED if consistent is False else Anchor.Status.PENDING,
        last_error=(
            "the log does not extend the previously anchored head" if consistent is False else ""
        ),
    )
    # Older anchors still failing are superseded: this one covers their heads too.
    Anchor.objects.filter(
        log=log, status=Anchor.Status.FAILED, tree_size__lt=anchor.tree_size
    ).exclude(next_attempt_at=None).update(
        next_attempt_at=None,
        last_error=f"superseded by the anchor of size {anchor.tree_size}",
    )
    return anchor


def verify_anchor_consistency(
    *, log: RecordLog, earlier: SignedTreeHead, later: SignedTreeHead
) -> bool:
    """The RFC 9162 consistency proof from the earlier anchored head to the later one,
    checked against both signed roots."""
    if earlier.tree_size == later.tree_size:
        return bytes(earlier.root_hash) == bytes(later.root_hash)
    if earlier.tree_size > later.tree_size:
        return False
    proof = selectors.consistency_proof(log=log, first=earlier.tree_size, second=later.tree_size)
    return merkle.verify_consistency(
        earlier.tree_size,
        later.tree_size,
        proof,
        bytes(earlier.root_hash),
        bytes(later.root_hash),
    )


def do_retry_anchor(*, actor: User | None, anchor: Anchor) -> Anchor:
    """ "Retry now": send a failed anchor again (a pending one is left to confirmation)."""
    if actor is not None:
        _require_admin(actor)
        if anchor.log.account_id != actor.account_pk:
            raise NotFound(_("No such anchor."))
    if anchor.status != Anchor.Status.FAILED or anchor.consistent is False:
        return anchor
    found = AnchorSettings.objects.get(account_id=anchor.log.account_id)
    return _attempt(anchor, found)


def do_confirm_anchors() -> int:
    """Fetch receipts of pending anchors; returns how many were confirmed."""
    confirmed = 0
    pending = Anchor.objects.filter(status=Anchor.Status.PENDING).select_related("chain", "log")
    for anchor in pending.exclude(tx_hash=""):
        if anchor.chain is None or not anchor.chain.url_list:
            continue
        try:
            with _client(anchor.chain) as client:
                receipt = client.get_receipt(anchor.tx_hash)
        except ChainApiError as exc:
            Anchor.objects.filter(pk=anchor.pk).update(last_error=str(exc)[:500])
            continue
        if receipt is None or receipt.get("blockNumber") is None:
            _check_dropped(anchor)
            continue
        gas_used = to_int(receipt.get("gasUsed", 0))
        price = to_int(receipt.get("effectiveGasPrice", 0))
        ok = to_int(receipt.get("status", "0x1")) == 1
        Anchor.objects.filter(pk=anchor.pk).update(
            status=Anchor.Status.CONFIRMED if ok else Anchor.Status.FAILED,
            block_number=to_int(receipt["blockNumber"]),
            gas_used=gas_used,
            effective_gas_price=Decimal(price),
            cost_wei=Decimal(gas_used * price),
            confirmed_at=timezone.now() if ok else None,
            last_error="" if ok else "the transaction reverted",
            next_attempt_at=None if ok else timezone.now(),
            tx_hash=anchor.tx_hash if ok else "",
        )
        confirmed += ok
    return confirmed


def _check_dropped(anchor: Anchor) -> None:
    """A transaction the node forgot (dropped from its pool, e.g. underpriced) is failed and
    sent again at once, with fresh fees and nonce."""
    if anchor.sent_at is None or timezone.now() - anchor.sent_at < DROPPED_AFTER:
        return
    assert anchor.chain is not None
    try:
        with _client(anchor.chain) as client:
            known = client.get_transaction(anchor.tx_hash) is not None
    except ChainApiError:
        return
    if not known:
        Anchor.objects.filter(pk=anchor.pk).update(
            status=Anchor.Status.FAILED,
            tx_hash="",
            last_error="the transaction was dropped by the node; sending it again",
            next_attempt_at=timezone.now(),
        )


def do_anchor_due() -> int:
    """The periodic job: anchor every account whose interval elapsed, and retry failed anchors
    whose backoff is over. Returns how many anchors were attempted."""
    now = timezone.now()
    count = 0
    due = AnchorSettings.objects.filter(
        Q(next_anchor_at__lte=now) | Q(next_anchor_at=None), enabled=True, chain__isnull=False
    )
    for found in due.select_related("account"):
        with transaction.atomic():
            claimed = AnchorSettings.objects.select_for_update(skip_locked=True).filter(
                Q(next_anchor_at__lte=now) | Q(next_anchor_at=None), pk=found.pk
            )
            if not claimed.exists():
                continue  # another worker has it, or has just done it
            AnchorSettings.objects.filter(pk=found.pk).update(
                next_anchor_at=now + timedelta(minutes=found.interval_minutes)
            )
        count += do_anchor_latest(account=found.account) is not None
    retry = Anchor.objects.filter(status=Anchor.Status.FAILED, next_attempt_at__lte=now).exclude(
        consistent=False
    )
    for anchor in retry.select_related("log", "chain"):
        do_retry_anchor(actor=None, anchor=anchor)
        count += 1
    return count


# --- receipts -----------------------------------------------------------------------------------


def covering_anchor(*, log: RecordLog, last_index: int) -> Anchor | None:
    """The first confirmed anchor whose head includes the entry `last_index`."""
    return (
        Anchor.objects.filter(log=log, status=Anchor.Status.CONFIRMED, tree_size__gt=last_index)
        .exclude(consistent=False)
        .select_related("sth", "sth__key")
        .order_by("tree_size", "pk")
        .first()
    )


def anchor_for(sth: SignedTreeHead) -> dict[str, Any] | None:
    """The receipt's `anchor`: the confirmed anchor of exactly this head, or None."""
    anchor = Anchor.objects.filter(sth=sth, status=Anchor.Status.CONFIRMED).order_by("pk").first()
    if anchor is None:
        return None
    return anchor_dict(anchor)


def anchor_dict(anchor: Anchor) -> dict[str, Any]:
    return {
        "chain": anchor.chain_key,
        "chain_id": anchor.evm_chain_id,
        "tx": anchor.tx_hash,
        "block_number": anchor.block_number,
        "tree_size": anchor.tree_size,
        "root_hash": bytes(anchor.root_hash).hex(),
        "calldata_prefix": CALLDATA_PREFIX.decode("ascii"),
        "consistency_proof": [],
    }


def register() -> None:
    from blockdesk.common.periodic import register_periodic_job

    register_periodic_job(do_anchor_due)
    register_periodic_job(do_confirm_anchors)
