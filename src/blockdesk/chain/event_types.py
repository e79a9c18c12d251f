"""Event types of the chain registry: which networks the account watches and where it asks
about them (RPC endpoints). Security-relevant: an endpoint decides what the assistant and
agents are told about a customer's transaction. Endpoints are masked (scheme and host):
their paths and queries often hold a provider's API key."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChainFacts(_Payload):
    id: int
    key: str = Field(description="e.g. ethereum, tron, bitcoin.")
    name: str
    family: str = Field(description="evm, bitcoin, tron or other.")
    evm_chain_id: int | None = None
    enabled: bool
    rpc_endpoints: list[str] = Field(
        description="Each RPC/API URL as scheme://host[:port], '/****' when it has a path or "
        "query: never the full URL (it may hold an API key)."
    )
    allow_private_rpc: bool = Field(
        description="Endpoints inside the network (own node) are allowed: the SSRF guard "
        "is relaxed for this chain."
    )
    api_key_set: bool = Field(description="A provider API key is stored (never sent).")


class ChainAdded(_Payload):
    chain: ChainFacts


class ChainChanged(_Payload):
    chain: ChainFacts
    changed: list[str] = Field(
        description="The settings changed (rpc_urls and api_key named, never their values)."
    )
    rpc_changed: bool = Field(
        description="The endpoints, their API key or allow_private_rpc changed."
    )


register_event_type(
    name="chain.added",
    version=1,
    description="An administrator added a network to the chain registry.",
    payload=ChainAdded,
)
register_event_type(
    name="chain.changed",
    version=1,
    description="An administrator changed a network's settings (RPC endpoints, private "
    "addresses allowed, enabled, confirmations …).",
    payload=ChainChanged,
)
