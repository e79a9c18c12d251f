"""Fixtures for the peering tests: two accounts (a publisher and a subscriber) and a real
HTTP server on loopback that serves whatever bytes a test sets (a genuine feed page, a
tampered one, a huge one), so fetching goes through the outbound guard and httpx."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.kb import services as kb_services
from blockdesk.kb.models import Category
from blockdesk.trust import scam_services

PASSWORD = "correct-horse-battery-staple-9"


@dataclass
class Responder:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(autouse=True)
def _isolated(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"peering-tests-{uuid.uuid4().hex}",
        }
    }
    settings.PEERING_ALLOW_PRIVATE_FEEDS = True  # the test server is on loopback
    settings.PEERING_FEED_RATE_LIMIT = 1000


@pytest.fixture
def feed_server() -> Iterator[tuple[str, Responder]]:
    responder = Responder()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            responder.requests.append({"path": self.path, "headers": dict(self.headers)})
            self.send_response(responder.status)
            for name, value in responder.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(responder.body)))
            self.end_headers()
            self.wfile.write(responder.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/peering/feed/x/", responder
    finally:
        server.shutdown()
        server.server_close()


def make_admin(account: Account, name: str) -> User:
    return do_create_agent(
        account=account,
        username=name,
        email=f"{name}@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )


@pytest.fixture
def publisher_admin(db: None) -> User:
    account = Account.objects.create(name="Publisher Exchange")
    user = make_admin(account, "pubadmin")
    category = Category.objects.create(account=account, key="security", names={"en": "Security"})
    tr = kb_services.do_create_article(
        actor=user,
        key="avoid-phishing",
        category=category,
        language="en",
        data=kb_services.TranslationInput(
            title="How to avoid phishing", summary="Check the domain.", body="Always check."
        ),
    )
    kb_services.do_set_status(actor=user, translation=tr, status="published")
    scam_services.do_report_scam(
        account_id=account.pk, actor=user, value="https://evil-exchange.example/login", note="Fake"
    )
    return user


@pytest.fixture
def subscriber_admin(db: None) -> User:
    account = Account.objects.create(name="Subscriber Wallet")
    Category.objects.create(account=account, key="security", names={"en": "Security"})
    return make_admin(account, "subadmin")
