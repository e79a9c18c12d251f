"""The channel contract's shared parts: splitting long text, refusing it where a channel
cannot split, the registry-driven choice of which channels deliver by task."""

from __future__ import annotations

from typing import ClassVar

import pytest

from blockdesk.connectors.contract import MessageTooLong, split_text
from blockdesk.connectors.models import BaseChannel, WebWidgetChannel


def test_split_text_cuts_at_paragraphs_lines_or_words_and_keeps_everything():
    text = "First paragraph here.\n\nSecond one is a bit longer than that.\nThird line words"
    parts = split_text(text, 40)
    assert all(len(p) <= 40 for p in parts)
    assert parts[0] == "First paragraph here."
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_split_text_hard_cuts_a_word_longer_than_the_limit():
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


class _Strict:
    """A channel kind's class attributes, without a model (no table for a test kind)."""

    max_length: ClassVar[int] = 10
    split_long: ClassVar[bool] = False
    render_markup = BaseChannel.render_markup
    format_outbound = BaseChannel.format_outbound


def test_a_channel_that_cannot_split_refuses_clearly_and_one_that_can_splits():
    channel = _Strict()
    assert channel.format_outbound("short") == ["short"]  # type: ignore[arg-type]
    with pytest.raises(MessageTooLong, match="10 characters"):
        channel.format_outbound("much longer than ten")  # type: ignore[arg-type]
    channel.split_long = True  # type: ignore[misc]
    assert channel.format_outbound("abcdef ghij klm") == ["abcdef", "ghij klm"]  # type: ignore[arg-type]


def test_the_widget_delivers_live_and_email_by_task():
    from blockdesk.connectors.email.models import EmailChannel

    assert WebWidgetChannel.delivers_by_task is False
    assert EmailChannel.delivers_by_task is True
    assert BaseChannel.max_length == 0
