"""Markdown rendering against the CommonMark / GFM specification examples that apply to
KB articles and chat answers (lists, code, tables), and on the starter articles."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from blockdesk.kb.markdown import (
    render_chat_markdown,
    render_markdown,
    sanitize_chat_html,
    sanitize_html,
)
from blockdesk.kb.search.content import load_documents

SPEC = json.loads((Path(__file__).parent / "data" / "commonmark_subset.json").read_text())
EXAMPLES = SPEC["examples"]


def ids(example: dict[str, str]) -> str:
    return f"{example['section']}: {example['markdown'][:30]!r}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[ids(e) for e in EXAMPLES])
def test_article_rendering_matches_the_spec(example):
    # Both sides go through the same sanitiser, so only its serialisation is shared.
    assert render_markdown(example["markdown"]) == sanitize_html(example["html"])


@pytest.mark.parametrize("example", EXAMPLES, ids=[ids(e) for e in EXAMPLES])
def test_chat_rendering_matches_the_spec(example):
    assert render_chat_markdown(example["markdown"]) == sanitize_chat_html(example["html"])


class _Nesting(HTMLParser):
    """Counts lists that sit inside a list item."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.nested = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("ul", "ol") and "li" in self.stack:
            self.nested += 1
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop() == tag:
                break


def nested_lists(html: str) -> int:
    parser = _Nesting()
    parser.feed(html)
    return parser.nested


def test_the_issue_example_renders_as_a_nested_list():
    html = render_markdown("Provide:\n- the coin\n  - and the network\n- the TXID\n")
    assert "<p>Provide:</p>" in html
    assert nested_lists(html) == 1
    assert "- the TXID" not in html


def test_starter_articles_render_their_nested_lists_nested():
    docs = [d for d in load_documents() if _indented_items(d.body)]
    assert len(docs) >= 8  # the starter KB has nested lists in both languages
    for doc in docs:
        html = render_markdown(doc.body, title=doc.title)
        assert nested_lists(html) >= 1, (doc.key, doc.language)
        # No list marker is left over as text at the start of a line.
        assert "\n- " not in html and "<p>- " not in html, (doc.key, doc.language)


def _indented_items(body: str) -> int:
    import re

    return len(re.findall(r"^ {2,4}(?:[-*+]|\d+[.)]) ", body, re.M))


def test_chat_answer_renders_lists_tables_and_code_and_escapes_html():
    answer = (
        "Check these:\n\n1. The network\n   - TRC20\n   - ERC20\n2. The TXID\n\n"
        "| network | fee |\n|:--|--:|\n| TRC20 | 1 USDT |\n\n"
        "Run `ping` <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
        "![x](https://cdn.example/x.png) [site](https://example.com) [bad](javascript:alert(3))"
    )
    html = render_chat_markdown(answer)
    assert nested_lists(html) == 1
    assert "<ol>" in html and "<table>" in html and '<td align="right">1 USDT</td>' in html
    assert "<code>ping</code>" in html
    # Raw HTML is text, not markup; no images; only safe links, opened without opener.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        "<script" not in html
        and "<img" not in html
        and "onerror=" not in html.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    )
    assert 'href="javascript' not in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>' in html
    # CSP-safe: no inline style or event handler attributes anywhere.
    assert "style=" not in html


def test_widget_messages_from_the_assistant_carry_rendered_html():
    from blockdesk.widget.serializers import with_signed_attachments

    content = "Steps:\n- one\n  - one.a\n\n<b>x</b>"
    data = with_signed_attachments(
        {"id": 1, "sender_type": "assistant", "content": content, "attachments": []}
    )
    assert nested_lists(data["content_html"]) == 1
    assert "&lt;b&gt;x&lt;/b&gt;" in data["content_html"]
    assert data["content"] == content  # the text stays for previews and old frames
    # People's messages stay text: only the assistant writes Markdown on purpose.
    for sender in ("contact", "agent", "system"):
        plain = with_signed_attachments(
            {"id": 2, "sender_type": sender, "content": content, "attachments": []}
        )
        assert "content_html" not in plain
