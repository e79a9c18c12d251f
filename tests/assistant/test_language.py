from __future__ import annotations

import pytest

from blockdesk.assistant.nlu.language import detect_language, has_cjk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my withdrawal is still pending", "en"),
        ("how do I reset 2FA?", "en"),
        ("我的提现还没到账", "zh-hans"),
        ("USDT 提现 pending", "zh-hans"),  # any ideograph decides between en and zh
        ("", "en"),  # undecidable: the first allowed language
        ("   ", "en"),
        ("12345", "en"),
    ],
)
def test_detect_language_en_zh(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_detection_is_restricted_to_allowed_languages() -> None:
    text = "je voudrais retirer mes bitcoins de mon compte"
    assert detect_language(text, allowed=("en", "zh-hans")) == "en"
    assert detect_language(text, allowed=("en", "fr", "zh-hans")) == "fr"


def test_codes_are_returned_as_configured() -> None:
    assert detect_language("我的账户被冻结了", allowed=("en", "zh-Hans")) == "zh-Hans"
    assert detect_language("anything", allowed=("zh-hans",)) == "zh-hans"


def test_cjk_without_chinese_configured_falls_back_to_detector() -> None:
    assert detect_language("我的账户", allowed=("en", "de")) in {"en", "de"}


def test_empty_allowed_is_an_error() -> None:
    with pytest.raises(ValueError):
        detect_language("hello", allowed=())


def test_has_cjk() -> None:
    assert has_cjk("提现")
    assert not has_cjk("withdrawal ＵＳＤＴ")
