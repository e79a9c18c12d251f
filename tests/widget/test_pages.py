"""The loader script, the chat frame and the demo page."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import translation

from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.widget.strings import FRAME_STRINGS

pytestmark = pytest.mark.django_db


def _json_script(html: str, element_id: str) -> dict:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no {element_id}"
    return json.loads(match.group(1))


def test_loader_is_cacheable_javascript_with_both_languages(client):
    response = client.get("/widget/loader.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age" in response["Cache-Control"] and "public" in response["Cache-Control"]
    body = response.content.decode()
    assert "/*BLOCKDESK_CONFIG*/null" not in body
    config = json.loads(body.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["css"].endswith("widget/launcher.css")
    assert set(config["strings"]) == {"en", "zh-hans"}
    assert config["strings"]["en"]["open"] == "Open chat"
    # Nothing in the loader writes inline styles or HTML.
    assert "innerHTML" not in body and 'setAttribute("style"' not in body
    again = client.get("/widget/loader.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_frame_sets_its_own_csp_and_may_be_framed(client, channel):
    response = client.get(f"/widget/frame/{channel.public_token}/?lang=en")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    csp = response["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self'")  # no origins listed: our pages only
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_frame_ancestors_follow_the_allowed_origins(client, channel):
    channel.allowed_origins = "https://exchange.example\nhttps://*.exchange.example bad;script-src"
    channel.save()
    csp = client.get(f"/widget/frame/{channel.public_token}/")["Content-Security-Policy"]
    ancestors = csp.split("frame-ancestors ", 1)[1]
    assert ancestors == "'self' https://exchange.example https://*.exchange.example"


def test_frame_has_no_inline_script_or_style_and_carries_strings(client, channel):
    html = client.get(f"/widget/frame/{channel.public_token}/?lang=en").content.decode()
    assert "style=" not in html
    assert re.findall(r"<script(?![^>]*(src=|application/json))", html) == []
    strings = _json_script(html, "bdw-strings")
    assert set(strings) == set(FRAME_STRINGS)
    config = _json_script(html, "bdw-config")
    assert config["token"] == channel.public_token
    assert config["api"] == f"/widget/api/{channel.public_token}/"
    assert config["ws"] == f"/ws/widget/{channel.public_token}/"
    assert config["lang"] == "en"


@pytest.mark.parametrize(
    ("param", "expected"), [("zh-hans", "zh-hans"), ("zh-CN", "zh-hans"), ("en-GB", "en")]
)
def test_frame_language_comes_from_the_loader(client, channel, param, expected):
    response = client.get(f"/widget/frame/{channel.public_token}/?lang={param}")
    html = response.content.decode()
    assert f'<html lang="{expected}">' in html
    assert response["Content-Language"] == expected
    assert _json_script(html, "bdw-config")["lang"] == expected
    with translation.override(expected):
        assert _json_script(html, "bdw-strings")["agent_typing"] == str(
            FRAME_STRINGS["agent_typing"]
        )


def test_frame_without_lang_follows_accept_language(client, channel):
    response = client.get(
        f"/widget/frame/{channel.public_token}/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    )
    assert '<html lang="zh-hans">' in response.content.decode()


def test_frame_escapes_the_inbox_texts(client, channel):
    channel.welcome_title = "<script>alert(1)</script>"
    channel.save()
    html = client.get(f"/widget/frame/{channel.public_token}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_frame_is_404(client, db):
    assert client.get("/widget/frame/not-a-real-token/").status_code == 404


def test_parent_origin_is_passed_only_when_it_is_an_origin(client, channel):
    url = f"/widget/frame/{channel.public_token}/"
    good = client.get(url, {"origin": "https://shop.example:8443"}).content.decode()
    assert _json_script(good, "bdw-config")["parent_origin"] == "https://shop.example:8443"
    bad = client.get(url, {"origin": "javascript:alert(1)"}).content.decode()
    assert _json_script(bad, "bdw-config")["parent_origin"] == ""


def test_demo_page_embeds_the_first_widget_with_one_tag(client, channel, account):
    do_create_web_widget_inbox(account=account, name="Second")
    response = client.get("/widget-demo/")
    assert response.status_code == 200
    html = response.content.decode()
    tags = re.findall(r"<script [^>]*data-blockdesk-inbox=\"([^\"]+)\"[^>]*>", html)
    assert tags == [channel.public_token]
    assert 'src="http://testserver/widget/loader.js"' in html
    # The snippet to copy is shown escaped, not executed.
    assert "&lt;script src=" in html
    assert "Content-Security-Policy" in response and "style=" not in html


def test_demo_page_without_a_widget_explains(client, db):
    response = client.get("/widget-demo/")
    assert response.status_code == 200
    assert "data-blockdesk-inbox" not in response.content.decode()
