"""The pages that offer wallet sign-in: the chat frame's bar, the top-level sign-in page and
the help center's entry point. No inline script or style anywhere (strict CSP)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

INLINE_HANDLER = re.compile(r"\son[a-z]+=|\sstyle=", re.I)


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)  # type: ignore[return-value]


def _no_inline_code(html: str) -> None:
    for attrs, body in _scripts(html):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        if "src=" in attrs:
            assert not body.strip()
    assert not INLINE_HANDLER.search(html)


def test_frame_has_the_wallet_bar_and_its_strings(client: Client, channel):
    html = client.get(f"/widget/frame/{channel.public_token}/?lang=en").content.decode()
    assert 'id="bdw-wallet"' in html and 'id="bdw-wallet-signin"' in html
    assert f'data-api="/wallet/api/{channel.public_token}/"' in html
    assert f"/wallet/sign-in/?widget={channel.public_token}" in html
    strings = json.loads(
        re.search(r'<script id="bdw-wallet-strings"[^>]*>(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    )
    assert strings["sign_in"] == "Sign in with wallet" and strings["explanation"]
    assert "wallet_auth/wallet.css" in html
    _no_inline_code(html)


def test_sign_in_page(client: Client, channel):
    response = client.get(
        "/wallet/sign-in/", {"widget": channel.public_token, "next": "/help/en/", "lang": "en"}
    )
    assert response.status_code == 200
    # The widget's popup must keep window.opener even when the widget is on another site.
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    config = json.loads(
        re.search(r'<script id="wsi-config"[^>]*>(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    )
    assert config["api"] == f"/wallet/api/{channel.public_token}/"
    assert config["store_prefix"] == f"blockdesk:{channel.public_token}:"
    assert config["next"] == "/help/en/"
    assert "This does not send a transaction" in html  # the English statement, shown as is
    _no_inline_code(html)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_sign_in_page_only_returns_to_our_own_pages(client: Client, channel, target):
    html = client.get("/wallet/sign-in/", {"widget": channel.public_token, "next": target})
    config = json.loads(
        re.search(
            r'<script id="wsi-config"[^>]*>(.*?)</script>', html.content.decode(), re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert config["next"] == ""


def test_sign_in_page_speaks_chinese(client: Client, channel):
    response = client.get("/wallet/sign-in/", {"widget": channel.public_token, "lang": "zh-CN"})
    assert response["Content-Language"] == "zh-hans"


def test_sign_in_page_for_an_unknown_widget_is_404(client: Client):
    assert client.get("/wallet/sign-in/", {"widget": "nope"}).status_code == 404
    assert client.get("/wallet/sign-in/").status_code == 404


def test_help_center_offers_wallet_sign_in(client: Client, channel, agent):
    from blockdesk.kb import selectors as kb_selectors

    if kb_selectors.help_center_account() is None:
        pytest.skip("no help center account")
    html = client.get("/help/en/").content.decode()
    assert "data-wallet-signin" in html and "wallet_auth/help-entry.js" in html
    assert f"/wallet/sign-in/?widget={channel.public_token}" in html
    assert "next=/help/en/" in html.replace("%2F", "/")
    _no_inline_code(html)
