"""The console shows the assistant's answer as rendered Markdown (nested list, table),
sanitised, while customers' and agents' messages stay plain text."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from blockdesk.conversations import services

pytestmark = pytest.mark.django_db

ANSWER = (
    "Check:\n\n1. The network\n   - TRC20\n   - ERC20\n2. The TXID\n\n"
    "| network | fee |\n|--|--:|\n| TRC20 | 1 USDT |\n\n<b>not bold</b>"
)


def test_console_renders_the_assistant_answer_and_keeps_people_plain(agent, channel, contact):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="- a\n  - <b>b</b>"
    ).message.conversation
    services.do_send_assistant_message(conversation=conv, content=ANSWER)
    client = Client()
    client.force_login(agent)
    html = client.get(f"/app/c/{conv.display_id}/").content.decode()
    rich = re.search(r'<div class="msg-body msg-rich">(.*?)</div>', html, re.S)
    assert rich is not None
    body = rich.group(1)
    assert re.search(r"<ol>\s*<li>The network\s*<ul>\s*<li>TRC20</li>", body)
    assert '<td align="right">1 USDT</td>' in body
    assert "&lt;b&gt;not bold&lt;/b&gt;" in body and "<b>" not in body
    # The customer's Markdown-looking text is shown as typed, escaped.
    assert "- a\n  - &lt;b&gt;b&lt;/b&gt;" in html
