"""An assistant answer with a nested list, a table and code, rendered by the chat
frame's assistant module in Chromium under a strict CSP: real lists and tables, raw HTML
shown as text, no CSP violation. The page and the static modules are served through
Playwright's request routing (no server needed); the HTML is what the widget serializer
sends (kb.markdown.render_chat_markdown)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blockdesk.kb.markdown import render_chat_markdown
from tests.conftest import require_or_skip

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
STATIC = Path(__file__).resolve().parents[2] / "src" / "blockdesk" / "static"
ORIGIN = "http://chat.test"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'"

ANSWER = (
    "Check these:\n\n1. The network\n   - TRC20\n   - ERC20\n2. The TXID\n\n"
    "| network | fee |\n|:--|--:|\n| TRC20 | 1 USDT |\n\n"
    'Run `ping` <script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2">\n\n'
    "[site](https://example.com) [bad](javascript:window.pwned=3)\n\n"
    "Read the full article: Wrong network https://help.example/a/ `https://not.a/link`"
)

HARNESS = """
import { createAssistant } from "/static/assistant/widget.js";
window.violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.violations.push(e.violatedDirective);
});
var m = JSON.parse(document.getElementById("message").textContent);
var assistant = createAssistant({
  token: "", strings: {}, catchUp: null,
  session: function () { return Promise.resolve(); },
  isClosed: function () { return false; }
});
var node = document.createElement("div");
node.className = "bdw-msg";
var text = document.createElement("div");
text.className = "bdw-text";
text.textContent = m.content;
node.appendChild(text);
var meta = document.createElement("div");
meta.className = "bdw-meta";
node.appendChild(meta);
document.getElementById("out").appendChild(assistant.decorate(node, m));
window.rendered = true;
"""


def page_html(message: dict[str, object]) -> str:
    data = json.dumps(message).replace("<", "\\u003c")
    return (
        "<!doctype html><html><head>"
        '<link rel="stylesheet" href="/static/widget/frame.css">'
        '<link rel="stylesheet" href="/static/assistant/widget.css">'
        '<script type="application/json" id="bdw-assistant">{"endpoint": "/assistant/"}</script>'
        f'<script type="application/json" id="message">{data}</script>'
        '<script type="module" src="/harness.js"></script>'
        '</head><body><div id="out"></div></body></html>'
    )


def test_answer_renders_as_lists_and_tables_under_a_strict_csp():
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    from playwright.sync_api import Route, sync_playwright

    message = {
        "id": 7,
        "conversation_id": 1,
        "sender_type": "assistant",
        "mine": False,
        "content": ANSWER,
        "content_html": render_chat_markdown(ANSWER),
        "metadata": {},
    }

    def serve(route: Route) -> None:
        path = route.request.url[len(ORIGIN) :].split("?")[0]
        headers = {"Content-Security-Policy": CSP}
        if path == "/":
            route.fulfill(body=page_html(message), content_type="text/html", headers=headers)
        elif path == "/harness.js":
            route.fulfill(body=HARNESS, content_type="text/javascript", headers=headers)
        elif path.startswith("/static/") and ".." not in path:
            file = STATIC / path[len("/static/") :]
            kind = "text/css" if file.suffix == ".css" else "text/javascript"
            if file.is_file():
                route.fulfill(body=file.read_text(), content_type=kind, headers=headers)
            else:
                route.fulfill(status=404, body="")
        else:
            route.fulfill(status=404, body="")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", serve)
            page.goto(ORIGIN + "/")
            page.wait_for_function("window.rendered === true", timeout=10_000)
            text = page.locator(".bdw-text")
            assert text.evaluate("n => n.classList.contains('bdw-rich')")
            # Nested list: the bullets live inside the first numbered item.
            assert page.locator(".bdw-text ol > li").count() == 2
            assert page.locator(".bdw-text ol > li:first-child > ul > li").count() == 2
            assert page.locator(".bdw-text table td").all_inner_texts() == ["TRC20", "1 USDT"]
            assert page.locator(".bdw-text td[align=right]").count() == 1
            assert page.locator(".bdw-text code").first.inner_text() == "ping"
            # Raw HTML arrives as text; nothing ran, no image element was made.
            assert "<script>window.pwned = 1</script>" in text.inner_text()
            assert page.locator(".bdw-text script, .bdw-text img").count() == 0
            assert page.evaluate("window.pwned") is None
            links = page.locator(".bdw-text a")
            # The Markdown link and the bare URL (linked like in plain messages); not the
            # javascript: one, not the URL inside code.
            assert links.count() == 2
            assert links.nth(0).get_attribute("href") == "https://example.com"
            assert links.nth(0).get_attribute("rel") == "noopener noreferrer nofollow"
            assert links.nth(1).get_attribute("href") == "https://help.example/a/"
            assert page.evaluate("window.violations") == []
        finally:
            browser.close()
