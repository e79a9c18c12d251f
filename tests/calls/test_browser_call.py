"""A real call in headless Chromium with fake camera and microphone: the customer calls
from the widget, the assigned agent accepts in the console, both peer connections reach
`connected` (media over loopback, no STUN/TURN needed), the customer hangs up and the
console's timeline shows the call and its duration. No CSP violation on either page."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_or_skip
from tests.e2e.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_PROBE,
    DEMO_PASSWORD,
    WAIT_MS,
    Watch,
    socket_ready,
    wait_until,
)
from tests.support.live_server import LiveServer, live_server, migrate, run_django, server_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.embedded_only,
    pytest.mark.timeout(600),  # a fresh server's migrations on a shared 2-core machine
]

# Chromium's stand-ins for a camera and a microphone, and no permission prompt.
MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def call_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("calls")
    env = server_env(database_url=f"sqlite:///{data_dir / 'calls.sqlite3'}", data_dir=data_dir)
    migrate(env)
    run_django(
        env,
        "from django.core.management import call_command\ncall_command('seed_demo')\n"
        "from blockdesk.assistant.models import AssistantSettings\n"
        "AssistantSettings.objects.update(enabled=False)",
    )
    with live_server(env, timeout=120) as server:  # a shared, busy machine
        yield server


@pytest.fixture(scope="module")
def media_browser() -> Iterator[Any]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *MEDIA_ARGS])
        try:
            yield instance
        finally:
            instance.close()


def test_customer_calls_agent_accepts_both_connect_and_the_timeline_has_the_duration(
    call_server: LiveServer, media_browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    server = call_server
    origin = server.origin
    artifacts = ARTIFACTS / "calls-browser"
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    token = (
        run_django(
            server.env,
            "from blockdesk.connectors.models import WebWidgetChannel\n"
            "print('TOKEN', WebWidgetChannel.objects.order_by('pk').first().public_token)",
        )
        .split("TOKEN ", 1)[1]
        .split()[0]
    )
    first = f"Can we talk on a call? ({uuid.uuid4().hex[:6]})"

    contexts = []
    for _ in range(2):
        ctx = media_browser.new_context(base_url=origin, locale="en-US")
        ctx.grant_permissions(["camera", "microphone"], origin=origin)
        ctx.add_init_script(CSP_PROBE)
        ctx.set_default_timeout(WAIT_MS)
        contexts.append(ctx)
    agent, customer = contexts[0].new_page(), contexts[1].new_page()
    agent_watch, customer_watch = Watch("agent"), Watch("customer")
    agent_watch.attach(agent)
    customer_watch.attach(customer)

    def shot(name: str) -> None:
        agent.screenshot(path=str(artifacts / f"{name}-agent.png"))
        customer.screenshot(path=str(artifacts / f"{name}-customer.png"))

    try:
        agent.goto("/accounts/login/")
        agent.fill("#id_username", "alice")
        agent.fill("#id_password", DEMO_PASSWORD)
        agent.click("button[type=submit]")
        agent.wait_for_url(re.compile(r"/app/$"))

        # The customer opens the chat frame (as the widget's iframe does) and writes.
        response = customer.goto(f"/widget/frame/{token}/")
        assert response is not None
        policy = response.headers.get("permissions-policy", "")
        assert "camera=(self)" in policy and "microphone=(self)" in policy
        customer.locator("#bdw-input").fill(first)
        customer.locator("#bdw-input").press("Enter")
        expect(
            customer.locator(".bdw-msg.bdw-mine[data-id] .bdw-text", has_text=first)
        ).to_be_visible()
        wait_until(customer, socket_ready(customer_watch, "/ws/widget/"), "the customer socket")
        # Nobody is assigned: no call button.
        expect(customer.locator("[data-call-buttons]")).to_be_hidden()

        # The agent opens the case and takes it; the customer's call button appears.
        row = agent.locator(".conv-row", has=agent.locator(".snippet-text", has_text=first))
        row.locator("a.conv-link").click()
        agent.wait_for_url(re.compile(r"/app/c/\d+/"))
        wait_until(
            agent,
            lambda: sum(1 for f in agent_watch.frames if f.get("type") == "ready") >= 2,
            "the agent socket on the conversation page",
        )
        agent.locator("[data-assign-me] button[type=submit]").click()
        expect(agent.locator("[data-call-buttons]")).to_be_visible()
        expect(customer.locator("[data-call-buttons]")).to_be_visible()
        shot("1-available")

        # The customer calls (video); the agent's console rings and the agent accepts.
        customer.locator("[data-call-start=video]").click()
        expect(customer.locator("[data-call-panel]")).to_have_attribute(
            "data-call-state", "ringing-out"
        )
        expect(agent.locator("[data-call-panel]")).to_have_attribute(
            "data-call-state", "ringing-in"
        )
        expect(agent.locator("[data-call-status]")).to_contain_text("Incoming video call")
        agent.locator("[data-call-accept]").click()

        # Both peer connections reach "connected" (fake devices, host candidates).
        expect(customer.locator("[data-call-panel]")).to_have_attribute(
            "data-call-state", "connected"
        )
        expect(agent.locator("[data-call-panel]")).to_have_attribute("data-call-state", "connected")
        # Media flows: the remote video element plays the other side's fake camera.
        for page in (agent, customer):
            # Polled from Python: `wait_for_function` runs an expression through eval in
            # the page, which the app's CSP (no 'unsafe-eval') refuses.
            wait_until(
                page,
                lambda page=page: page.evaluate(
                    "(document.querySelector('[data-call-remote]')?.videoWidth || 0) > 0"
                ),
                "the remote video playing",
                timeout=WAIT_MS / 1000,
            )
        customer.wait_for_timeout(2200)  # a call of a couple of seconds
        shot("2-connected")

        customer.locator("[data-call-hangup]").click()
        expect(agent.locator("[data-call-panel]")).to_have_attribute("data-call-state", "ended")
        expect(agent.locator("[data-call-status]")).to_contain_text("Call ended")
        expect(customer.locator("[data-call-status]")).to_contain_text("Call ended")

        # The console's timeline, live: who called and answered, then the duration.
        started = agent.locator(".tl-event .tl-text", has_text="The customer called (video)")
        expect(started).to_have_count(1)
        duration_line = re.compile(r"Call ended · duration (\d+):(\d\d)")
        ended = agent.locator(".tl-event .tl-text", has_text=duration_line)
        expect(ended).to_have_count(1)
        # ... and after a reload (server-rendered).
        agent.reload()
        ended = agent.locator(".tl-event .tl-text", has_text=duration_line)
        expect(ended).to_have_count(1)
        shown = duration_line.search(ended.inner_text())
        assert shown is not None
        shown_seconds = int(shown.group(1)) * 60 + int(shown.group(2))
        shot("3-ended")

        out = run_django(
            server.env,
            "from blockdesk.calls.models import Call\n"
            "c = Call.objects.get()\n"
            "print('CALL', c.status, c.outcome, c.started_by, c.video, c.duration_seconds)",
        )
        status, outcome, by, video, seconds = out.split("CALL ", 1)[1].split()[:5]
        assert (status, outcome, by, video) == ("ended", "completed", "customer", "True")
        assert 2 <= int(seconds) < 300
        assert shown_seconds == int(seconds)  # the line shows the stored duration

        # The account now records calls when the customer agrees; the agent calls (voice),
        # the widget asks the customer, who agrees and answers.
        run_django(
            server.env,
            "from blockdesk.accounts.models import Account\n"
            "from blockdesk.calls.models import CallSettings\n"
            "for a in Account.objects.all():\n"
            "    CallSettings.objects.update_or_create(account=a, defaults="
            "{'recording_enabled': True})",
        )
        expect(agent.locator("[data-call-buttons]")).to_be_visible()
        agent.locator("[data-call-start=audio]").click()
        expect(customer.locator("[data-call-panel]")).to_have_attribute(
            "data-call-state", "ringing-in"
        )
        expect(customer.locator("[data-call-status]")).to_contain_text("Incoming voice call")
        expect(customer.locator("[data-call-consent-box]")).to_be_visible()
        customer.locator("[data-call-consent]").check()
        customer.locator("[data-call-accept]").click()
        for page in (agent, customer):
            expect(page.locator("[data-call-panel]")).to_have_attribute(
                "data-call-state", "connected"
            )
        expect(agent.locator("[data-call-videos]")).to_be_hidden()  # voice only
        agent.locator("[data-call-hangup]").click()
        expect(customer.locator("[data-call-panel]")).to_have_attribute("data-call-state", "ended")
        expect(
            agent.locator(".tl-event .tl-text", has_text="called the customer (audio)")
        ).to_contain_text("the customer agreed to recording")
        expect(agent.locator(".tl-event .tl-text", has_text=duration_line)).to_have_count(2)
        shot("4-agent-called")
        out = run_django(
            server.env,
            "from blockdesk.calls.models import Call\n"
            "c = Call.objects.order_by('pk').last()\n"
            "print('CALL', c.started_by, c.video, c.outcome, c.recording_consent_at is not None)",
        )
        assert out.split("CALL ", 1)[1].split()[:4] == ["agent", "False", "completed", "True"]
    except Exception:
        shot("failure")
        raise
    finally:
        calls = {
            w.name: {
                "got": [f for f in w.frames if str(f.get("type", "")).startswith("call.")],
                "sent": [
                    f.get("type") for f in w.sent if str(f.get("type", "")).startswith("call.")
                ],
                "errors": w.errors,
                "crashes": w.crashes,
            }
            for w in (agent_watch, customer_watch)
        }
        (artifacts / "calls.json").write_text(json.dumps(calls, indent=2, default=str))
        for ctx in contexts:
            ctx.close()

    for w in (agent_watch, customer_watch):
        assert not w.own_csp_violations(origin), f"{w.name}: CSP violations {w.csp}"
        assert not w.crashes, f"{w.name}: uncaught errors {w.crashes}"
