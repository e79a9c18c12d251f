"""In a real Chromium: the widget's anti-phishing panel, the verified badge with the
code on a live agent reply, and the public page on a phone without CSP violations."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, require_or_skip
from tests.support.live_server import (
    LiveServer,
    live_server,
    migrate,
    redis_available,
    run_django,
    server_env,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.embedded_only]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 15_000
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
SEED = f"""
import json
from blockdesk.accounts.models import Account
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.trust.services import do_create_official_channel
account = Account.objects.create(name="Trust Exchange")
agent = do_create_agent(account=account, username="agent", email="a@example.com",
                        password={PASSWORD!r})
channel = do_create_web_widget_inbox(account=account, name="Website", members=[agent])
do_create_official_channel(account_id=account.pk, actor=None, kind="domain",
                           value="example-exchange.com")
print(json.dumps({{"token": channel.public_token, "agent": agent.pk}}))
"""
REPLY = """
from blockdesk.accounts.models import User
from blockdesk.conversations.models import Conversation
from blockdesk.conversations.services import do_send_agent_message
do_send_agent_message(agent=User.objects.get(pk={agent}),
                      conversation=Conversation.objects.order_by("-pk").first(),
                      content="We are looking into it.")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict, dict]]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    # The agent's reply is sent from another process: only Redis carries it to the server.
    require_or_skip(redis_available(REDIS_URL), f"Redis is needed at {REDIS_URL}")
    data_dir = tmp_path_factory.mktemp("trust-browser")
    env = server_env(
        database_url=f"sqlite:///{data_dir / 'trust.sqlite3'}",
        data_dir=data_dir,
        redis_url=REDIS_URL,
    )
    migrate(env)
    seed = json.loads(run_django(env, SEED).strip().splitlines()[-1])
    with live_server(env) as live:
        yield live, seed, env


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_code_panel_and_verified_badge_on_a_live_reply(server, browser):
    live, seed, env = server
    page = browser.new_page()
    problems = _watch(page)
    page.goto(live.url(f"/widget/frame/{seed['token']}/?lang=en"))
    page.fill("#bdw-input", "Is this email from you?")
    page.press("#bdw-input", "Enter")
    page.wait_for_selector(".bdw-msg.bdw-mine[data-id]", timeout=WAIT_MS)

    page.click("#bdw-apc-open")
    page.fill("#bdw-apc-input", "BLUE-TIGER")
    page.click("#bdw-apc-form button[type=submit]")
    page.wait_for_selector("#bdw-apc-status:not([hidden])", timeout=WAIT_MS)
    assert "Saved" in page.text_content("#bdw-apc-status")
    page.click("#bdw-apc-close")
    assert page.is_hidden("#bdw-apc")

    run_django(env, REPLY.format(agent=seed["agent"]))  # arrives over the WebSocket
    badge = page.wait_for_selector(".bdw-theirs .bdw-verified", timeout=WAIT_MS)
    assert "Verified agent" in badge.text_content()
    page.wait_for_selector(".bdw-verified-code:not([hidden])", timeout=WAIT_MS)
    assert "Your code: BLUE-TIGER" in page.text_content(".bdw-verified-code")
    assert page.query_selector(".bdw-mine .bdw-verified") is None  # never on ours

    page.reload()  # fetched over HTTP this time, code in the payload
    page.wait_for_selector(".bdw-verified-code:not([hidden])", timeout=WAIT_MS)
    assert "BLUE-TIGER" in page.text_content(".bdw-verified-code")
    assert not [p for p in problems if "Content Security Policy" in p or "Uncaught" in p]


def test_public_page_on_a_phone(server, browser):
    live, _seed, _env = server
    page = browser.new_page(viewport={"width": 360, "height": 740})
    problems = _watch(page)
    page.goto(live.url("/verify/"))
    page.fill("#trust-value", "exаmple-exchange.com")
    page.click(".trust-form button[type=submit]")
    page.wait_for_selector(".trust-result.verdict-no", timeout=WAIT_MS)
    assert "example-exchange.com" in page.text_content(".trust-result")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert not [p for p in problems if "Content Security Policy" in p]
