"""Every URL the server fetches that a user or admin gave goes through one outbound-address
guard (blockdesk.common.netguard): webhooks (save and send), chain RPC endpoints (save and
call, EVM/Esplora/TRON) and the assistant's model server (save and call).

Nothing here leaves the machine: `evil.test` is answered by a patched getaddrinfo with the
crafted address, literal addresses are parsed numerically (never sent to DNS), and any
attempt to open a socket is recorded and refused; the tests assert there was none. The only
real traffic goes to stand-in servers on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.cache import cache
from django.test import Client

from blockdesk.assistant import configuration as assistant_config
from blockdesk.assistant.answer import Article
from blockdesk.assistant.generative import GenerationFailed, generate
from blockdesk.assistant.models import AssistantSettings
from blockdesk.chain import services as chain_services
from blockdesk.chain.models import Chain
from blockdesk.chain.rpc import RpcUnavailable
from blockdesk.chain.rpc.esplora import EsploraClient
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient
from blockdesk.chain.rpc.tron import TronClient
from blockdesk.common.errors import ValidationFailed
from blockdesk.common.netguard import (
    PinnedTransport,
    UnsafeTarget,
    is_public_address,
    resolve_public_target,
)
from blockdesk.webhooks import services as webhook_services
from blockdesk.webhooks.models import Webhook, WebhookDelivery

EVIL = "evil.test"

# Addresses a hostile DNS answer (for evil.test) may carry.
HOSTILE_ADDRESSES = [
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "fec0::1",  # site-local
    "fd00::1",  # unique local
    "fe80::1",  # link-local
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "192.0.0.8",
    "0.0.0.0",  # noqa: S104 (an address to refuse, not a bind)
    "::",
    "::1",
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
]

# The same forms written into the URL itself, plus the numeric spellings of 127.0.0.1 that
# getaddrinfo accepts.
HOSTILE_HOSTS = [
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
    "[::127.0.0.1]",
    "[::ffff:127.0.0.1]",
    "[fec0::1]",
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
    "192.0.0.8",
    "0.0.0.0",  # noqa: S104 (an address to refuse, not a bind)
    "[::]",
    "[::1]",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "127.1",
    "169.254.169.254",
    "localhost",
]

CASES = [pytest.param(a, f"https://{EVIL}/v1", id=f"dns:{a}") for a in HOSTILE_ADDRESSES] + [
    pytest.param(None, f"http://{h}/v1", id=f"literal:{h}") for h in HOSTILE_HOSTS
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """evil.test resolves to state["answer"]; other names are only parsed numerically
    (localhost from /etc/hosts); any outgoing connection is recorded and refused."""
    # The cache (Redis in the PostgreSQL runs) is infrastructure, not a target: connect it
    # now, so saving a webhook (which drops its cached subscriptions) does not count.
    cache.get("no-network:warm-up")
    real = socket.getaddrinfo
    state: dict[str, Any] = {"answer": [], "connects": []}

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".").lower() == EVIL:
            out = []
            for address in state["answer"]:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, port or 0, 0, 0) if ":" in address else (address, port or 0)
                out.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
            return out
        if name == "localhost":
            return real("127.0.0.1", port, *args, **kwargs)
        kwargs["flags"] = kwargs.get("flags", 0) | socket.AI_NUMERICHOST
        return real(host, port, *args, **kwargs)

    # The test's own services (PostgreSQL, and Redis as the cache in the scale-out pass)
    # may open their first connection during a test: those addresses stay reachable.
    services = _service_addresses()
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create = socket.create_connection

    def _allowed(address: Any) -> bool:
        return isinstance(address, tuple) and tuple(address[:2]) in services

    def refuse(*args: Any, **kwargs: Any) -> Any:
        state["connects"].append(args)
        raise OSError("the test forbids connections")

    def connect(sock: socket.socket, address: Any) -> Any:
        return real_connect(sock, address) if _allowed(address) else refuse(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> Any:
        return real_connect_ex(sock, address) if _allowed(address) else refuse(sock, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        if _allowed(address):
            return real_create(address, *args, **kwargs)
        return refuse(address)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield state


def _service_addresses() -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for name, default_port in (("REDIS_URL", 6379), ("DATABASE_URL", 5432)):
        parts = urlsplit(os.environ.get(name, ""))
        if parts.scheme.startswith(("redis", "postgres")) and parts.hostname:
            port = parts.port or default_port
            found |= {(parts.hostname, port), ("127.0.0.1", port), ("::1", port)}
    return found


def _point_evil_at(no_network: dict[str, Any], address: str | None) -> None:
    no_network["answer"] = [address] if address else []


# --- the decision itself ----------------------------------------------------------------------


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_hostile_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "64:ff9b::5db8:d70e",
     "2002:5db8:d70e::1", "::ffff:93.184.215.14", "1.1.1.1"],
)  # fmt: skip
def test_public_addresses_pass(address):
    assert is_public_address(address)


def test_one_private_answer_among_public_ones_is_refused(no_network):
    no_network["answer"] = ["93.184.215.14", "127.0.0.1"]
    with pytest.raises(UnsafeTarget):
        resolve_public_target(f"https://{EVIL}/", allow_private=False)


def test_allow_private_never_allows_unspecified_or_multicast(no_network):
    for address in ("0.0.0.0", "::", "224.0.0.1", "ff02::1", "::ffff:0.0.0.0"):  # noqa: S104
        no_network["answer"] = [address]
        with pytest.raises(UnsafeTarget):
            resolve_public_target(f"http://{EVIL}/", allow_private=True)
    no_network["answer"] = ["10.0.0.5"]
    target = resolve_public_target(f"http://{EVIL}:8545/rpc?k=1", allow_private=True)
    assert target.pinned_url() == "http://10.0.0.5:8545/rpc?k=1"
    assert target.host_header() == f"{EVIL}:8545"


# --- webhooks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "url"), CASES)
def test_webhook_save_refuses(admin_user, settings, no_network, address, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    _point_evil_at(no_network, address)
    with pytest.raises(ValidationFailed) as exc:
        webhook_services.do_create_webhook(
            actor=admin_user, url=url, events=["conversation.created"]
        )
    assert "url" in exc.value.fields
    assert not Webhook.objects.exists()
    assert no_network["connects"] == []


@pytest.mark.parametrize(("address", "url"), CASES)
def test_webhook_send_refuses(account, settings, no_network, address, url):
    """Saved while the name was harmless; DNS (or the stored URL) now points inside."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    _point_evil_at(no_network, address)
    hook = Webhook.objects.create(account=account, url=url, events=["conversation.created"])
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event="conversation.created", payload={}
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert webhook_services.do_attempt_delivery(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error  # why, for the admin ("private or local", "usual form")
    assert no_network["connects"] == []


# --- chain RPC endpoints ----------------------------------------------------------------------


@pytest.fixture
def eth(account) -> Chain:
    chain_services.seed_default_chains(account=account)
    return Chain.objects.get(account=account, key="ethereum")


@pytest.mark.parametrize(("address", "url"), CASES)
def test_chain_rpc_save_refuses(admin_user, eth, no_network, address, url):
    _point_evil_at(no_network, address)
    with pytest.raises(ValidationFailed) as exc:
        chain_services.do_configure_chain(actor=admin_user, chain=eth, rpc_urls=url)
    assert "rpc_urls" in exc.value.fields
    assert "/v1" not in str(exc.value.fields)  # the URL (it may hold a key) is not echoed
    eth.refresh_from_db()
    assert eth.rpc_urls == ""
    assert no_network["connects"] == []


def _call(family: str, url: str) -> None:
    if family == "evm":
        with EvmRpcClient([url]) as evm:
            evm.chain_id()
    elif family == "bitcoin":
        with EsploraClient([url]) as esplora:
            esplora.tip_height()
    else:
        with TronClient([url], api_key="k") as tron:
            tron.head_block_number()


@pytest.mark.parametrize("family", ["evm", "bitcoin", "tron"])
@pytest.mark.parametrize(("address", "url"), CASES)
def test_chain_rpc_call_refuses(no_network, family, address, url):
    _point_evil_at(no_network, address)
    with pytest.raises(RpcUnavailable) as exc:
        _call(family, url)
    # Refused by the guard, or (0177.0.0.1) already by httpx's URL parser.
    assert "address guard" in str(exc.value) or "InvalidURL" in str(exc.value)
    assert no_network["connects"] == []


def test_chain_save_accepts_a_name_dns_cannot_answer_now(admin_user, eth, no_network):
    no_network["answer"] = []  # NXDOMAIN: checked again at every call, never sent to
    chain_services.do_configure_chain(actor=admin_user, chain=eth, rpc_urls=f"https://{EVIL}/")
    eth.refresh_from_db()
    assert eth.url_list == [f"https://{EVIL}/"]


# --- the assistant's model server -------------------------------------------------------------

ARTICLE = Article("a", "en", "Title", "Summary.", "Body.", "https://x/a")


@pytest.mark.parametrize(("address", "url"), CASES)
def test_model_server_url_save_refuses(admin_user, channel, settings, no_network, address, url):
    settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL = False
    _point_evil_at(no_network, address)
    with pytest.raises(ValidationFailed) as exc:
        assistant_config.do_update_settings(
            user=admin_user,
            inbox_id=channel.inbox.pk,
            values={"generative_url": url, "generative_model": "m", "generative_enabled": True},
        )
    assert "generative_url" in exc.value.fields
    assert no_network["connects"] == []


@pytest.mark.parametrize(("address", "url"), CASES)
def test_model_server_call_refuses(settings, no_network, address, url):
    settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL = False
    _point_evil_at(no_network, address)
    config = AssistantSettings(
        generative_enabled=True, generative_url=url, generative_model="m", generative_timeout=1.0
    )
    with pytest.raises(GenerationFailed):
        generate(config, question="q", articles=[ARTICLE], language="en")
    assert no_network["connects"] == []


# --- private endpoints only by an explicit switch, with real stand-ins on loopback ------------


class _StandIn(BaseHTTPRequestHandler):
    hosts: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).hosts.append(self.headers.get("Host", ""))
        payload = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x2a"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_node() -> Iterator[tuple[str, list[str]]]:
    hosts: list[str] = []
    handler = type("Handler", (_StandIn,), {"hosts": hosts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rpc", hosts
    server.shutdown()
    server.server_close()


def test_private_rpc_needs_the_chain_switch(admin_user, eth, local_node):
    url, hosts = local_node
    with pytest.raises(ValidationFailed):
        chain_services.do_configure_chain(actor=admin_user, chain=eth, rpc_urls=url)
    with EvmRpcClient([url]) as client, pytest.raises(RpcUnavailable):
        client.chain_id()
    assert hosts == []  # refused before the request
    chain_services.do_configure_chain(
        actor=admin_user, chain=eth, rpc_urls=url, allow_private_rpc=True
    )
    with EvmRpcClient(eth.url_list, allow_private=eth.allow_private_rpc) as client:
        assert client.chain_id() == 42
    assert len(hosts) == 1
    # Switching it off again re-checks the stored endpoints.
    with pytest.raises(ValidationFailed):
        chain_services.do_configure_chain(actor=admin_user, chain=eth, allow_private_rpc=False)


def test_settings_page_sets_the_switch_and_warns(admin_user, eth, local_node):
    url, _hosts = local_node
    client = Client()
    client.force_login(admin_user)
    page = f"/app/settings/chains/{eth.key}/"
    form = {
        "name": eth.name,
        "enabled": "on",
        "evm_chain_id": eth.evm_chain_id,
        "required_confirmations": eth.required_confirmations,
        "block_time_seconds": eth.block_time_seconds,
        "native_symbol": eth.native_symbol,
        "native_decimals": eth.native_decimals,
        "rpc_urls": url,
    }
    refused = client.post(page, form)
    assert refused.status_code == 200
    assert "private or local network address" in refused.content.decode()
    assert "data-private-rpc" not in refused.content.decode()
    saved = client.post(page, {**form, "allow_private_rpc": "on"})
    assert saved.status_code == 302
    eth.refresh_from_db()
    assert eth.allow_private_rpc and eth.url_list == [url]
    shown = client.get(page).content.decode()
    assert "data-private-rpc" in shown
    assert "this chain may call addresses inside your network" in shown


def test_pinned_request_goes_to_the_checked_address_with_its_host(no_network):
    """The request is sent to the address that was checked (not to a name resolved again by
    the HTTP library), with the URL's host name in the Host header and as TLS SNI."""
    no_network["answer"] = ["10.9.8.7"]
    port = 8545
    transport = PinnedTransport(allow_private=True)
    calls: list[str] = []

    class Spy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            calls.append(str(request.url))
            assert request.headers["Host"] == f"{EVIL}:{port}"
            assert request.extensions.get("sni_hostname") == EVIL
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": "0x1"})

    transport._pools[EVIL] = Spy()  # the pool this host name would use
    with EvmRpcClient([f"https://{EVIL}:{port}/rpc"], transport=transport) as client:
        assert client.chain_id() == 1
    assert calls == [f"https://10.9.8.7:{port}/rpc"]
    assert no_network["connects"] == []


def test_dns_rebinding_after_the_save_is_refused_at_the_call(admin_user, eth, no_network):
    no_network["answer"] = ["93.184.215.14"]
    chain_services.do_configure_chain(
        actor=admin_user, chain=eth, rpc_urls=f"https://{EVIL}/v3/key", enabled=True
    )
    no_network["answer"] = ["169.254.169.254"]  # the name now points at cloud metadata
    with EvmRpcClient(eth.url_list) as client, pytest.raises(RpcUnavailable):
        client.chain_id()
    assert no_network["connects"] == []


def test_private_model_server_only_when_the_operator_allows(settings, local_node):
    url, hosts = local_node
    config = AssistantSettings(
        generative_enabled=True,
        generative_url=url.removesuffix("/rpc"),
        generative_model="m",
        generative_timeout=2.0,
    )
    settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL = False
    with pytest.raises(GenerationFailed):
        generate(config, question="q", articles=[ARTICLE], language="en")
    assert hosts == []
    with pytest.raises(ValidationFailed):
        assistant_config.check_model_url(url=config.generative_url)
    settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL = True
    assistant_config.check_model_url(url=config.generative_url)
    with pytest.raises(GenerationFailed):  # reached: the stand-in's answer is not a chat reply
        generate(config, question="q", articles=[ARTICLE], language="en")
    assert len(hosts) == 1
