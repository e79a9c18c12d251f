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


def test_a_flood_group_goes_through_the_encoder_in_one_batch(
    assistant_channel, settings, monkeypatch
):
    """A task of several customer messages (tasks.handle_customer_messages) embeds all of
    them, and the search's repaired forms, in one batch before answering any; answering
    them then embeds nothing of theirs again."""
    from blockdesk.assistant import tasks
    from tests.widget.conftest import Visitor

    settings.EVENT_INLINE_CONSUMERS = ()  # the messages wait for the task below
    texts = [
        "I sent USDT on the wrong netw 4410",
        "How long does a withdrawal take? 4411",
        "I sent USDT on the wrong network 4412",
    ]
    for n, text in enumerate(texts):
        Visitor(assistant_channel, ip=f"203.0.113.{20 + n}").start().send(text)
    ids = list(
        Message.objects.filter(sender_type="contact", content__in=texts)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(ids) == 3 and not Message.objects.filter(sender_type="assistant").exists()
    batches = _encoder_batches(monkeypatch)

    done = tasks.handle_customer_messages.call(ids)

    assert sum(done.values()) == 3 and "failed" not in done
    assert Message.objects.filter(sender_type="assistant", is_private=False).count() >= 3
    with_texts = [b for b in batches if any(t in b for t in texts)]
    assert len(with_texts) == 1, batches
    assert all(t in with_texts[0] for t in texts)
    assert any("network" in t and "4410" in t for t in with_texts[0] if t not in texts)


def test_a_failing_preparation_costs_the_group_nothing(
    assistant_channel, settings, monkeypatch, caplog
):
    """prepare_ahead is a saving only: an encoder that breaks there is logged, and each
    message is still handled (the actor meets the failure alone and acts on it)."""
    from blockdesk.assistant import tasks
    from tests.widget.conftest import Visitor

    settings.EVENT_INLINE_CONSUMERS = ()
    texts = ["How long does a withdrawal take? 5601", "How long does a withdrawal take? 5602"]
    for n, text in enumerate(texts):
        Visitor(assistant_channel, ip=f"203.0.113.{40 + n}").start().send(text)
    ids = list(
        Message.objects.filter(sender_type="contact", content__in=texts).values_list(
            "pk", flat=True
        )
    )
    calls: list[int] = []
    real = engine.get_model

    def breaks_once(account_id: int) -> Any:
        calls.append(account_id)
        if len(calls) == 1:
            raise RuntimeError("model file unreadable")
        return real(account_id)

    monkeypatch.setattr(engine, "get_model", breaks_once)
    done = tasks.handle_customer_messages.call(ids)
    assert "preparing a group of messages ahead failed" in caplog.text
    assert sum(done.values()) == 2 and "failed" not in done
    assert Message.objects.filter(sender_type="assistant", is_private=False).count() >= 2
