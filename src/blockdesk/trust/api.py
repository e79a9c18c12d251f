"""REST endpoints under /api/v1/trust/: the public check (no token, limited per IP) and
the official-channel registry (tokens with trust:read / trust:write)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from blockdesk.accounts.models import ApiToken
from blockdesk.api.auth import ApiPrincipal, principal
from blockdesk.api.schemas import ERRORS, WRITE_ERRORS, ApiIn, BodyIn, ErrorOut, PathId
from blockdesk.common.errors import NotFound
from blockdesk.trust import presenters, selectors, services
from blockdesk.trust.models import OfficialChannel
from blockdesk.trust.normalize import MAX_INPUT
from blockdesk.trust.views import check_public_rate_limit

router = Router(tags=["trust"])

TRUST_READ = ApiToken.Scope.TRUST_READ.value
TRUST_WRITE = ApiToken.Scope.TRUST_WRITE.value
ChannelKind = Literal[
    "domain", "email", "email_domain", "telegram", "discord", "x", "phone", "address"
]


class CheckQuery(ApiIn):
    value: str = Field(
        min_length=1,
        max_length=MAX_INPUT,
        description="A link, domain, email address, @handle, t.me/discord.gg/x.com link, "
        "phone number or crypto address.",
    )


class PublicChannelOut(Schema):
    kind: str
    kind_label: str
    value: str
    label: str
    include_subdomains: bool
    chain: str | None
    since: dt.date


class ReportedOut(Schema):
    kind: str
    value: str
    note: str
    source: str = Field(description="Who confirmed it: our team, or the peer that reported it.")
    from_peer: bool
    confirmed_on: dt.date


class CheckOut(Schema):
    verdict: Literal["yes", "no", "unknown"] = Field(
        description="`yes`: official. `no`: imitates an official channel. `unknown`: "
        "not ours and nothing similar."
    )
    input_kind: str = Field(description="domain, email, handle, phone, address or ip.")
    normalized: str
    official: PublicChannelOut | None = Field(description="The match, when `yes`.")
    imitates: PublicChannelOut | None = Field(description="The imitated channel, when `no`.")
    technique: str | None = Field(
        description="How it imitates: homoglyph, swap, insertion, deletion, replacement, "
        "typo, hyphen, added_word, tld, subdomain, userinfo, other_platform, "
        "brand_in_address, address_poisoning."
    )
    note: str | None
    reported: ReportedOut | None = Field(
        None, description="A confirmed scam report the value matches (verdict `no`)."
    )
    headline: str
    explanation: str


class ChannelOut(Schema):
    id: int
    kind: str
    value: str = Field(description="As people read it (Unicode domain, @handle).")
    normalized: str = Field(description="What checks compare (punycode, lower case, +digits).")
    label: str
    include_subdomains: bool
    chain: str | None
    since: dt.date
    created_at: dt.datetime


class ChannelIn(BodyIn):
    kind: ChannelKind
    value: str = Field(min_length=1, max_length=MAX_INPUT)
    label: str = Field("", max_length=120)
    include_subdomains: bool = False
    chain: str = Field("", max_length=16)
    since: dt.date | None = None


class ChannelPatch(BodyIn):
    value: str | None = Field(None, min_length=1, max_length=MAX_INPUT)
    label: str | None = Field(None, max_length=120)
    include_subdomains: bool | None = None
    chain: str | None = Field(None, max_length=16)
    since: dt.date | None = None


def _token_id(p: ApiPrincipal) -> int | None:
    return p.token.pk if p.token is not None else None


def _out(channel: OfficialChannel) -> dict[str, Any]:
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "value": channel.display,
        "normalized": channel.value,
        "label": channel.label,
        "include_subdomains": channel.include_subdomains,
        "chain": channel.chain or None,
        "since": channel.since,
        "created_at": channel.created_at,
    }


@router.get(
    "/trust/check",
    auth=None,
    response={200: CheckOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def check(request: HttpRequest, query: Query[CheckQuery]) -> dict[str, Any]:
    """Is this really us? Public, no token; limited per IP (429 with Retry-After)."""
    check_public_rate_limit(request)
    account = selectors.public_account()
    if account is None:
        raise NotFound()
    result = selectors.check_value(account_id=account.pk, value=query.value)
    return presenters.result_dict(result)


@router.get("/trust/channels", response={200: list[ChannelOut], **ERRORS})
def list_channels(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(TRUST_READ)
    return [_out(c) for c in selectors.official_channels(account_id=p.account_id)]


@router.post("/trust/channels", response={201: ChannelOut, **WRITE_ERRORS})
def create_channel(request: HttpRequest, payload: ChannelIn) -> Status[dict[str, Any]]:
    p = principal(request)
    p.require(TRUST_WRITE)
    channel = services.do_create_official_channel(
        account_id=p.account_id, actor=p.user, api_token_id=_token_id(p), **payload.model_dump()
    )
    return Status(201, _out(channel))


@router.get("/trust/channels/{channel_id}", response={200: ChannelOut, **ERRORS})
def get_channel(request: HttpRequest, channel_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(TRUST_READ)
    return _out(selectors.get_official_channel(account_id=p.account_id, channel_id=channel_id))


@router.patch("/trust/channels/{channel_id}", response={200: ChannelOut, **WRITE_ERRORS})
def update_channel(
    request: HttpRequest, channel_id: PathId, payload: ChannelPatch
) -> dict[str, Any]:
    p = principal(request)
    p.require(TRUST_WRITE)
    channel = selectors.get_official_channel(account_id=p.account_id, channel_id=channel_id)
    changes = payload.model_dump(exclude_unset=True)
    updated = services.do_update_official_channel(
        channel=channel, actor=p.user, api_token_id=_token_id(p), **changes
    )
    return _out(updated)


@router.delete("/trust/channels/{channel_id}", response={204: None, **ERRORS})
def delete_channel(request: HttpRequest, channel_id: PathId) -> Status[None]:
    p = principal(request)
    p.require(TRUST_WRITE)
    channel = selectors.get_official_channel(account_id=p.account_id, channel_id=channel_id)
    services.do_delete_official_channel(channel=channel, actor=p.user, api_token_id=_token_id(p))
    return Status(204, None)
