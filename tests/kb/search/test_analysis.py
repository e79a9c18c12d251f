from __future__ import annotations

from blockdesk.kb.search.analysis import analyze, markdown_to_text


def test_chinese_is_segmented_with_crypto_words_kept_whole():
    terms = analyze("助记词泄露了怎么办")
    assert "助记词" in terms  # the default jieba dictionary splits it into 助记 + 词
    assert "泄露" in terms
    # Stop-words and particles are dropped.
    assert "了" not in terms and "怎么办" not in terms


def test_search_mode_also_emits_sub_words():
    terms = analyze("谷歌验证器")
    assert {"谷歌验证器", "验证器"} <= set(terms)


def test_english_is_lowercased_stemmed_and_stopwords_dropped():
    assert analyze("How do I make Withdrawals?") == ("make", "withdraw")
    assert analyze("withdrawal") == analyze("withdrawals") == analyze("Withdraw")
    assert analyze("the deposits are frozen") == ("deposit", "frozen")


def test_codes_stay_whole_and_fullwidth_is_normalised():
    assert analyze("ＵＳＤＴ-TRC20 2FA") == ("usdt", "trc20", "2fa")


def test_mixed_chinese_english():
    terms = analyze("USDT 充错链了")
    assert terms[0] == "usdt"
    assert "充错" in terms


def test_markdown_to_text_strips_markup():
    text = markdown_to_text("# Title\n\n- **Bold** item\n1. [link](https://x.example)\n> quote")
    assert "#" not in text and "*" not in text and "https" not in text
    assert "Bold item" in text and "link" in text and "quote" in text
