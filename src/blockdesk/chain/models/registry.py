"""The chain registry: which networks an account supports, how to reach them, what it accepts.

RPC URLs often embed a provider API key, so they are stored encrypted and only ever shown masked
(:func:`blockdesk.chain.rpc.mask_url`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from blockdesk.common.crypto import EncryptedTextField


class Family(models.TextChoices):
    EVM = "evm", _("EVM (Ethereum and compatible)")
    BITCOIN = "bitcoin", _("Bitcoin (Esplora API)")
    TRON = "tron", _("TRON (HTTP API)")
    # Chains Blockdesk cannot query yet (TON, XRP...): kept for their deposit rules (memo/tag).
    OTHER = "other", _("Other (informational)")


class Chain(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    family = models.CharField(_("family"), max_length=16, choices=Family.choices)
    evm_chain_id = models.PositiveBigIntegerField(_("EVM chain id"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=False)
    # One URL per line, tried in order; may carry API keys, hence encrypted.
    rpc_urls = EncryptedTextField(_("RPC / API URLs"), blank=True, default="")
    # Off: the RPC URLs must resolve to public addresses (SSRF guard, blockdesk.common.netguard),
    # at save and at every call. On: a node inside the network (own node, local devnet).
    allow_private_rpc = models.BooleanField(
        _("allow RPC addresses inside the network"),
        default=False,
        help_text=_("Only for your own node on a private or local address."),
    )
    # Sent as a header where the provider wants one (TronGrid: TRON-PRO-API-KEY).
    api_key = EncryptedTextField(_("API key"), blank=True, default="")
    required_confirmations = models.PositiveIntegerField(_("required confirmations"), default=12)
    block_time_seconds = models.FloatField(_("typical block time (seconds)"), default=12.0)
    native_symbol = models.CharField(_("native symbol"), max_length=16)
    native_decimals = models.PositiveSmallIntegerField(_("native decimals"), default=18)
    native_deposit_supported = models.BooleanField(_("native coin accepted"), default=True)
    deposit_supported = models.BooleanField(_("deposits accepted on this network"), default=True)
    memo_required = models.BooleanField(_("deposits need a memo / tag"), default=False)
    explorer_tx_url = models.CharField(
        _("explorer transaction URL"), max_length=300, blank=True, help_text="…/tx/{hash}"
    )
    explorer_address_url = models.CharField(
        _("explorer address URL"), max_length=300, blank=True, help_text="…/address/{address}"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="chain_key_unique"),
            models.UniqueConstraint(
                fields=["account", "evm_chain_id"],
                condition=models.Q(evm_chain_id__isnull=False),
                name="chain_evm_chain_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(family__in=["evm", "bitcoin", "tron", "other"]),
                name="chain_family_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(family="evm") | models.Q(evm_chain_id__isnull=False),
                name="chain_evm_needs_chain_id",
            ),
            models.CheckConstraint(
                condition=models.Q(required_confirmations__gte=1),
                name="chain_confirmations_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def url_list(self) -> list[str]:
        return [u.strip() for u in (self.rpc_urls or "").splitlines() if u.strip()]

    @property
    def is_queryable(self) -> bool:
        return self.enabled and self.family != Family.OTHER and bool(self.url_list)

    def tx_url(self, tx_hash: str) -> str:
        return self.explorer_tx_url.replace("{hash}", tx_hash) if self.explorer_tx_url else ""

    def address_url(self, address: str) -> str:
        if not self.explorer_address_url:
            return ""
        return self.explorer_address_url.replace("{address}", address)


class Token(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="tokens")
    symbol = models.CharField(_("symbol"), max_length=16)
    decimals = models.PositiveSmallIntegerField(_("decimals"))
    # EVM: EIP-55 checksum form; TRON: base58 (T...).
    contract_address = models.CharField(_("contract address"), max_length=64)
    deposit_supported = models.BooleanField(_("accepted for deposits"), default=True)

    class Meta:
        ordering = ["chain", "symbol"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "contract_address"], name="chain_token_address_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(decimals__lte=36), name="chain_token_decimals_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.chain.key})"


class DepositAddress(models.Model):
    """An address of the platform that customers deposit to."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="deposit_addresses")
    # Blank: any asset the chain accepts; otherwise one symbol (USDT, ETH...).
    asset = models.CharField(_("asset"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=100)
    memo = models.CharField(_("memo / tag"), max_length=100, blank=True)
    label = models.CharField(_("label"), max_length=80, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["chain", "asset", "address"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "asset", "address", "memo"], name="chain_deposit_address_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.address


class ContractAbi(models.Model):
    """A known contract ABI, so custom revert errors can be named and decoded."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    # Null chain: every chain. Blank address: any contract (shared libraries' errors).
    chain = models.ForeignKey(
        Chain, on_delete=models.CASCADE, null=True, blank=True, related_name="abis"
    )
    address = models.CharField(_("contract address"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=80)
    abi = models.JSONField(_("ABI"), default=list)

    class Meta:
        ordering = ["account", "name"]
        indexes = [models.Index(fields=["account", "address"])]

    def __str__(self) -> str:
        return self.name
