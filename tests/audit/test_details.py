"""The audit log's one-line detail: from the payload, never a message's text, never a crash
on a payload of an older shape."""

from __future__ import annotations

from blockdesk.audit.details import MAX_DETAIL, summarise


def test_known_types() -> None:
    facts = {"number": 12}
    assert (
        summarise(
            "conversation.status_changed",
            {"conversation": facts, "old": "open", "new": "resolved"},
            agents={},
        )
        == "#12 open → resolved"
    )
    assert (
        summarise(
            "conversation.assigned",
            {"conversation": facts, "old_assignee_id": None, "new_assignee_id": 5},
            agents={5: "Alice"},
        )
        == "#12 nobody → Alice"
    )
    assert (
        summarise(
            "conversation.tags_changed",
            {"conversation": facts, "old": ["a", "b"], "new": ["b", "c"]},
            agents={},
        )
        == "#12 +c −a"
    )
    assert (
        summarise("account.two_factor_requirement_changed", {"required": True}, agents={})
        == "required"
    )


def test_a_message_says_who_wrote_never_what() -> None:
    payload = {
        "id": 1,
        "conversation_id": 2,
        "sender": {"kind": "contact", "id": 3},
        "private": False,
        "content": "my seed is hidden",
        "attachments": [{}, {}],
    }
    text = summarise("message.created", payload, agents={})
    assert "seed" not in text
    assert text == "message (Contact) · 2 files"


def test_other_types_and_odd_payloads() -> None:
    assert (
        summarise(
            "chain.changed", {"old": 1, "new": 2, "chain_id": 56, "rpc": ["a", "b"]}, agents={}
        )
        == "1 → 2; chain_id: 56; rpc: a, b"
    )
    # A payload of an older shape: still a line, no exception.
    assert summarise("conversation.tags_changed", {"old": 5, "new": None}, agents={}) == "5 → —"
    long = summarise("future.thing", {"note": "x\n" * 500}, agents={})
    assert "\n" not in long and len(long) <= MAX_DETAIL
