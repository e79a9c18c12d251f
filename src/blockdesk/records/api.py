"""Public, read-only endpoints of the record logs, in the manner of a CT log (RFC 9162
section 4): the latest signed tree head, an inclusion proof by leaf hash, a consistency proof
between two sizes. A log is addressed by its public id, never by the account id. No token;
limited per client IP. Proofs are only given for sizes up to the latest signed tree head.

Mounted by the API root at /api/v1/ (`api.add_router("/v1/", "blockdesk.records.api.router")`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from blockdesk.api.schemas import ErrorOut
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.records import selectors
from blockdesk.records.models import RecordLog, SignedTreeHead
from blockdesk.records.services import public_key_dict, tree_head_dict

router = Router(tags=["records"])
# 413: the body-size middleware refuses an over-large body whatever the method.
PUBLIC_ERRORS: dict[int, Any] = {404: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut}
HASH = r"^[0-9a-f]{64}$"


class TreeHeadOut(Schema):
    log_id: str
    tree_size: int
    timestamp_ms: int
    root_hash: str = Field(description="Hex SHA-256 (RFC 9162 MTH).")
    key_id: str
    signature: str = Field(description="Hex Ed25519 signature over the canonical tree head.")


class PublicKeyOut(Schema):
    key_id: str
    algorithm: str
    public_key: str
    valid_from_ms: int
    valid_until_ms: int | None


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    audit_path: list[str]


class ConsistencyOut(Schema):
    first: int
    second: int
    consistency: list[str]


class ProofQuery(Schema):
    hash: str = Field(pattern=HASH, description="The leaf hash, hex.")
    tree_size: int | None = Field(None, ge=1, description="Defaults to the latest tree head.")


class ConsistencyQuery(Schema):
    first: int = Field(ge=1)
    second: int = Field(ge=1)


def _public(request: HttpRequest, public_id: str) -> tuple[RecordLog, SignedTreeHead]:
    check_rate_limit(
        scope="records-public",
        key=client_ip(request.META),
        limit=getattr(settings, "RECORDS_PUBLIC_RATE_LIMIT", 120),
        window=60,
    )
    log = selectors.log_by_public_id(public_id=public_id)
    sth = selectors.latest_tree_head(log=log)
    if sth is None:
        raise NotFound(_("This log has no signed tree head yet."))
    return log, sth


def _signed_size(sth: SignedTreeHead, size: int, name: str) -> int:
    if size > sth.tree_size:
        raise ValidationFailed.field(name, _("Larger than the latest signed tree head."))
    return size


@router.get(
    "/records/logs/{public_id}/sth", auth=None, response={200: TreeHeadOut, **PUBLIC_ERRORS}
)
def get_sth(request: HttpRequest, public_id: str) -> dict[str, Any]:
    """The latest signed tree head."""
    log, sth = _public(request, public_id)
    return {"log_id": log.public_id, **tree_head_dict(sth)}


@router.get(
    "/records/logs/{public_id}/keys",
    auth=None,
    response={200: list[PublicKeyOut], **PUBLIC_ERRORS},
)
def get_keys(request: HttpRequest, public_id: str) -> list[dict[str, Any]]:
    """Every signing key of the log, retired ones with their validity range."""
    log, _sth = _public(request, public_id)
    return [public_key_dict(k) for k in log.keys.order_by("valid_from")]


@router.get(
    "/records/logs/{public_id}/proof-by-hash",
    auth=None,
    response={200: InclusionOut, **PUBLIC_ERRORS},
)
def get_proof_by_hash(
    request: HttpRequest, public_id: str, query: Query[ProofQuery]
) -> dict[str, Any]:
    """Inclusion proof of a leaf (RFC 9162 PATH) in a tree of the given size."""
    log, sth = _public(request, public_id)
    size = _signed_size(sth, query.tree_size or sth.tree_size, "tree_size")
    entry = selectors.entry_by_leaf_hash(log=log, leaf_hash=bytes.fromhex(query.hash))
    proof = selectors.inclusion_proof(log=log, index=entry.index, tree_size=size)
    return {"leaf_index": entry.index, "tree_size": size, "audit_path": [p.hex() for p in proof]}


@router.get(
    "/records/logs/{public_id}/consistency",
    auth=None,
    response={200: ConsistencyOut, **PUBLIC_ERRORS},
)
def get_consistency(
    request: HttpRequest, public_id: str, query: Query[ConsistencyQuery]
) -> dict[str, Any]:
    """Consistency proof (RFC 9162 PROOF) between two tree sizes."""
    log, sth = _public(request, public_id)
    second = _signed_size(sth, query.second, "second")
    proof = selectors.consistency_proof(log=log, first=query.first, second=second)
    return {"first": query.first, "second": second, "consistency": [p.hex() for p in proof]}
