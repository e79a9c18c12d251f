"""Where webhooks may be sent. A webhook URL is chosen by an admin but fetched by the
server, so without a guard it could reach the server's own network (SSRF): loopback,
private ranges, link-local cloud metadata. The address is checked when the webhook is
saved and again at every send, and the request goes to the checked address, so a DNS
answer that changes in between cannot redirect it."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(Exception):
    """The URL may not be called; the message is safe to show to an admin."""


class UnresolvableHost(UnsafeTarget):
    """DNS gave no answer; unlike a refused address this may pass, so it is retried."""


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


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url_syntax(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeTarget(_("Use an http:// or https:// URL."))
    if parts.username or parts.password:
        # Credentials in a URL would be stored in plain text; use the signature instead.
        raise UnsafeTarget(_("Do not put a user name or password in the URL."))
    if not parts.hostname:
        raise UnsafeTarget(_("The URL has no host."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget(_("The URL has an invalid port.")) from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def resolve_target(url: str) -> Target:
    """Checks the URL and picks the address to send to; raises UnsafeTarget."""
    scheme, host, port, path = check_url_syntax(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(_("The host name could not be resolved.")) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnresolvableHost(_("The host name could not be resolved."))
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and not all(map(_is_public, addresses)):
        # One private answer is enough to refuse: the client could pick any of them.
        raise UnsafeTarget(_("The URL points to a private or local network address."))
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]), path=path)
