"""Forms of the chain registry and synonym settings. They parse input; the chain and KB
services validate and authorise it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.chain.models import Chain, Family
from blockdesk.common.jsonbody import InvalidJson, loads_bounded

MAX_ABI_CHARS = 200_000


class WriteOnlyTextarea(forms.Textarea):
    """Never renders a value: not the stored endpoints (they may embed API keys), and not
    what was typed either when the form comes back with an error."""

    def format_value(self, value: Any) -> str | None:
        return None


def _explorer_template(value: str, placeholder: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if not value.startswith(("https://", "http://")) or placeholder not in value:
        raise forms.ValidationError(
            _("Enter a web address containing %(placeholder)s."),
            params={"placeholder": placeholder},
        )
    return value


class ChainForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    enabled = forms.BooleanField(
        label=_("Enabled"),
        required=False,
        help_text=_("Only enabled networks with an endpoint are asked about transactions."),
    )
    rpc_urls = forms.CharField(
        label=_("Endpoints"),
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "One URL per line, tried in order. Stored encrypted and only ever shown masked. "
            "Leave empty to keep the stored endpoints."
        ),
    )
    clear_rpc_urls = forms.BooleanField(label=_("Remove the stored endpoints"), required=False)
    allow_private_rpc = forms.BooleanField(
        label=_("Allow endpoints inside your network"),
        required=False,
        help_text=_(
            "Off: endpoints must be public internet addresses. Turn on only for your own node "
            "on a private or local address (e.g. 10.x, 192.168.x, 127.0.0.1)."
        ),
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text=_("TRON: sent as TRON-PRO-API-KEY. Leave empty to keep the stored key."),
    )
    clear_api_key = forms.BooleanField(label=_("Remove the stored API key"), required=False)
    evm_chain_id = forms.IntegerField(label=_("EVM chain id"), min_value=1)
    required_confirmations = forms.IntegerField(
        label=_("Required confirmations"), min_value=1, max_value=100_000
    )
    block_time_seconds = forms.FloatField(
        label=_("Typical block time (seconds)"), min_value=0.1, max_value=86_400
    )
    native_symbol = forms.CharField(label=_("Native symbol"), max_length=16)
    native_decimals = forms.IntegerField(label=_("Native decimals"), min_value=0, max_value=36)
    native_deposit_supported = forms.BooleanField(
        label=_("Native coin accepted for deposits"), required=False
    )
    deposit_supported = forms.BooleanField(
        label=_("Deposits accepted on this network"), required=False
    )
    memo_required = forms.BooleanField(label=_("Deposits need a memo / tag"), required=False)
    explorer_tx_url = forms.CharField(
        label=_("Explorer transaction URL"),
        required=False,
        max_length=300,
        help_text=_("With {hash}, e.g. https://etherscan.io/tx/{hash}"),
    )
    explorer_address_url = forms.CharField(
        label=_("Explorer address URL"),
        required=False,
        max_length=300,
        help_text=_("With {address}, e.g. https://etherscan.io/address/{address}"),
    )

    def __init__(self, *args: Any, chain: Chain, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if chain.family != Family.EVM:
            del self.fields["evm_chain_id"]
        if chain.family != Family.TRON and not chain.api_key:
            del self.fields["api_key"]
            del self.fields["clear_api_key"]

    def clean_explorer_tx_url(self) -> str:
        return _explorer_template(self.cleaned_data.get("explorer_tx_url", ""), "{hash}")

    def clean_explorer_address_url(self) -> str:
        return _explorer_template(self.cleaned_data.get("explorer_address_url", ""), "{address}")

    def changes(self) -> dict[str, Any]:
        """Keyword arguments for chain.services.do_configure_chain: secrets only when typed
        (or explicitly removed)."""
        data = dict(self.cleaned_data)
        clear_urls = data.pop("clear_rpc_urls", False)
        clear_key = data.pop("clear_api_key", False)
        urls = data.pop("rpc_urls", "") or ""
        key = data.pop("api_key", "") or ""
        if urls.strip():
            data["rpc_urls"] = urls
        elif clear_urls:
            data["rpc_urls"] = ""
        if key.strip():
            data["api_key"] = key.strip()
        elif clear_key:
            data["api_key"] = ""
        return data


def chain_initial(chain: Chain) -> dict[str, Any]:
    names = [
        "name",
        "enabled",
        "allow_private_rpc",
        "evm_chain_id",
        "required_confirmations",
        "block_time_seconds",
        "native_symbol",
        "native_decimals",
        "native_deposit_supported",
        "deposit_supported",
        "memo_required",
        "explorer_tx_url",
        "explorer_address_url",
    ]
    return {name: getattr(chain, name) for name in names}


class TokenForm(forms.Form):
    symbol = forms.CharField(label=_("Symbol"), max_length=16)
    decimals = forms.IntegerField(label=_("Decimals"), min_value=0, max_value=36)
    contract_address = forms.CharField(label=_("Contract address"), max_length=64)
    deposit_supported = forms.BooleanField(
        label=_("Accepted for deposits"), required=False, initial=True
    )


class DepositAddressForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=100)
    asset = forms.CharField(
        label=_("Asset"),
        max_length=16,
        required=False,
        help_text=_("Leave empty when any accepted asset may be sent here."),
    )
    memo = forms.CharField(label=_("Memo / tag"), max_length=100, required=False)
    label = forms.CharField(label=_("Label"), max_length=80, required=False)


class AbiForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    abi = forms.CharField(
        label=_("ABI (JSON)"),
        max_length=MAX_ABI_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_("The contract's ABI as a JSON list; its error entries are what is used."),
    )
    address = forms.CharField(
        label=_("Contract address"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to decode these errors from any contract."),
    )
    every_chain = forms.BooleanField(label=_("Use on every network"), required=False)

    def clean_abi(self) -> list[Any]:
        try:
            value = loads_bounded(self.cleaned_data["abi"])
        except InvalidJson as exc:
            raise forms.ValidationError(_("This is not valid JSON.")) from exc
        if isinstance(value, dict) and isinstance(value.get("abi"), list):
            value = value["abi"]  # a compiler artefact: {"abi": [...], "bytecode": ...}
        if not isinstance(value, list):
            raise forms.ValidationError(_("The ABI must be a JSON list."))
        return value


class SynonymForm(forms.Form):
    terms = forms.CharField(
        label=_("Terms"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Words and phrases that mean the same, separated by commas, in any languages: "
            "充值, deposit, top up"
        ),
    )
