"""The product as people use it, in a real Chromium: a visitor chats through the widget
embedded on /widget-demo/, an agent (alice, demo data) answers from the console, and
both sides see each other's messages live. Hostile input stays inert text on both
sides, and no page of ours trips its own Content-Security-Policy.

Screenshots of every step land in test-artifacts/ (gitignored) for debugging."""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_or_skip
from tests.support.live_server import (
    REPO,
    LiveServer,
    live_server,
    migrate,
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
    "--disable-quic",
]
ARTIFACTS = REPO / "test-artifacts"
DEMO_PASSWORD = "demo-pass-2026"
WAIT_MS = 15_000
HOSTILE = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
]

# Runs in every frame before the page's own scripts: turns CSP violations (which
# Chromium otherwise reports only to DevTools' log) into console errors we can collect.
CSP_PROBE = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI +
    " in " + e.documentURI + " (" + e.sourceFile + ":" + e.lineNumber + ")");
});
"""


@dataclass
class Watch:
    """Console errors, CSP violations and uncaught exceptions of one page (all frames)."""

    name: str
    errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    frames: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)  # frames the page sent

    def attach(self, page: Any) -> None:
        def on_console(msg: Any) -> None:
            if msg.type != "error":
                return
            text = f"{msg.text} @ {msg.location.get('url', '')}"
            self.errors.append(text)
            if "Content Security Policy" in msg.text or "CSP violation" in msg.text:
                self.csp.append(text)

        def on_socket(ws: Any) -> None:
            def on_frame(payload: Any) -> None:
                try:
                    data = json.loads(payload)
                except (TypeError, ValueError):
                    return
                if isinstance(data, dict):
                    self.frames.append({**data, "_url": ws.url})

            def on_sent(payload: Any) -> None:
                try:
                    data = json.loads(payload)
                except (TypeError, ValueError):
                    return
                if isinstance(data, dict):
                    self.sent.append(data)

            ws.on("framereceived", on_frame)
            ws.on("framesent", on_sent)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.crashes.append(str(exc)))
        page.on("websocket", on_socket)

    def own_csp_violations(self, origin: str) -> list[str]:
        return [line for line in self.csp if origin in line]


def wait_until(page: Any, condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Lets Playwright dispatch events (websocket frames) while polling a Python-side
    condition; fails with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def socket_ready(watch: Watch, path: str) -> Callable[[], bool]:
    return lambda: any(f.get("type") == "ready" and path in f["_url"] for f in watch.frames)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("browser")
    # A fresh SQLite file and the embedded mode (in-memory channel layer) whatever the
    # suite's own DATABASE_URL: this test is about the browser side.
    env = server_env(database_url=f"sqlite:///{data_dir / 'browser.sqlite3'}", data_dir=data_dir)
    migrate(env)
    # seed_demo switches the assistant on for its inbox; this test is about people chatting
    # (the assistant has its own tests), so it is switched off again.
    run_django(
        env,
        "from django.core.management import call_command\ncall_command('seed_demo')\n"
        "from blockdesk.assistant.models import AssistantSettings\n"
        "AssistantSettings.objects.update(enabled=False)",
    )
    with live_server(env) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_visitor_and_agent_chat_live_and_hostile_input_stays_text(
    demo_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    server = demo_server
    origin = server.origin
    tag = uuid.uuid4().hex[:6]
    first = f"Hello, my USDT deposit is missing ({tag})"
    reply = f"Hi! Checking your deposit now ({tag})"

    agent_ctx = browser.new_context(base_url=origin, locale="en-US")
    visitor_ctx = browser.new_context(base_url=origin, locale="en-US")
    for ctx in (agent_ctx, visitor_ctx):
        ctx.add_init_script(CSP_PROBE)
        ctx.set_default_timeout(WAIT_MS)
    agent, visitor = agent_ctx.new_page(), visitor_ctx.new_page()
    agent_watch, visitor_watch = Watch("agent"), Watch("visitor")
    agent_watch.attach(agent)
    visitor_watch.attach(visitor)

    def shot(name: str) -> None:
        agent.screenshot(path=str(artifacts / f"{name}-agent.png"))
        visitor.screenshot(path=str(artifacts / f"{name}-visitor.png"))

    try:
        # The agent signs in and keeps the console open: everything after is live.
        agent.goto("/accounts/login/")
        agent.fill("#id_username", "alice")
        agent.fill("#id_password", DEMO_PASSWORD)
        agent.click("button[type=submit]")
        agent.wait_for_url(re.compile(r"/app/$"))
        wait_until(agent, socket_ready(agent_watch, "/ws/agent/"), "the agent socket")

        # The visitor opens the widget on the demo page and writes.
        visitor.goto("/widget-demo/")
        visitor.locator("button.bd-launcher").click()
        widget = visitor.frame_locator("iframe.bd-frame")
        widget.locator("#bdw-input").fill(first)
        widget.locator("#bdw-input").press("Enter")
        expect(
            widget.locator(".bdw-msg.bdw-mine[data-id] .bdw-text", has_text=first)
        ).to_be_visible()
        wait_until(visitor, socket_ready(visitor_watch, "/ws/widget/"), "the visitor socket")
        shot("1-sent")

        # Live in the agent's list, without a reload.
        row = agent.locator(".conv-row", has=agent.locator(".snippet-text", has_text=first))
        expect(row).to_have_count(1)
        row.locator("a.conv-link").click()
        agent.wait_for_url(re.compile(r"/app/c/\d+/"))
        expect(agent.locator(".msg-body", has_text=first)).to_be_visible()
        wait_until(
            agent,
            lambda: sum(1 for f in agent_watch.frames if f.get("type") == "ready") >= 2,
            "the agent socket on the conversation page",
        )
        shot("2-opened")

        # The agent answers; the visitor sees it live in the widget.
        agent.fill("#composer-text", reply)
        agent.click("[data-send]")
        expect(agent.locator(".msg-agent .msg-body", has_text=reply)).to_be_visible()
        expect(widget.locator(".bdw-msg.bdw-theirs .bdw-text", has_text=reply)).to_be_visible()
        shot("3-replied")
        # On screen with the widget open: the frame says so, and the server records it, so
        # this reply is not emailed to a follow-up address later.
        theirs = widget.locator(".bdw-msg.bdw-theirs[data-id]", has_text=reply)
        reply_id = int(theirs.get_attribute("data-id") or 0)
        wait_until(
            visitor,
            lambda: any(
                f.get("type") == "seen" and f.get("message_id") == reply_id
                for f in visitor_watch.sent
            ),
            "the visitor's seen frame",
        )
        for _attempt in range(5):  # the frame was sent; the server stores it a moment later
            out = run_django(
                server.env,
                "from blockdesk.conversations.models import Message\n"
                f"m = Message.objects.select_related('conversation').get(pk={reply_id})\n"
                "print('READ', m.conversation.contact_read_message_id)",
            )
            if f"READ {reply_id}" in out:
                break
        assert f"READ {reply_id}" in out

        # The case's service record shows with the timeline: its steps and the links to
        # the public page and the receipt, same-origin files under the frame's strict CSP.
        # (This server runs no event dispatcher: one pass records the steps.)
        run_django(
            server.env,
            "from django.core.management import call_command\n"
            "call_command('events', 'run', '--once')",
        )
        widget.locator("#bdw-timeline-toggle").click()  # open: fetches the record
        expect(widget.locator("#bdw-record li[data-kind='reply']")).to_have_count(1)
        expect(widget.locator("#bdw-record li[data-kind='opened']")).to_have_count(1)
        page_link = widget.locator("#bdw-record a.bdw-record-link").first
        assert re.fullmatch(r"/records/rcpt_[\w-]+/", page_link.get_attribute("href") or "")
        download = widget.locator("#bdw-record a[download]")
        assert (download.get_attribute("href") or "").endswith("/receipt.json")
        shot("3b-record")
        widget.locator("#bdw-timeline-toggle").click()
        expect(widget.locator("#bdw-record")).to_be_hidden()

        # Hostile input: sent as chat messages, shown as the literal characters.
        for text in HOSTILE:
            widget.locator("#bdw-input").fill(text)
            widget.locator("#bdw-input").press("Enter")
            mine = widget.locator(".bdw-msg.bdw-mine[data-id] .bdw-text").filter(has_text=text)
            expect(mine).to_have_count(1)
            expect(mine).to_have_text(text)
            # Arrives live in the open conversation, as text.
            body = agent.locator(".msg-contact .msg-body").filter(has_text=text)
            expect(body).to_have_count(1)
            expect(body).to_have_text(text)
        # The list row's snippet shows the latest one, literally, too.
        expect(agent.locator(".conv-row.active .snippet-text")).to_have_text(HOSTILE[-1])
        shot("4-hostile")

        # Nothing was parsed as markup, and nothing ran.
        assert agent.locator(".timeline script, .timeline img[src='x']").count() == 0
        assert widget.locator("#bdw-messages script, #bdw-messages img[src='x']").count() == 0
        frame = next(f for f in visitor.frames if "/widget/frame/" in f.url)
        for where, target in (("console", agent), ("demo page", visitor), ("widget", frame)):
            assert target.evaluate("typeof window.__pwned") == "undefined", where

        # After a reload (server-rendered, not the live path) it is still text.
        agent.reload()
        for text in HOSTILE:
            expect(agent.locator(".msg-contact .msg-body").filter(has_text=text)).to_have_text(text)
        assert agent.locator(".timeline script, .timeline img[src='x']").count() == 0
        assert agent.evaluate("typeof window.__pwned") == "undefined"
        shot("5-reloaded")
    except Exception:
        shot("failure")
        raise
    finally:
        report = {
            w.name: {"errors": w.errors, "csp": w.csp, "crashes": w.crashes}
            for w in (agent_watch, visitor_watch)
        }
        (artifacts / "console.json").write_text(json.dumps(report, indent=2))
        agent_ctx.close()
        visitor_ctx.close()

    for w in (agent_watch, visitor_watch):
        assert not w.own_csp_violations(origin), f"{w.name}: CSP violations {w.csp}"
        assert not w.crashes, f"{w.name}: uncaught errors {w.crashes}"
