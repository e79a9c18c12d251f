"""Headless Chromium: in an open case, the widget's "Continue this case on Telegram"
asks the per-case endpoint for a single-use token of that case and opens the bot's deep
link, under the frame's strict CSP with no console error. t.me is answered by the test
(no network here); the /start side is covered against the Bot API stand-in
(tests/connectors/telegram/test_case_link.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_or_skip
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, CSP_PROBE, WAIT_MS, Watch
from tests.e2e.test_widget_continue_browser import SEED
from tests.support.live_server import LiveServer, live_server, migrate, run_django, server_env

# Migrating a fresh database for the live server takes minutes on a loaded 2-core machine.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.embedded_only,
    pytest.mark.timeout(600),
]

TOKENS = """
from blockdesk.connectors.telegram.models import TelegramLinkToken
for t in TelegramLinkToken.objects.all():
    print(t.token, t.conversation.contact_id == t.contact_id, t.used_at is None)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str, dict]]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("case-continue")
    env = server_env(database_url=f"sqlite:///{data_dir / 'case.sqlite3'}", data_dir=data_dir)
    migrate(env)
    token = run_django(env, SEED).strip().splitlines()[-1]
    with live_server(env) as live:
        yield live, token, env


def test_continue_this_case_on_telegram_opens_the_cases_deep_link(server: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    live, token, env = server
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(base_url=live.origin, locale="en-US")
            ctx.add_init_script(CSP_PROBE)
            ctx.set_default_timeout(WAIT_MS)
            opened: list[str] = []

            def telegram(route: Any) -> None:
                opened.append(route.request.url)
                route.fulfill(status=200, content_type="text/html", body="<p>Telegram</p>")

            ctx.route(re.compile(r"^https://t\.me/.*"), telegram)
            page = ctx.new_page()
            watch = Watch("visitor")
            watch.attach(page)
            page.goto(f"/widget/frame/{token}/?lang=en")
            # A new chat has no case yet: no button.
            expect(page.locator("[data-testid=continue-case]")).to_be_hidden()
            page.fill("#bdw-input", "my withdrawal is stuck")
            page.press("#bdw-input", "Enter")
            expect(page.locator(".bdw-msg.bdw-mine[data-id]")).to_have_count(1)
            page.click("#bdw-back")
            page.locator("button.bdw-item").first.click()
            button = page.locator(".bdw-case-continue-button[data-kind=telegram]")
            expect(button).to_have_text("Continue this case on Telegram")
            with ctx.expect_page() as popup_info:
                button.click()
            popup = popup_info.value
            link = page.locator("a.bdw-case-continue-open[data-kind=telegram]")
            expect(link).to_have_text("Open Telegram")
            href = link.get_attribute("href") or ""
            assert re.fullmatch(r"https://t\.me/acme_support_bot\?start=[A-Za-z0-9_-]{32}", href)
            popup.wait_for_url(href)
            assert opened == [href]
            # The token is a case token (of this visitor's own case), unused so far.
            start = href.partition("start=")[2]
            rows = run_django(env, TOKENS).strip().splitlines()
            assert f"{start} True True" in rows, rows
            assert not watch.csp, watch.csp
            assert not watch.crashes, watch.crashes
            assert not watch.errors, watch.errors
        finally:
            browser.close()
