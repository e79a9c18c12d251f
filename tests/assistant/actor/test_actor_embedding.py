"""The intent model and the KB search each embed a customer message (the search a
repaired form of it when it repairs a clipped or misspelt word): the actor has the shared
encoder embed both in one batch, and the same text once."""

from __future__ import annotations

from typing import Any

import pytest

from blockdesk.assistant import engine
from blockdesk.common.embeddings import get_embedder
from blockdesk.conversations.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def _encoder_batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    encoder = get_embedder("use-m3")
    batches: list[list[str]] = []
    inner_encode = encoder.inner.encode

    def counted(texts: Any) -> Any:
        batches.append(list(texts))
        return inner_encode(texts)

    monkeypatch.setattr(encoder.inner, "encode", counted)
    return batches


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        # A clipped word: search reads the repaired sentence, the model the message.
        ("I sent USDT on the wrong netw 7731", True),
        # Nothing to repair: one text, embedded once for both.
        ("How long does a withdrawal take? 5521", False),
    ],
)
def test_one_batch_feeds_the_model_and_the_search(
    assistant_channel, customer, monkeypatch, text, repaired
):
    batches = _encoder_batches(monkeypatch)
    customer.send(text)
    assert Message.objects.filter(sender_type="assistant").exists()
    with_message = [b for b in batches if text in b]
    assert len(with_message) == 1, batches
    if repaired:
        assert len(with_message[0]) == 2 and "network" in with_message[0][1]
    else:
        assert with_message[0] == [text]
    # Nothing embedded afterwards for the same message (the memo answered both).
    assert batches.index(with_message[0]) == len(batches) - 1


def test_nothing_is_embedded_ahead_without_a_model(assistant_channel, monkeypatch):
    calls: list[Any] = []
    monkeypatch.setattr(get_embedder("use-m3"), "encode", lambda texts: calls.append(texts))
    engine.embed_together(model=None, text="hello", account_id=assistant_channel.inbox.account_id)
    assert calls == []
