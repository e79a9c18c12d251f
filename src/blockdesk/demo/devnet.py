"""The "Demo devnet" in the demo account: a local ganache chain whose transactions the demo
conversations quote, so the diagnosis can be tried without configuring a real node.

``seed_devnet`` puts the transactions on the node (devnet_node) and registers the chain, the
DUSD token, the deposit address and the Faulty ABI through chain.services, then opens the
conversations. Idempotent: a second run finds everything and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from blockdesk.accounts.models import Account, User
from blockdesk.chain import services as chain_services
from blockdesk.chain.models import Chain, ContractAbi, DepositAddress, Token
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient, to_int
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations import services as conv
from blockdesk.conversations.contact_services import IdentitySpec, do_create_contact
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation
from blockdesk.demo.devnet_node import (
    DEPOSIT_ADDRESS,
    FAULTY_ADDRESS,
    TOKEN_ADDRESS,
    TOKEN_DECIMALS,
    DevnetError,
    SeededChain,
    artifact,
    check_loopback,
    seed_chain,
    wait_for_node,
)

CHAIN_KEY = "devnet"
ANCHOR_WALLET_WEI = 10**18  # 1 devnet ETH: thousands of anchors
CHAIN_NAME = "Demo devnet"
REQUIRED_CONFIRMATIONS = 3
DEFAULT_BLOCK_SECONDS = 4.0

# (name, email, locale, messages): "{step}" is replaced by that step's transaction hash.
# No "ETH" in the texts: the console would read it as the Ethereum network and report the
# devnet transactions as sent on the wrong network ("个以太" is an amount, not a network).
# The DUSD sent to a wrong address is on the chain but quoted in no message: 陈静's 0.2 ETH
# already shows a payment that missed our address. (It was left out while the message reader
# did not know "DUSD"; it now reads it, so "sent 120 DUSD" would be checked as a deposit.)
CONVERSATIONS = [
    (
        "Sam Taylor",
        "sam.taylor@example.com",
        "en",
        [
            "Hi, my deposit hasn't arrived yet, txid {eth_deposit}",
            "I also deposited 250 DUSD, is that one credited? {dusd_deposit}",
            "And a withdrawal I tried from my wallet failed, why? {reverted_withdrawal}",
        ],
    ),
    (
        "陈静",
        "chen.jing@example.com",
        "zh-hans",
        ["你好，我充值的 0.2 个以太还没到账，交易哈希是 {eth_wrong_address}，请帮我查一下"],
    ),
]


@dataclass(frozen=True)
class DevnetSeed:
    chain: Chain
    onchain: SeededChain
    conversations: list[Conversation]
    created: int  # database rows this run created or changed (0 when already seeded)


def _admin(account: Account) -> User:
    admin = (
        User.objects.filter(account=account, role=User.Role.ADMIN, is_active=True)
        .order_by("pk")
        .first()
    )
    if admin is None:
        raise DevnetError(f"the account {account.name!r} has no administrator")
    return admin


def _register(
    *, admin: User, rpc_url: str, chain_id: int, block_seconds: float
) -> tuple[Chain, int]:
    """The chain and what it accepts, through the registry's services (RPC URL encrypted)."""
    changed = 0
    wanted: dict[str, Any] = {
        "name": CHAIN_NAME,
        "enabled": True,
        # The demo node runs on loopback: the chain must be allowed to call inside the network.
        "allow_private_rpc": True,
        "rpc_urls": rpc_url,
        "evm_chain_id": chain_id,
        "required_confirmations": REQUIRED_CONFIRMATIONS,
        "block_time_seconds": block_seconds,
    }
    chain = Chain.objects.filter(account_id=admin.account_pk, key=CHAIN_KEY).first()
    if chain is None:
        chain = chain_services.do_create_chain(
            actor=admin, key=CHAIN_KEY, family="evm", native_symbol="ETH", **wanted
        )
        changed += 1
    else:
        stale = {k: v for k, v in wanted.items() if getattr(chain, k) != v}
        if stale:  # e.g. another port: point the chain at the node running now
            chain_services.do_configure_chain(actor=admin, chain=chain, **stale)
            changed += 1
    if not Token.objects.filter(chain=chain, contract_address__iexact=TOKEN_ADDRESS).exists():
        chain_services.do_add_token(
            actor=admin,
            chain=chain,
            symbol="DUSD",
            decimals=TOKEN_DECIMALS,
            contract_address=TOKEN_ADDRESS,
        )
        changed += 1
    if not DepositAddress.objects.filter(chain=chain, address__iexact=DEPOSIT_ADDRESS).exists():
        chain_services.do_add_deposit_address(
            actor=admin, chain=chain, address=DEPOSIT_ADDRESS, label="Demo deposits"
        )
        changed += 1
    if not ContractAbi.objects.filter(chain=chain, name="Faulty").exists():
        # Its custom errors (InsufficientBalance, Paused) then decode by name.
        chain_services.do_add_contract_abi(
            actor=admin,
            name="Faulty",
            abi=artifact("Faulty")["abi"],
            chain=chain,
            address=FAULTY_ADDRESS,
        )
        changed += 1
    return chain, changed


def _enable_anchoring(*, account: Account, chain: Chain, rpc_url: str) -> int:
    """Records anchoring on the devnet (only while it runs): a generated hot wallet, funded
    through ganache, anchoring every 5 minutes so the demo shows anchors soon."""
    from blockdesk.records import anchoring

    changed = 0
    found = anchoring.anchor_settings(account=account)
    if not found.wallet_address:
        found = anchoring.do_set_hot_wallet(actor=None, account=account)
        changed += 1
    with EvmRpcClient([rpc_url], timeout=10.0, allow_private=True) as client:
        balance = to_int(client.request("eth_getBalance", [found.wallet_address, "latest"]))
        if balance < ANCHOR_WALLET_WEI // 10:
            # ganache's own call: credits the wallet without a transaction or a block.
            client.request("evm_setAccountBalance", [found.wallet_address, hex(ANCHOR_WALLET_WEI)])
            changed += 1
    if not found.enabled or found.chain_id != chain.pk:
        anchoring.do_configure_anchoring(
            actor=None, account=account, enabled=True, chain=chain, interval_minutes=5
        )
        changed += 1
    return changed


def demo_conversations(*, account: Account) -> list[Conversation]:
    """The devnet conversations, oldest first (what the banner points to)."""
    emails = [email for _name, email, _locale, _lines in CONVERSATIONS]
    return list(
        Conversation.objects.filter(account=account, contact__email__in=emails)
        .select_related("contact")
        .order_by("pk")
    )


def _open_conversations(*, account: Account, hashes: dict[str, str]) -> int:
    channel = WebWidgetChannel.objects.filter(inbox__account=account).order_by("pk").first()
    if channel is None:
        raise DevnetError(f"the account {account.name!r} has no web-chat inbox")
    opened = 0
    for name, email, locale, lines in CONVERSATIONS:
        if Contact.objects.filter(account=account, email=email).exists():
            continue
        with transaction.atomic():
            contact = do_create_contact(
                account_id=account.pk,
                name=name,
                email=email,
                locale=locale,
                identities=[IdentitySpec(ContactIdentity.Kind.EMAIL, email)],
                source="import",
            )
            texts = [line.format(**hashes) for line in lines]
            opening = conv.do_send_contact_message(
                contact=contact, inbox=channel.inbox, conversation=None, content=texts[0]
            )
            for text in texts[1:]:  # the same case: write into the conversation just opened
                conv.do_send_contact_message(
                    contact=contact,
                    inbox=channel.inbox,
                    conversation=opening.message.conversation,
                    content=text,
                )
        opened += 1
    return opened


def seed_devnet(
    *, account: Account, rpc_url: str, block_seconds: float = DEFAULT_BLOCK_SECONDS
) -> DevnetSeed:
    check_loopback(rpc_url)
    admin = _admin(account)
    onchain = seed_chain(rpc_url=rpc_url, required_confirmations=REQUIRED_CONFIRMATIONS)
    chain, changed = _register(
        admin=admin, rpc_url=rpc_url, chain_id=onchain.chain_id, block_seconds=block_seconds
    )
    # After the chain is registered: the secret guard asks it whether a quoted 64-hex value
    # is a transaction (kept) or a private key (cut out).
    changed += _open_conversations(account=account, hashes=onchain.hashes)
    changed += _enable_anchoring(account=account, chain=chain, rpc_url=rpc_url)
    return DevnetSeed(
        chain=chain,
        onchain=onchain,
        conversations=demo_conversations(account=account),
        created=changed,
    )


def switch_off_devnet(*, account: Account) -> bool:
    """Disables the devnet chain when `make run` starts without its node, so diagnoses do not
    ask a dead loopback URL; the next seeded start enables it again. True if it was on."""
    chain = Chain.objects.filter(account=account, key=CHAIN_KEY, enabled=True).first()
    if chain is None:
        return False
    chain_services.do_configure_chain(actor=_admin(account), chain=chain, enabled=False)
    from blockdesk.records.models import AnchorSettings

    # Anchoring in the demo runs only with the devnet.
    AnchorSettings.objects.filter(account=account, chain=chain).update(
        enabled=False, next_anchor_at=None
    )
    return True


def banner_lines(*, base_url: str, account_name: str) -> list[str]:
    """What `make run` prints about the devnet: nothing unless it is seeded and answering."""
    chain = Chain.objects.filter(account__name=account_name, key=CHAIN_KEY, enabled=True).first()
    if chain is None or not chain.url_list:
        return []
    try:
        wait_for_node(chain.url_list[0], timeout=1.0)
    except DevnetError:
        return []
    lines = [
        f"Demo devnet: a local chain on {chain.url_list[0]} (chain id {chain.evm_chain_id}).",
        "To try the transaction diagnosis, log in as alice, open one of these conversations",
        "and click Diagnose next to a highlighted transaction hash:",
    ]
    for conversation in demo_conversations(account=chain.account):
        lines.append(f"  {base_url}/app/c/{conversation.display_id}/   {conversation.contact.name}")
    return [*lines, ""]
