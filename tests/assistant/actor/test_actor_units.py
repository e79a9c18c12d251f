"""The assistant's small parts: cues (person, sensitive, mood, yes/no), extractive
answers, business hours, phrases."""

from __future__ import annotations

import datetime as dt

import pytest

from blockdesk.assistant import cues
from blockdesk.assistant.answer import Article, extractive_answer, first_steps, plain
from blockdesk.assistant.handoff import customer_message, in_business_hours, next_opening
from blockdesk.assistant.models import AssistantSettings
from blockdesk.assistant.models.settings import DEFAULT_HANDOFF_KEYWORDS
from blockdesk.assistant.phrases import phrase


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "我要找人工客服",
        "can I talk to a human?",
        "Agent please",
        "real person pls",
        "转人工 please",
    ],
)
def test_requests_for_a_person(text):
    assert cues.asks_for_person(text, DEFAULT_HANDOFF_KEYWORDS)


@pytest.mark.parametrize(
    "text", ["my withdrawal is pending", "human-readable address?", "user agent string"]
)
def test_not_requests_for_a_person(text):
    # "agent" inside "user agent" is a known, accepted false positive of the word list;
    # the hyphenated "human-readable" is not a request.
    hit = cues.asks_for_person(text, DEFAULT_HANDOFF_KEYWORDS)
    assert hit is None or text == "user agent string"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("my account was hacked", "account_compromised"),
        ("我的账号被盗了", "account_compromised"),
        ("someone stole my USDT", "funds_stolen_or_missing"),
        ("all my funds are gone from my account", "funds_stolen_or_missing"),
        ("我的币不见了", "funds_stolen_or_missing"),
        ("I will contact my lawyer", "legal_threat"),
        ("我要报警", "legal_threat"),
        ("a guy on Telegram said he was from support", "impersonation"),
        ("Someone claiming to be 客服 asked for my seed phrase", "impersonation"),
        ("fake support DMed me on Discord", "impersonation"),
        ("有人冒充客服加我微信", "impersonation"),
        ("对方让我提供一下助记词", "impersonation"),
        ("I'm locked out and can't log in", "lost_access"),
        ("账户登不上了", "lost_access"),
    ],
)
def test_sensitive_cases(text, reason):
    assert cues.sensitive_reason(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "my deposit has not arrived",
        "how do I reset 2FA",
        "充值没有到账",
        "what is a seed phrase",
        # Questions about phishing are answered from the articles, not handed off.
        "Where can I set up an anti-phishing code?",
        "防钓鱼码在哪里设置？",
        "怎么确认这个电报群是不是官方的？",
        "how do I reset my password?",
    ],
)
def test_ordinary_questions_are_not_sensitive(text):
    assert cues.sensitive_reason(text) is None


def test_mood():
    assert cues.mood("where is my withdrawal?").label == "calm"
    assert cues.mood("WHERE IS MY MONEY, THIS TAKES FOREVER").label == "angry"
    assert cues.mood("this is ridiculous").label == "angry"
    assert cues.mood("why?!?!").label == "angry"
    assert cues.mood("你们是骗子吧，什么破平台").label == "angry"
    assert cues.mood("please help, it's my life savings").label == "distressed"
    assert cues.mood("急死了，救命").label == "distressed"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("yes thanks!", True),
        ("解决了，谢谢", True),
        ("no", False),
        ("didn't help", False),
        ("还是没到账", False),
        ("what about my deposit, which I sent on TRON yesterday evening?", None),
    ],
)
def test_confirmation(text, said):
    assert cues.confirmation(text) is said


BODY = """Intro.

## What you can do

1. **Check the network** you used. Open the [explorer](https://example.com).
   More detail on the next line.
2. Wait for `12` confirmations.
   - nested item
3. Submit a request.
4. Fourth step.

## Later
"""


def test_first_steps_and_plain():
    assert first_steps(BODY) == [
        "Check the network you used. Open the explorer.",
        "Wait for 12 confirmations.",
        "Submit a request.",
    ]
    assert plain("**bold** and [a link](http://x)") == "bold and a link"


def test_extractive_answer_quotes_the_article_and_links_it():
    article = Article("k", "en", "Title", "The *summary*.", BODY, "https://help.example.com/a/")
    answer = extractive_answer(article, language="en")
    assert answer.text.startswith("The summary.")
    assert "1. Check the network you used." in answer.text
    assert "https://help.example.com/a/" in answer.text
    assert answer.text.endswith("Did this solve it?")
    assert not answer.fallback_language
    other = extractive_answer(article, language="zh-hans")
    assert other.fallback_language and other.text.startswith("（这篇文章暂时没有")
    assert (
        "Check the network" not in extractive_answer(article, language="en", detail="summary").text
    )


def test_business_hours_and_next_opening():
    config = AssistantSettings(
        business_timezone="Asia/Shanghai",
        business_days=[0, 1, 2, 3, 4],
        business_start=dt.time(9),
        business_end=dt.time(18),
    )
    monday_10_shanghai = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    saturday = dt.datetime(2026, 11, 28, 4, 0, tzinfo=dt.UTC)
    assert in_business_hours(config, monday_10_shanghai)
    assert not in_business_hours(config, saturday)
    opening = next_opening(config, saturday)
    assert opening is not None and opening.isoformat().startswith("2026-11-30T09:00")
    text = customer_message(config, language="en", sensitive=False, now=saturday)
    assert "2026-11-30 09:00" in text and "Asia/Shanghai" in text
    zh = customer_message(config, language="zh-hans", sensitive=False, now=saturday)
    assert "工作时间" in zh
    config.out_of_hours_message = {"en": "We're closed; back Monday."}
    assert customer_message(config, language="en", sensitive=False, now=saturday) == (
        "We're closed; back Monday."
    )
    assert "member of our team" in customer_message(
        config, language="en", sensitive=False, now=monday_10_shanghai
    )


def test_phrases_in_both_languages_never_ask_for_secrets():
    from blockdesk.assistant.phrases import PHRASES
    from blockdesk.safety import scan_outbound

    for key in PHRASES:
        for language in ("en", "zh-hans"):
            text = phrase(
                key, language, title="T", url="https://x", when="w", tz="UTC", first="A", second="B"
            )
            assert not scan_outbound(text).blocked, (key, language)
    assert phrase("did_it_help", "zh-hans") == "这解决了您的问题吗？"
