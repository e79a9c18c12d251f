"""Console writes that have no home in the core services yet."""

from __future__ import annotations

from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.chain import selectors as chain_selectors
from blockdesk.chain import services as chain_services
from blockdesk.chain.entities import extract_entities
from blockdesk.chain.models import TransactionWatch
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations.chain_hooks import record_diagnosis_event
from blockdesk.conversations.models import Conversation, ConversationEvent, Message
from blockdesk.conversations.services import check_agent_can_access
from blockdesk.workspace.panels import conversation_chain_hints

# --- transactions raised in a conversation --------------------------------------------


def _check_hash(tx_hash: str) -> str:
    tx_hash = (tx_hash or "").strip()
    if not tx_hash:
        raise ValidationFailed.field("tx_hash", _("Enter a transaction hash."))
    if len(tx_hash) > 80:
        raise ValidationFailed.field("tx_hash", _("This is not a transaction hash."))
    return tx_hash


def _hash_context(conversation: Conversation, tx_hash: str) -> tuple[str | None, str | None]:
    """(text, network): the customer message that carries the hash, and the network the
    customer named there or, failing that, most recently in the conversation."""
    message = (
        conversation.messages.filter(
            sender_type=Message.SenderType.CONTACT, content__icontains=tx_hash
        )
        .order_by("-id")
        .first()
    )
    text = message.content if message is not None else None
    named = extract_entities(text).chain_keys if text else ()
    if named:
        return text, named[0]
    hints = conversation_chain_hints(conversation=conversation)
    return text, hints[0] if hints else None


def do_diagnose_transaction(
    *, actor: User, conversation: Conversation, tx_hash: str, chain: str | None = None
) -> ConversationEvent:
    """Diagnose a transaction for the agent panel and keep the facts on the conversation.

    The network calls happen before (and outside) the transaction that stores the event."""
    check_agent_can_access(user=actor, conversation=conversation)
    tx_hash = _check_hash(tx_hash)
    text, named = _hash_context(conversation, tx_hash)
    result = chain_services.diagnose_for_conversation(
        conversation=conversation,
        tx_hash=tx_hash,
        text=text,
        chain=(chain or "").strip() or named,
    )
    return record_diagnosis_event(
        conversation=conversation,
        actor=actor,
        data={
            "via": "agent",
            "outcome": "",
            "tx_hash": result.diagnosis.tx_hash,
            "result": result.as_dict(),
        },
    )


def do_watch_transaction(
    *, actor: User, conversation: Conversation, tx_hash: str, chain: str | None = None
) -> tuple[TransactionWatch, bool]:
    """Follow a transaction until it settles; the conversation hears the outcome
    (conversations.chain_hooks). Returns (watch, created): one watch per hash and case."""
    check_agent_can_access(user=actor, conversation=conversation)
    tx_hash = _check_hash(tx_hash)
    existing = (
        chain_selectors.watches(account_id=conversation.account_id, state="watching")
        .filter(tx_hash__iexact=tx_hash, context__conversation_id=conversation.pk)
        .first()
    )
    if existing is not None:
        return existing, False
    text, named = _hash_context(conversation, tx_hash)
    amounts = extract_entities(text).amounts if text else ()
    chain_key = chain_services.resolve_chain_key(
        account_id=conversation.account_id, text=(chain or "").strip() or named
    )
    watch = chain_services.do_watch_transaction(
        account_id=conversation.account_id,
        tx_hash=tx_hash,
        chain_key=chain_key,
        expected_asset=amounts[0].symbol if amounts else None,
        expected_amount=amounts[0].value if amounts else None,
        context={"conversation_id": conversation.pk, "agent_id": actor.pk},
    )
    return watch, True
