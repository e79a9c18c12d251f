"""Fetching a peer's feed page through the outbound guard (common/netguard): no internal
address unless PEERING_ALLOW_PRIVATE_FEEDS, no redirects, a size cap read as a stream."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings

from blockdesk.common.jsonbody import exceeds_depth
from blockdesk.common.netguard import UnsafeTarget, pinned_client


class FetchError(Exception):
    """Could not get a page; `hostile` when the answer itself was unacceptable (too big,
    not JSON, too deep) rather than the network failing."""

    def __init__(self, message: str, *, hostile: bool = False) -> None:
        super().__init__(message)
        self.hostile = hostile


@dataclass(frozen=True)
class Page:
    not_modified: bool
    etag: str = ""
    data: dict[str, Any] | None = None


def page_url(url: str, *, since: int, limit: int) -> str:
    parts = urlsplit(url)
    query = urlencode({"since": since, "limit": limit})
    return urlunsplit(parts._replace(query=query))


def fetch_page(url: str, *, since: int, limit: int, etag: str = "") -> Page:
    headers = {"Accept": "application/json", "User-Agent": "Blockdesk-Peering/1"}
    if etag:
        headers["If-None-Match"] = etag
    cap = settings.PEERING_MAX_PAGE_BYTES
    try:
        with (
            pinned_client(
                allow_private=settings.PEERING_ALLOW_PRIVATE_FEEDS,
                timeout=settings.PEERING_FETCH_TIMEOUT,
            ) as client,
            client.stream("GET", page_url(url, since=since, limit=limit), headers=headers) as r,
        ):
            if r.status_code == 304:
                return Page(not_modified=True, etag=etag)
            if r.status_code != 200:
                raise FetchError(f"HTTP {r.status_code}")
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise FetchError("the page is too large", hostile=True)
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise FetchError("the page is too large", hostile=True)
                chunks.append(chunk)
            new_etag = r.headers.get("etag", "")[:120]
    except UnsafeTarget as exc:
        raise FetchError(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"network error: {type(exc).__name__}") from exc
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FetchError("the page is not UTF-8", hostile=True) from exc
    if exceeds_depth(text, 16):
        raise FetchError("the page is nested too deeply", hostile=True)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise FetchError("the page is not valid JSON", hostile=True) from exc
    if not isinstance(data, dict):
        raise FetchError("the page is not a JSON object", hostile=True)
    return Page(not_modified=False, etag=new_etag, data=data)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
