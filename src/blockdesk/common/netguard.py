"""The outbound-address guard for every URL the server fetches that a user or admin gave
(webhooks, chain RPC endpoints, the assistant's model server).

Such a URL could otherwise make the server reach its own network (SSRF): loopback, private
ranges, link-local cloud metadata (169.254.169.254). The host is resolved, EVERY address it
resolves to is checked (IPv4 hidden inside IPv6 included: mapped, NAT64, 6to4, IPv4-compatible,
Teredo), and the request is then sent to the checked address with the original Host header and
TLS SNI, so a DNS answer that changes between the check and the call cannot redirect it.

Python 3.11's ``is_global`` misses several special ranges (fec0::/10, 192.0.0.0/24, 6to4 and
NAT64 forms of private IPv4), hence the explicit lists below.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# IANA special-purpose IPv4 ranges that are not reachable public hosts.
_V4_BLOCKED = tuple(
    _V4(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments (192.0.0.8 ...)
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)
# IPv6 ranges refused outright. Forms that embed an IPv4 address (mapped, NAT64 64:ff9b::/96,
# 6to4) are judged by that address instead, see _embedded_ipv4.
_V6_BLOCKED = tuple(
    _V6(net)
    for net in (
        "::/96",  # unspecified, loopback, deprecated IPv4-compatible (::127.0.0.1)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, Teredo 2001::/32 included
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed by some stacks)
        "ff00::/8",  # multicast
    )
)
_NAT64 = _V6("64:ff9b::/96")


class UnsafeTarget(Exception):
    """The URL may not be called; the message is safe to show to an admin."""


class UnresolvableHost(UnsafeTarget):
    """DNS gave no answer; unlike a refused address this may pass, so it may be retried."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (for Host and TLS SNI)
    port: int
    address: str  # the checked IP the request is sent to
    path: str  # path and query

    def pinned_url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"

    def extensions(self) -> dict[str, Any]:
        """httpx request extensions: the certificate is checked against the URL's host name."""
        return {"sni_hostname": self.host} if self.scheme == "https" else {}


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour  # 2002:AABB:CCDD::/48 -> AA.BB.CC.DD, else None


def _as_ip(ip: IPAddress | str) -> IPAddress:
    return ipaddress.ip_address(ip) if isinstance(ip, str) else ip


def is_public_address(ip: IPAddress | str) -> bool:
    """True only for an address on the public internet (IPv4 inside IPv6 judged as IPv4)."""
    ip = _as_ip(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
        if any(ip in net for net in _V6_BLOCKED):
            return False
    elif any(ip in net for net in _V4_BLOCKED):
        return False
    return ip.is_global and not ip.is_multicast


def is_never_callable(ip: IPAddress | str) -> bool:
    """Addresses refused even where private targets are allowed: unspecified (0.0.0.0, ::
    mean "this host"), multicast and broadcast are never an HTTP server's address."""
    ip = _as_ip(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _embedded_ipv4(ip) or ip
    if isinstance(ip, ipaddress.IPv4Address) and ip in _V4("0.0.0.0/8"):
        return True
    return ip.is_unspecified or ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255")


def _odd_numeric_host(host: str) -> bool:
    """2130706433, 0x7f000001, 0177.0.0.1, 127.1: IPv4 to getaddrinfo, but read differently
    by other parsers (httpx refuses 0177.0.0.1; some read it as decimal). Refused outright."""
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        return False
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return True
    return False


def check_url_syntax(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path+query) of an http(s) URL; raises UnsafeTarget."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        hostname = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(_("The URL is not valid.")) from exc
    if scheme not in ("http", "https"):
        raise UnsafeTarget(_("Use an http:// or https:// URL."))
    if parts.username or parts.password:
        # Credentials in a URL would be stored in plain text; use the signature instead.
        raise UnsafeTarget(_("Do not put a user name or password in the URL."))
    if not hostname:
        raise UnsafeTarget(_("The URL has no host."))
    if _odd_numeric_host(hostname):
        raise UnsafeTarget(_("Write an IP address in its usual form, like 203.0.113.5."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, hostname, port or (443 if scheme == "https" else 80), path


def resolve_public_target(url: str, *, allow_private: bool) -> Target:
    """Checks the URL, resolves its host and picks the address to send to.

    Every address the host resolves to must pass (one private answer is enough to refuse:
    the client could pick any of them). ``allow_private`` lets loopback and private ranges
    through, never unspecified/multicast/broadcast. Raises UnsafeTarget / UnresolvableHost.
    """
    scheme, host, port, path = check_url_syntax(url)
    try:
        # getaddrinfo also reads 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 as IPv4: the
        # check is on what it returns, never on the spelling.
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise UnresolvableHost(_("The host name could not be resolved.")) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnresolvableHost(_("The host name could not be resolved."))
    if any(map(is_never_callable, addresses)) or not (
        allow_private or all(map(is_public_address, addresses))
    ):
        raise UnsafeTarget(_("The URL points to a private or local network address."))
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]), path=path)


def check_url(url: str, *, allow_private: bool, require_resolvable: bool = True) -> None:
    """The save-time check. ``require_resolvable=False`` accepts a name DNS cannot answer
    now (the check is repeated at every call, and nothing is sent to an unresolved name)."""
    try:
        resolve_public_target(url, allow_private=allow_private)
    except UnresolvableHost:
        if require_resolvable:
            raise


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that checks every request's host (redirects included, should a
    client follow them) and sends it to the checked address with Host and SNI kept.

    A refused request raises UnsafeTarget before any connection is opened."""

    def __init__(self, *, allow_private: bool, **transport_options: Any) -> None:
        self.allow_private = allow_private
        self._options = transport_options
        # One connection pool per host name: pools are keyed by the pinned IP, and a TLS
        # connection checked for one name must not carry another name's requests.
        self._pools: dict[str, httpx.BaseTransport] = {}

    def transport_for(self, host: str) -> httpx.BaseTransport:
        if host not in self._pools:
            self._pools[host] = httpx.HTTPTransport(**self._options)
        return self._pools[host]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = resolve_public_target(str(request.url), allow_private=self.allow_private)
        headers = request.headers.copy()
        headers["Host"] = target.host_header()
        # A new request, not the caller's: httpx logs the caller's URL afterwards, and the
        # chain clients' log filter recognises (and masks) their endpoints by that URL.
        pinned = httpx.Request(
            request.method,
            target.pinned_url(),
            headers=headers,
            stream=request.stream,
            extensions={**request.extensions, **target.extensions()},
        )
        return self.transport_for(target.host).handle_request(pinned)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()


def pinned_client(*, allow_private: bool, **client_options: Any) -> httpx.Client:
    """An httpx client whose requests all go through the guard. No proxies from the
    environment (they would bypass the pinned address) and no redirects by default."""
    client_options.setdefault("follow_redirects", False)
    return httpx.Client(
        transport=PinnedTransport(allow_private=allow_private), trust_env=False, **client_options
    )
