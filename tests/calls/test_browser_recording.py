"""Call recording in headless Chromium with fake camera and microphone (their audio is a
beep): the account records calls. (1) The customer agrees and calls; the agent's console
mixes both sides, records, uploads when the call ends; the recording is stored and the
console's timeline plays it (fetched with the agent's session, decoded by the browser:
seconds of non-silent audio). (2) The agent calls, the customer does not agree: the
console records nothing, sends nothing, nothing is stored. (3) The customer agrees, then
presses "Stop recording" during the call: nothing is sent or stored. (4) The agent
replies with an audio file: a player in the console and in the customer's widget, which
loads it under both pages' CSP."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.calls.test_browser_call import MEDIA_ARGS
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

# What the console's player would play: fetched with the agent's session and decoded.
DECODE = """async (url) => {
  const r = await fetch(url, {credentials: "same-origin"});
  const bytes = await r.arrayBuffer();
  const size = bytes.byteLength;  // decodeAudioData detaches the buffer
  const ctx = new OfflineAudioContext(1, 1, 48000);
  const audio = await ctx.decodeAudioData(bytes);
  let peak = 0;
  const samples = audio.getChannelData(0);
  for (let i = 0; i < samples.length; i++) { peak = Math.max(peak, Math.abs(samples[i])); }
  return {status: r.status, type: r.headers.get("content-type"),
          cache: r.headers.get("cache-control"), size: size,
          duration: audio.duration, peak: peak};
}"""


@pytest.fixture(scope="module")
def recording_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("callrec")
    env = server_env(database_url=f"sqlite:///{data_dir / 'callrec.sqlite3'}", data_dir=data_dir)
    migrate(env)
    run_django(
        env,
        "from django.core.management import call_command\ncall_command('seed_demo')\n"
        "from blockdesk.assistant.models import AssistantSettings\n"
        "AssistantSettings.objects.update(enabled=False)\n"
        "from blockdesk.accounts.models import Account\n"
        "from blockdesk.calls.models import CallSettings\n"
        "for a in Account.objects.all():\n"
        "    CallSettings.objects.update_or_create(account=a, defaults="
        "{'recording_enabled': True})",
    )
    with live_server(env, timeout=120) as server:
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


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real WAV file: a 440 Hz tone."""
    import io
    import math
    import struct
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(seconds * rate))
            )
        )
    return out.getvalue()


def recordings(server: LiveServer) -> list[tuple[int, str, int]]:
    out = run_django(
        server.env,
        "import json\n"
        "from blockdesk.calls.models import CallRecording\n"
        "print('RECS', json.dumps([(r.call_id, r.content_type, r.size) for r in "
        "CallRecording.objects.order_by('pk')]))",
    )
    rows = json.loads(out.split("RECS ", 1)[1].strip().splitlines()[0])
    return [(int(a), str(b), int(c)) for a, b, c in rows]


def test_recorded_with_consent_and_nothing_without_it(
    recording_server: LiveServer, media_browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    server = recording_server
    origin = server.origin
    artifacts = ARTIFACTS / "calls-recording"
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
    first = f"Please call me ({uuid.uuid4().hex[:6]})"
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
    uploads: list[str] = []
    agent.on("request", lambda r: uploads.append(r.url) if "/recording/" in r.url else None)

    def shot(name: str) -> None:
        agent.screenshot(path=str(artifacts / f"{name}-agent.png"))
        customer.screenshot(path=str(artifacts / f"{name}-customer.png"))

    def connected() -> None:
        for page in (agent, customer):
            expect(page.locator("[data-call-panel]")).to_have_attribute(
                "data-call-state", "connected"
            )

    try:
        agent.goto("/accounts/login/")
        agent.fill("#id_username", "alice")
        agent.fill("#id_password", DEMO_PASSWORD)
        agent.click("button[type=submit]")
        agent.wait_for_url(re.compile(r"/app/$"))
        customer.goto(f"/widget/frame/{token}/")
        customer.locator("#bdw-input").fill(first)
        customer.locator("#bdw-input").press("Enter")
        expect(
            customer.locator(".bdw-msg.bdw-mine[data-id] .bdw-text", has_text=first)
        ).to_be_visible()
        wait_until(customer, socket_ready(customer_watch, "/ws/widget/"), "the customer socket")
        row = agent.locator(".conv-row", has=agent.locator(".snippet-text", has_text=first))
        row.locator("a.conv-link").click()
        agent.wait_for_url(re.compile(r"/app/c/\d+/"))
        wait_until(
            agent,
            lambda: sum(1 for f in agent_watch.frames if f.get("type") == "ready") >= 2,
            "the agent socket on the conversation page",
        )
        agent.locator("[data-assign-me] button[type=submit]").click()
        expect(customer.locator("[data-call-buttons]")).to_be_visible()

        # (1) The widget asks before the call; the customer agrees and calls (video: the
        # recording is audio only).
        expect(customer.locator("[data-call-consent-box]")).to_be_visible()
        customer.locator("[data-call-consent]").check()
        customer.locator("[data-call-start=video]").click()
        expect(agent.locator("[data-call-status]")).to_contain_text("Incoming video call")
        expect(agent.locator("[data-call-recording-notice]")).to_contain_text(
            "The customer agreed to recording"
        )
        agent.locator("[data-call-accept]").click()
        connected()
        expect(agent.locator("[data-call-recording-notice]")).to_contain_text("Recording this call")
        expect(customer.locator("[data-call-withdraw]")).to_be_visible()
        customer.wait_for_timeout(3500)  # a few seconds of beeps from both fake microphones
        shot("1-recording")
        customer.locator("[data-call-hangup]").click()
        expect(agent.locator("[data-call-recording-notice]")).to_contain_text(
            "The call recording was saved on the case."
        )
        # The timeline line and its player, live.
        line = agent.locator(".tl-event", has=agent.locator(".tl-text", has_text="Call recorded"))
        expect(line).to_have_count(1)
        player = line.locator("audio.tl-audio")
        expect(player).to_have_count(1)
        src = player.get_attribute("src")
        assert src and re.fullmatch(r"/app/calls/recordings/\d+/", src)
        # The element loads it (metadata) and the browser decodes seconds of sound.
        agent.wait_for_function(
            "(el) => el.readyState >= 1 && !el.error", arg=player.element_handle()
        )
        played = agent.evaluate(DECODE, src)
        assert played["status"] == 200 and played["type"] == "audio/webm", played
        assert "no-store" in played["cache"]
        assert played["duration"] >= 2.0, played
        assert played["peak"] > 0.01, played  # not silence
        # After a reload, server-rendered.
        agent.reload()
        expect(agent.locator(f'.tl-event audio.tl-audio[src="{src}"]')).to_have_count(1)
        shot("2-recorded")
        stored = recordings(server)
        assert len(stored) == 1 and stored[0][1] == "audio/webm"
        assert stored[0][2] == played["size"]
        # The customer cannot fetch it (no agent session).
        assert customer.request.get(src, max_redirects=0).status == 302
        assert len(uploads) == 1

        # (2) The agent calls; the customer does not agree and answers: nothing recorded.
        wait_until(
            agent,
            lambda: sum(1 for f in agent_watch.frames if f.get("type") == "ready") >= 3,
            "the agent socket after the reload",
        )
        expect(agent.locator("[data-call-buttons]")).to_be_visible()
        agent.locator("[data-call-start=audio]").click()
        # The ring asks again, unticked (consent is per call).
        expect(customer.locator("[data-call-panel]")).to_have_attribute(
            "data-call-state", "ringing-in"
        )
        expect(customer.locator("[data-call-consent-box]")).to_be_visible()
        expect(customer.locator("[data-call-consent]")).not_to_be_checked()
        customer.locator("[data-call-accept]").click()
        connected()
        expect(agent.locator("[data-call-recording-notice]")).to_be_hidden()
        expect(customer.locator("[data-call-withdraw]")).to_be_hidden()
        customer.wait_for_timeout(2500)
        agent.locator("[data-call-hangup]").click()
        expect(customer.locator("[data-call-panel]")).to_have_attribute("data-call-state", "ended")
        agent.wait_for_timeout(2000)  # time for an upload that must not come
        assert len(uploads) == 1
        assert len(recordings(server)) == 1
        shot("3-no-consent")

        # (3) The customer agrees, then withdraws during the call: nothing is kept.
        expect(agent.locator("[data-call-buttons]")).to_be_visible()
        agent.locator("[data-call-start=audio]").click()
        expect(customer.locator("[data-call-panel]")).to_have_attribute(
            "data-call-state", "ringing-in"
        )
        customer.locator("[data-call-consent]").check()
        customer.locator("[data-call-accept]").click()
        connected()
        expect(agent.locator("[data-call-recording-notice]")).to_contain_text("Recording this call")
        customer.wait_for_timeout(1500)
        customer.locator("[data-call-withdraw]").click()
        expect(agent.locator("[data-call-recording-notice]")).to_contain_text(
            "Recording stopped: nothing of this call is kept."
        )
        expect(customer.locator("[data-call-withdraw]")).to_be_hidden()
        customer.wait_for_timeout(1000)
        agent.locator("[data-call-hangup]").click()
        expect(customer.locator("[data-call-panel]")).to_have_attribute("data-call-state", "ended")
        expect(
            agent.locator(".tl-event .tl-text", has_text="The customer withdrew their consent")
        ).to_have_count(1)
        agent.wait_for_timeout(2000)
        assert len(uploads) == 1
        assert len(recordings(server)) == 1
        shot("4-withdrawn")

        # (4) An audio reply: players on both sides.
        voice = f"A voice note for you ({uuid.uuid4().hex[:6]})"
        agent.fill("#composer-text", voice)
        agent.set_input_files(
            "input[name=attachments]",
            files=[{"name": "note.wav", "mimeType": "audio/wav", "buffer": wav_bytes()}],
        )
        agent.click("[data-send]")
        sent = agent.locator(".msg-agent", has=agent.locator(".msg-body", has_text=voice))
        expect(sent.locator("audio.msg-audio")).to_have_count(1)
        theirs = customer.locator(".bdw-msg.bdw-theirs", has_text=voice)
        expect(theirs.locator("audio.bdw-audio")).to_have_count(1)
        for player in (sent.locator("audio.msg-audio"), theirs.locator("audio.bdw-audio")):
            player.page.wait_for_function(
                "(el) => el.readyState >= 1 && !el.error && el.duration > 0.9",
                arg=player.element_handle(),
            )
        shot("5-audio-reply")
    except Exception:
        shot("failure")
        raise
    finally:
        calls = {
            w.name: {
                "got": [f for f in w.frames if str(f.get("type", "")).startswith("call.")],
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
