"""Wallet sign-in in a real Chromium with a fake injected wallet (EIP-1193) whose
`personal_sign` is answered by eth-account in this process. Covers the in-frame flow on
two devices (the second one sees the first one's conversation) and the popup flow for
wallets that only reach top-level pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from tests.conftest import require_or_skip
from tests.support.live_server import LiveServer, live_server, migrate, run_django, server_env

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
WAIT_MS = 15_000
SEED = """
import json
from blockdesk.accounts.models import Account
from blockdesk.connectors.services import do_create_web_widget_inbox
account = Account.objects.create(name="Wallet Exchange")
channel = do_create_web_widget_inbox(account=account, name="Website", members=[])
print(json.dumps({"token": channel.public_token}))
"""
# Runs before the pages' scripts (DevTools, so the page CSP does not apply to it).
FAKE_WALLET = """
(function () {
  var cfg = %s;
  if (cfg.topOnly && window.top !== window) { return; }
  window.ethereum = {
    request: function (args) {
      if (args.method === "eth_requestAccounts" || args.method === "eth_accounts") {
        return Promise.resolve([cfg.address]);
      }
      if (args.method === "eth_chainId") { return Promise.resolve("0x1"); }
      if (args.method === "personal_sign") {
        return window.bdTestSign(args.params[0], args.params[1]);
      }
      var err = new Error("unsupported"); err.code = 4200; return Promise.reject(err);
    }
  };
})();
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("wallet-browser")
    env = server_env(database_url=f"sqlite:///{data_dir / 'wallet.sqlite3'}", data_dir=data_dir)
    migrate(env)
    token = json.loads(run_django(env, SEED).strip().splitlines()[-1])["token"]
    with live_server(env) as live:
        yield live, token


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


def _device(browser: Any, origin: str, key: LocalAccount, *, top_only: bool = False) -> Any:
    ctx = browser.new_context(base_url=origin, locale="en-US")
    ctx.set_default_timeout(WAIT_MS)
    signed: list[str] = []

    def sign(data_hex: str, address: str) -> str:
        assert address.lower() == key.address.lower()
        text = bytes.fromhex(data_hex[2:]).decode()
        signed.append(text)
        return "0x" + key.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")

    ctx.expose_function("bdTestSign", sign)
    ctx.add_init_script(FAKE_WALLET % json.dumps({"address": key.address, "topOnly": top_only}))
    ctx.signed = signed  # type: ignore[attr-defined]
    return ctx


def test_two_devices_sign_in_in_the_frame_and_share_conversations(server, browser) -> None:
    from playwright.sync_api import expect

    live, _token = server
    key = Account.create()
    short = key.address[:6] + "\u2026" + key.address[-4:]

    one = _device(browser, live.origin, key)
    page = one.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/widget-demo/")
    page.locator("button.bd-launcher").click()
    frame = page.frame_locator("iframe.bd-frame")
    frame.locator("#bdw-input").fill("Where is my USDT deposit?")
    frame.locator("#bdw-input").press("Enter")
    expect(frame.locator(".bdw-msg.bdw-mine[data-id]")).to_have_count(1)
    frame.locator("#bdw-wallet-signin").click()
    expect(frame.locator("#bdw-wallet-address")).to_have_text(short)
    expect(frame.locator("#bdw-wallet-status")).to_contain_text("Signed in with wallet")
    assert one.signed and "testserver" not in one.signed[0]
    assert one.signed[0].startswith("127.0.0.1:")  # the domain the page is served from

    two = _device(browser, live.origin, key)
    other = two.new_page()
    other.on("pageerror", lambda exc: errors.append(str(exc)))
    other.goto("/widget-demo/")
    other.locator("button.bd-launcher").click()
    frame2 = other.frame_locator("iframe.bd-frame")
    frame2.locator("#bdw-wallet-signin").click()
    expect(frame2.locator("#bdw-wallet-address")).to_have_text(short)
    # The other device now shows the first device's conversation.
    expect(frame2.locator(".bdw-text", has_text="Where is my USDT deposit?")).to_be_visible()

    frame2.locator("#bdw-wallet-signout").click()
    expect(frame2.locator("#bdw-wallet-signin")).to_be_visible()
    expect(frame2.locator(".bdw-text", has_text="Where is my USDT deposit?")).to_have_count(0)
    assert not errors, errors
    one.close()
    two.close()


def test_popup_sign_in_when_the_wallet_only_reaches_top_level_pages(server, browser) -> None:
    from playwright.sync_api import expect

    live, _token = server
    key = Account.create()
    ctx = _device(browser, live.origin, key, top_only=True)
    page = ctx.new_page()
    page.goto("/widget-demo/")
    page.locator("button.bd-launcher").click()
    frame = page.frame_locator("iframe.bd-frame")
    expect(frame.locator("#bdw-wallet-signin")).to_be_visible()
    page.wait_for_timeout(600)  # provider discovery in the frame finds nothing
    with ctx.expect_page() as popup_info:
        frame.locator("#bdw-wallet-signin").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    expect(popup.locator("#wsi-go")).to_be_enabled()
    popup.locator("#wsi-go").click()
    # The frame hears from the popup (postMessage to its opener) and shows the address.
    expect(frame.locator("#bdw-wallet-address")).to_have_text(
        key.address[:6] + "\u2026" + key.address[-4:]
    )
    ctx.close()
