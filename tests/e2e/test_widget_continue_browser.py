"""Headless Chromium: the widget's "Continue on Telegram" button opens the bot's deep link
with a fresh link token, and a case of the customer's on another channel (email) opens
read-only from the conversation list — under the frame's strict CSP (no inline script),
with no console error. t.me is answered by the test (no network here)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_or_skip
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, CSP_PROBE, WAIT_MS, Watch
from tests.support.live_server import LiveServer, live_server, migrate, run_django, server_env

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.embedded_only]

SEED = """
from blockdesk.accounts.models import Account
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.connectors.telegram.models import TelegramChannel
from blockdesk.conversations.models import Inbox
account = Account.objects.create(name="Browser Exchange")
widget = do_create_web_widget_inbox(account=account, name="Website")
inbox = Inbox.objects.create(account=account, name="Telegram", channel_kind="telegram")
TelegramChannel.objects.create(inbox=inbox, bot_token="1:x", bot_username="acme_support_bot")
print(widget.public_token)
"""

EMAIL_CASE = """
from blockdesk.connectors.email.services import do_create_email_inbox
from blockdesk.conversations import services
from blockdesk.accounts.models import Account
from blockdesk.conversations.models import Contact
account = Account.objects.get(name="Browser Exchange")
mail = do_create_email_inbox(account=account, name="Mail", from_address="help@example.com")
contact = Contact.objects.get(account=account, identities__kind="web_visitor")
conv = services.do_create_conversation(inbox=mail.inbox, contact=contact)
services.do_send_contact_message(
    contact=contact, inbox=mail.inbox, conversation=conv, content="%s"
)
print(conv.pk)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str, dict]]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("continue")
    env = server_env(database_url=f"sqlite:///{data_dir / 'continue.sqlite3'}", data_dir=data_dir)
    migrate(env)
    token = run_django(env, SEED).strip().splitlines()[-1]
    with live_server(env) as live:
        yield live, token, env


def test_continue_on_telegram_and_an_email_case_read_only(server: Any) -> None:
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
            page.fill("#bdw-input", "hello from the browser")
            page.press("#bdw-input", "Enter")
            expect(page.locator(".bdw-msg.bdw-mine[data-id]")).to_have_count(1)
            page.click("#bdw-back")
            button = page.locator(".bdw-continue-button[data-kind=telegram]")
            expect(button).to_have_text("Continue on Telegram")
            with ctx.expect_page() as popup_info:
                button.click()
            popup = popup_info.value
            link = page.locator("a.bdw-continue-open[data-kind=telegram]")
            expect(link).to_have_text("Open Telegram")
            href = link.get_attribute("href") or ""
            assert re.fullmatch(r"https://t\.me/acme_support_bot\?start=[A-Za-z0-9_-]{38}", href)
            # The window opened during the click goes to the link once the token is here.
            popup.wait_for_url(href)
            assert opened == [href]

            # An email case of the same customer: listed, opened read-only.
            text = f"my deposit by email {uuid.uuid4().hex[:6]}"
            run_django(env, EMAIL_CASE % text)
            page.reload()
            page.click("#bdw-back")
            item = page.locator(".bdw-elsewhere[data-channel=email] button.bdw-item")
            expect(item).to_contain_text("Continues on Email")
            item.click()
            view = page.locator("#bdw-elsewhere-view")
            expect(view.locator(".bdw-text", has_text=text)).to_be_visible()
            expect(page.locator("[data-testid=elsewhere-readonly]")).to_contain_text(
                "continues by Email"
            )
            expect(page.locator("#bdw-composer")).to_be_hidden()
            page.click("#bdw-elsewhere-back")
            expect(page.locator("#bdw-list-view")).to_be_visible()
            assert not watch.csp, watch.csp
            assert not watch.crashes, watch.crashes
            assert not watch.errors, watch.errors
        finally:
            browser.close()
