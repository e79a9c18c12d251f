"""Mentions and DM events normalised by plain functions, from X's documented examples."""

from __future__ import annotations

from blockdesk.connectors.x.inbound import parse_dm_events, parse_mentions
from blockdesk.connectors.x.outbound import post_parts

from .conftest import OWN_ID, payload


def test_a_mention_names_its_author() -> None:
    (item,) = parse_mentions(payload("mentions"), own_id=OWN_ID)
    assert (item.kind, item.id, item.author_id, item.username, item.name) == (
        "mention",
        "1301573587187331074",
        "1234567890",
        "developer",
        "Dev Person",
    )
    assert "deposit" in item.text


def test_our_own_posts_and_old_dm_events_are_left_out() -> None:
    assert parse_mentions(payload("mentions"), own_id="1234567890") == []
    (item,) = parse_dm_events(payload("dm_events"), own_id=OWN_ID, after_id="")
    assert (item.kind, item.id, item.author_id, item.username) == (
        "dm",
        "1234567890",
        "9876543210",
        "customer",
    )
    assert parse_dm_events(payload("dm_events"), own_id=OWN_ID, after_id="1234567890") == []
    assert parse_dm_events(payload("dm_events"), own_id="9876543210", after_id="") == []


def test_a_long_reply_is_a_numbered_thread_and_cjk_counts_double() -> None:
    assert post_parts("short", allow_thread=True) == ["short"]
    parts = post_parts("word " * 120, allow_thread=True)
    assert len(parts) == 3 and all(len(p) <= 280 for p in parts)
    assert parts[0].endswith(" 1/3") and parts[-1].endswith(" 3/3")
    chinese = post_parts("您好，您的提现已经处理完毕。" * 12, allow_thread=True)
    assert all(len(p) <= 140 for p in chinese) and len(chinese) == 2
