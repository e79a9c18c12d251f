"""Event types of the official-channel registry ("Is this really us?"): what customers are
told is genuinely the company's (websites, accounts, deposit addresses). Security-relevant:
a channel added by mistake or by an intruder vouches for an impostor."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelFacts(_Payload):
    id: int
    kind: str = Field(
        description="domain, email, email_domain, telegram, discord, x, phone or address."
    )
    value: str = Field(description="As customers see it on the check page.")
    label: str
    include_subdomains: bool
    chain: str = Field(description="For a crypto address: its chain ('' otherwise).")
    since: dt.date


class ChannelAdded(_Payload):
    channel: ChannelFacts


class ChannelChanged(_Payload):
    channel: ChannelFacts
    changed: list[str] = Field(description="The fields changed.")
    old_value: str | None = Field(default=None, description="Set when the value changed.")


class ChannelRemoved(_Payload):
    channel: ChannelFacts


register_event_type(
    name="official_channel.added",
    version=1,
    description='An official channel was added to the "Is this really us?" registry.',
    payload=ChannelAdded,
)
register_event_type(
    name="official_channel.changed",
    version=1,
    description='An official channel of the "Is this really us?" registry was changed.',
    payload=ChannelChanged,
)
register_event_type(
    name="official_channel.removed",
    version=1,
    description='An official channel was removed from the "Is this really us?" registry: '
    "the check no longer vouches for it.",
    payload=ChannelRemoved,
)


class ScamFacts(_Payload):
    id: int
    kind: str = Field(description="domain, email, handle, phone or address.")
    value: str
    note: str
    source: str = Field(description="The peer that reported it; empty for our own reports.")
    confirmed_on: dt.date


class ScamReported(_Payload):
    scam: ScamFacts


class ScamWithdrawn(_Payload):
    scam: ScamFacts


register_event_type(
    name="scam.reported",
    version=1,
    description="A confirmed scam (phishing domain, impersonating handle, scam address) was "
    'added: "Is this really us?" now answers "no" for it.',
    payload=ScamReported,
)
register_event_type(
    name="scam.withdrawn",
    version=1,
    description="A confirmed scam report was removed (by an administrator, or withdrawn by "
    "the peer that reported it).",
    payload=ScamWithdrawn,
)
