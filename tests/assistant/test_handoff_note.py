"""The note that briefs an agent when the assistant hands a case over: a summary read in
five seconds (what the customer wants, amounts, chain, tx, what was tried, mood) in the
agent's language, with the technical detail folded away in the console."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from blockdesk.assistant.handoff import NoteFacts, internal_note, short
from blockdesk.assistant.presenters import message_info
from blockdesk.conversations.models import Message

TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"


def facts(**overrides) -> NoteFacts:
    base = {
        "reason": "diagnosis_needs_agent",
        "wants": "a deposit sent on the wrong network",
        "out_of_scope": False,
        "entities": {
            "tx_hashes": [TX],
            "addresses": [],
            "amounts": ["500 USDT"],
            "chains": ["bsc"],
        },
        "offered": ["I sent my deposit on the wrong network"],
        "clarified": False,
        "diagnosis": "needs_agent",
        "mood": "angry",
        "customer_language": "en",
        "intent": "deposit-wrong-network",
        "confidence": 0.83,
        "alternatives": [
            {"intent": "deposit-wrong-network", "probability": 0.83},
            {"intent": "gas-native-token-needed", "probability": 0.0004},
            {"intent": "wallet-wrong-network", "probability": 0.0},
        ],
        "ranking": [{"key": "deposit-wrong-network", "score": 0.97}],
    }
    return NoteFacts(**{**base, **overrides})


def test_the_summary_reads_at_a_glance():
    summary, details = internal_note(facts(), language="en")
    lines = summary.splitlines()
    assert lines == [
        "Handed off: the transaction check needs a person.",
        "Wants: a deposit sent on the wrong network",
        "Details: 500 USDT · bsc · tx 0x5c50…2060",
        "Tried: offered the article “I sent my deposit on the wrong network”; checked the "
        "transaction on chain (it needs a person)",
        "Mood: angry or frustrated",
    ]
    # No debug log in the summary: candidates, scores and keys are folded away.
    assert "candidates" not in summary and "%" not in summary
    assert "gas-native-token-needed" not in summary
    assert "Intent: deposit-wrong-network, confidence 83%" in details
    assert "Other candidates: gas-native-token-needed (0.0%), wallet-wrong-network (0%)" in details
    assert "Articles ranked (intent model + search): deposit-wrong-network (97%)" in details
    assert "Customer language: en" in details
    assert any(TX in line for line in details)  # the full hash, for copying


def test_the_summary_in_chinese():
    summary, details = internal_note(
        facts(wants="充值时选错了网络（链）", customer_language="zh-hans"), language="zh-hans"
    )
    lines = summary.splitlines()
    assert lines[0].startswith("转人工：") and lines[0].endswith("。")
    assert lines[1] == "客户诉求：充值时选错了网络（链）"
    assert lines[2] == "关键信息：500 USDT · bsc · 交易 0x5c50…2060"
    assert lines[3] == (
        "已尝试：提供了文章《I sent my deposit on the wrong network》；"
        "查询了链上交易（需要人工处理）"
    )
    assert lines[4].startswith("客户情绪：")
    assert "客户语言：zh-hans" in details


def test_nothing_tried_and_nothing_understood():
    summary, _details = internal_note(
        facts(
            reason="out_of_scope",
            wants="",
            out_of_scope=True,
            entities={},
            offered=[],
            diagnosis="",
            mood="calm",
            alternatives=[],
            ranking=[],
        ),
        language="en",
    )
    assert summary.splitlines() == [
        "Handed off: the question is not covered by the help center.",
        "Wants: something the help center does not cover",
        "Tried: nothing yet",
        "Mood: calm",
    ]
    unclear, _ = internal_note(facts(wants="", out_of_scope=False), language="en")
    assert "Wants: unclear" in unclear


def test_a_clarifying_question_counts_as_tried():
    summary, _ = internal_note(facts(offered=[], diagnosis="", clarified=True), language="en")
    assert "Tried: asked a clarifying question" in summary


def test_hashes_and_addresses_are_shortened():
    assert short(TX) == "0x5c50…2060"
    assert short("TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE") == "TQn9Y2…bLSE"
    assert short("abc") == "abc"


def note_message(details: list[str]) -> Message:
    return Message(
        sender_type=Message.SenderType.ASSISTANT,
        is_private=True,
        content="Handed off: …",
        metadata={"assistant": {"kind": "handoff_note", "reason": "mood", "details": details}},
    )


def test_the_console_folds_the_details_and_escapes_them():
    message = note_message(["Intent: x", "Found in the message: <img src=x onerror=alert(1)>"])
    info = message_info(message)
    assert info is not None
    assert info["kind"] == "handoff_note" and info["details"][0] == "Intent: x"
    with translation.override("en"):
        html = render_to_string("assistant/_message_meta.html", {"m": message})
    assert "<details" in html and "<summary>Technical details</summary>" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "asst-wrong" not in html  # no correction control on a note


def test_other_private_messages_get_nothing():
    plain = note_message([])
    assert message_info(plain) is None
    other = Message(
        sender_type=Message.SenderType.ASSISTANT,
        is_private=True,
        content="x",
        metadata={"assistant": {"kind": "something_else", "details": ["a"]}},
    )
    assert message_info(other) is None
