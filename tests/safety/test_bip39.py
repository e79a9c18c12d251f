"""Seed-phrase detection: every BIP-39 vector, the text forms customers paste them in,
partial runs, and prose that must stay quiet."""

from __future__ import annotations

import random
import unicodedata

import pytest
from mnemonic import Mnemonic

from blockdesk.safety import SecretKind, bip39, scan_inbound
from blockdesk.safety.bip39 import checksum_valid, find_mnemonics, is_valid_mnemonic, languages

from ._support import load_json, load_json_or_empty

VECTORS = load_json_or_empty("bip39/vectors.json") or {}
CASES = [
    pytest.param(language, entry[1], id=f"{language}-{index}")
    for language, entries in VECTORS.items()
    for index, entry in enumerate(entries)
]
CHINESE = {"chinese_simplified", "chinese_traditional"}
MARKER = "[REDACTED SEED PHRASE]"


def assert_seed_redacted(text: str, phrase: str, language: str | None = None) -> None:
    result = scan_inbound(text)
    seeds = [f for f in result.findings if f.kind is SecretKind.SEED_PHRASE]
    assert len(seeds) == 1, (result.findings, text)
    finding = seeds[0]
    start = text.index(phrase)
    assert finding.start <= start and finding.end >= start + len(phrase)
    assert finding.checksum_valid is True
    if language is not None:
        expected = CHINESE if language in CHINESE else {language}
        assert finding.language in expected
    assert result.redacted_text.count(MARKER) == 1
    assert phrase not in result.redacted_text
    # Whatever the span ate beyond the phrase is template text, not seed words.
    assert finding.end - finding.start - len(phrase) <= len(" please help")


def test_all_288_vectors_present() -> None:
    vectors = load_json("bip39/vectors.json")
    assert sum(len(entries) for entries in vectors.values()) == 288
    assert set(vectors) <= set(languages())


@pytest.mark.parametrize(("language", "phrase"), CASES)
def test_vector_in_a_message_is_caught_and_redacted(language: str, phrase: str) -> None:
    assert_seed_redacted(f"hi my wallet words are: {phrase} please help", phrase, language)


@pytest.mark.parametrize(("language", "phrase"), CASES)
def test_vector_in_nfc_and_upper_case(language: str, phrase: str) -> None:
    nfc = unicodedata.normalize("NFC", phrase)
    assert_seed_redacted(f"My seed:\n{nfc}\nThanks", nfc, language)
    upper = phrase.upper()
    assert_seed_redacted(f"My seed:\n{upper}\nThanks", upper)


@pytest.mark.parametrize(("language", "phrase"), CASES)
def test_vector_as_a_numbered_list(language: str, phrase: str) -> None:
    words = phrase.split()
    numbered = "\n".join(f"{i}. {word}" for i, word in enumerate(words, 1))
    result = scan_inbound(f"backup sheet:\n{numbered}\n\nwhat now?")
    assert result.kinds == {SecretKind.SEED_PHRASE}
    redacted = result.redacted_text
    assert all(f". {word}" not in redacted for word in words)


def test_japanese_with_ideographic_or_ascii_spaces() -> None:
    phrase = VECTORS["japanese"][5][1] if VECTORS else Mnemonic("japanese").to_mnemonic(bytes(16))
    assert "\u3000" in phrase
    assert_seed_redacted(f"ウォレットの単語：{phrase}。助けて", phrase, "japanese")
    spaced = phrase.replace("\u3000", " ")
    assert_seed_redacted(f"ウォレットの単語：{spaced}。助けて", spaced, "japanese")


@pytest.mark.parametrize("language", sorted(CHINESE))
def test_chinese_vectors_without_spaces(language: str) -> None:
    entries = load_json("bip39/vectors.json")[language]
    for entry in entries:
        phrase = entry[1].replace(" ", "")
        assert_seed_redacted(f"我的助记词是：{phrase}。请帮帮我", phrase, language)


@pytest.mark.parametrize("language", sorted(CHINESE))
def test_random_unspaced_chinese_seeds(language: str) -> None:
    rng = random.Random(20240601)
    generator = Mnemonic(language)
    missed = 0
    for _ in range(300):
        phrase = generator.to_mnemonic(rng.randbytes(rng.choice([16, 20, 24, 28, 32])))
        if not scan_inbound(f"看这个 {phrase.replace(' ', '')} 谢谢").has_secrets:
            missed += 1
    assert missed <= 3  # the prose filter costs ~0.2% of real unspaced seeds


@pytest.mark.parametrize("language", sorted(languages()))
def test_random_seeds_every_language(language: str) -> None:
    rng = random.Random(7)
    generator = Mnemonic(language)
    for _ in range(50):
        phrase = generator.to_mnemonic(rng.randbytes(rng.choice([16, 20, 24, 28, 32])))
        result = scan_inbound(f"Hello, words: {phrase}. What should I do?")
        assert result.has_secrets, phrase
        # Every word gone (the package's one corrupt Russian word splits a run, but the
        # pieces are still long enough to be flagged).
        assert phrase not in result.redacted_text


def test_punctuation_and_line_breaks_between_words() -> None:
    phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    messy = (
        "Legal, WINNER; thank - year\nwave / sausage | worth (useful) legal, winner. thank: yellow"
    )
    result = scan_inbound(f"here: {messy} ok?")
    assert result.kinds == {SecretKind.SEED_PHRASE}
    assert "sausage" not in result.redacted_text
    assert is_valid_mnemonic(phrase, "english")


def test_accent_free_spelling_still_matches() -> None:
    phrase = Mnemonic("spanish").to_mnemonic(bytes(range(16)))
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", phrase) if not unicodedata.combining(c)
    )
    result = scan_inbound(f"mis palabras: {folded}")
    assert result.kinds == {SecretKind.SEED_PHRASE}


def test_checksum_matches_the_mnemonic_package() -> None:
    rng = random.Random(1)
    english = Mnemonic("english")
    index = {word: i for i, word in enumerate(english.wordlist)}
    for _ in range(300):
        words = [rng.choice(english.wordlist) for _ in range(rng.choice([12, 15, 18, 21, 24]))]
        assert checksum_valid([index[w] for w in words]) == english.check(" ".join(words))


def test_twelve_words_with_a_bad_checksum_are_a_partial_seed() -> None:
    words = "abandon " * 11 + "abandon"  # valid would end in "about"
    result = scan_inbound(f"my words: {words}")
    assert result.kinds == {SecretKind.PARTIAL_SEED_PHRASE}
    assert result.findings[0].checksum_valid is False
    assert "abandon" not in result.redacted_text


@pytest.mark.parametrize("count", [8, 9, 11])
def test_partial_runs_of_eight_or_more_are_flagged(count: int) -> None:
    words = [
        "ozone",
        "drill",
        "grab",
        "fiber",
        "curtain",
        "grace",
        "pudding",
        "thank",
        "cruise",
        "elder",
        "eight",
        "picnic",
    ]
    partial = " ".join(words[:count])
    result = scan_inbound(f"Recovered: {partial} ??? thx")
    assert result.kinds == {SecretKind.PARTIAL_SEED_PHRASE}
    assert result.findings[0].word_count == count
    assert "pudding" not in result.redacted_text


def test_seven_words_are_not_flagged() -> None:
    assert not scan_inbound("first words: ozone drill grab fiber curtain grace pudding").findings


def test_random_partial_runs_are_mostly_flagged() -> None:
    rng = random.Random(3)
    english = Mnemonic("english").wordlist
    flagged = sum(
        scan_inbound("part: " + " ".join(rng.sample(english, rng.randint(8, 11)))).has_secrets
        for _ in range(500)
    )
    assert flagged >= 490  # the everyday-word filter drops ~0.5% of random partial runs


def test_a_word_outside_the_list_breaks_the_run() -> None:
    text = "ozone drill grab fiber BANANAS curtain grace pudding thank"
    assert not find_mnemonics(text)


ENGLISH_PROSE = [
    "Can you please help me check what time the transfer will arrive today?",
    "I want to know why my card payment was declined twice this morning.",
    "You can also find more about the exchange rate and any extra fee here.",
    "Is there any way that you can cancel this transfer before it goes through?",
    "Please tell me what you need from me so I can verify my account.",
    "What can you do about this? I have been waiting a long time for a reply.",
    "Thank you, that was very helpful, have a good day and talk soon.",
    "I lost my phone and need to change the number on my account right now.",
    "Hello team, wallet balance shows zero after the last update, please advise.",
    "Card still not here, order was placed over two weeks ago, what now?",
    "My wallet was hacked and all my coins are gone, can you freeze the address?",
    "Sorry to bother you again but the same problem came back after the update.",
    "Just wondering if you could maybe check whether the deposit arrived already.",
    "Copy the address, open the app, tap send, paste it and confirm the amount.",
]
CHINESE_PROSE = [
    "你好，我昨天从交易所提币到我的钱包，但是到现在还没有到账，请帮我查一下是什么原因",
    "请问怎么修改登录密码和支付密码？我忘记了原来的密码，手机也换号了",
    "我今天早上在你们平台买了一些比特币，现在想全部卖出换成人民币提现到银行卡",
    "充值的时候网络选错了，把以太坊上的币转到了币安智能链的地址，还能找回来吗",
    "我的助记词丢了，钱包还能恢复吗？我只记得前面几个单词，后面的都不记得了",
    "我想把账户里的资金全部转到另一个钱包，有没有每日提现的额度限制",
    "今天价格波动太大了，我的合约仓位被强制平仓，损失了很多钱，能不能帮忙看看",
    "平台上的客服回复太慢了，我已经等了三天还没有人处理我的问题",
    "我 的 钱 包 打 不 开 了",
]
OTHER_PROSE = [
    "Hola, necesito ayuda con mi cuenta, no puedo retirar el dinero de la tarjeta.",
    "Bonjour, je n'arrive pas à retirer mon argent, pouvez-vous m'aider s'il vous plaît ?",
    "Ciao, ho un problema con il mio conto, non riesco a fare un bonifico.",
    "Olá, preciso de ajuda com a minha conta, o dinheiro ainda não chegou.",
    "Dobrý den, nemohu se přihlásit do účtu, můžete mi prosím pomoci?",
    "Merhaba, hesabıma giriş yapamıyorum, lütfen yardım eder misiniz?",
    "Здравствуйте, я не могу вывести деньги со счета, помогите пожалуйста.",
    "안녕하세요, 계정에 로그인할 수 없습니다. 도와주세요.",
    "こんにちは、ウォレットにログインできません。助けてください。",
]


@pytest.mark.parametrize("text", ENGLISH_PROSE + CHINESE_PROSE + OTHER_PROSE)
def test_ordinary_messages_are_not_flagged(text: str) -> None:
    result = scan_inbound(text)
    assert not result.findings
    assert result.redacted_text == text


def test_the_wordlist_tables_are_built_once_when_threads_race_for_them(monkeypatch):
    """A server's request threads reach the guard together with the first burst: one
    builds the tables, the others wait for it (each building its own had held a cold
    node's first messages for up to half a second)."""
    import threading
    import time

    built = []
    real = bip39._build_tables

    def slow_build():
        built.append(1)
        time.sleep(0.05)
        return real()

    monkeypatch.setattr(bip39, "_built", [])
    monkeypatch.setattr(bip39, "_build_tables", slow_build)
    results = []
    threads = [threading.Thread(target=lambda: results.append(bip39._tables())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(built) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)
