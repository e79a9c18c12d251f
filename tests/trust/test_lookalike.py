"""Every way of imitating an official channel is caught; unrelated names are not."""

from __future__ import annotations

import pytest

from blockdesk.trust.checker import Note, Verdict, check
from blockdesk.trust.lookalike import (
    Technique,
    address_poisoning,
    compare_names,
    damerau_levenshtein,
    skeleton,
)
from blockdesk.trust.normalize import parse_any

from .conftest import OFFICIAL_ADDRESS, unsaved_registry

REGISTRY = unsaved_registry()


def run(value: str):
    return check(parse_any(value), REGISTRY)


@pytest.mark.parametrize(
    ("value", "matched"),
    [
        ("https://www.example-exchange.com/login", "example-exchange.com"),
        ("app.example-exchange.com", "example-exchange.com"),  # includes subdomains
        ("WWW.BLUEWHALE.CO.UK", "bluewhale.co.uk"),
        ("support@example-exchange.com", "support@example-exchange.com"),
        ("anyone@mail.example-exchange.com", "mail.example-exchange.com"),
        ("@exampleexchange_support", "@ExampleExchange_Support"),
        ("https://t.me/ExampleExchange_Support", "@ExampleExchange_Support"),
        ("twitter.com/exampleexchange", "@ExampleExchange"),
        ("discord.gg/AbCdEf", "discord.gg/AbCdEf"),
        ("+44 (0)20 1234 5678".replace("(0)", ""), "+442012345678"),
        ("020 1234 5678", "+442012345678"),
        (OFFICIAL_ADDRESS.lower(), OFFICIAL_ADDRESS),
    ],
)
def test_official_values_answer_yes(value, matched):
    result = run(value)
    assert result.verdict == Verdict.YES, result
    assert result.official is not None and result.official.display == matched


@pytest.mark.parametrize(
    ("value", "technique"),
    [
        ("exаmple-exchange.com", Technique.HOMOGLYPH),  # Cyrillic а
        ("ехаmрlе-ехсhаngе.com", Technique.HOMOGLYPH),  # almost all Cyrillic
        ("examp1e-exchange.com", Technique.HOMOGLYPH),  # digit one for l
        ("exampie-exchange.com", Technique.REPLACEMENT),
        ("exarnple-exchange.com", Technique.HOMOGLYPH),  # rn for m
        ("https://xn--exmple-exchange-vlm.com/", Technique.HOMOGLYPH),  # punycode form
        ("exmaple-exchange.com", Technique.SWAP),
        ("exxample-exchange.com", Technique.INSERTION),
        ("exmple-exchange.com", Technique.DELETION),
        ("exanple-exchange.com", Technique.REPLACEMENT),
        ("exampleexchange.com", Technique.HYPHEN),
        ("example_exchange.com".replace("_", "--"), Technique.HYPHEN),
        ("example-exchange-support.com", Technique.ADDED_WORD),
        ("exampleexchange-login.com", Technique.ADDED_WORD),
        ("support-example-exchange.com", Technique.ADDED_WORD),
        ("support-example.com", Technique.ADDED_WORD),
        ("example-exchange.co", Technique.TLD),
        ("example-exchange.net", Technique.TLD),
        ("https://example-exchange.xyz/airdrop", Technique.TLD),
        ("example-exchange.github.io", Technique.TLD),
        ("example-exchange.com.evil.io", Technique.SUBDOMAIN),
        ("https://login.example-exchange.secure-verify.io/", Technique.SUBDOMAIN),
        ("https://example-exchange.com@evil.io/", Technique.USERINFO),
    ],
)
def test_lookalike_domains_answer_no_with_the_imitated_one(value, technique):
    result = run(value)
    assert result.verdict == Verdict.NO, result
    assert result.technique == technique
    assert result.official is not None and result.official.display == "example-exchange.com"


@pytest.mark.parametrize(
    ("value", "technique", "imitated"),
    [
        ("@ExampIeExchange_Support", Technique.HOMOGLYPH, "@ExampleExchange_Support"),
        ("t.me/ExampleExchange_Suport", Technique.DELETION, "@ExampleExchange_Support"),
        ("t.me/exampleexchangesupport", Technique.HYPHEN, "@ExampleExchange_Support"),
        ("@ExampleExchange_Support_Team", Technique.ADDED_WORD, "@ExampleExchange_Support"),
        ("@ехаmpleexchange", Technique.HOMOGLYPH, "@ExampleExchange"),
        ("t.me/ExampleExchange", Technique.OTHER_PLATFORM, "@ExampleExchange"),
        ("discord.gg/abcdef", Technique.HOMOGLYPH, "discord.gg/AbCdEf"),
        ("x.com/example_exchange_help", Technique.ADDED_WORD, "@ExampleExchange"),
    ],
)
def test_lookalike_handles(value, technique, imitated):
    result = run(value)
    assert result.verdict == Verdict.NO, result
    assert result.technique == technique
    assert result.official is not None and result.official.display == imitated


@pytest.mark.parametrize(
    ("value", "technique"),
    [
        ("support@example-exchange.co", Technique.TLD),
        ("support@exarnple-exchange.com", Technique.HOMOGLYPH),
        ("exampleexchange.support@gmail.com", Technique.BRAND_IN_ADDRESS),
    ],
)
def test_lookalike_emails(value, technique):
    result = run(value)
    assert result.verdict == Verdict.NO and result.technique == technique


def test_an_unlisted_mailbox_on_our_domain_is_unknown_with_a_note():
    result = run("billing@example-exchange.com")
    assert result.verdict == Verdict.UNKNOWN
    assert result.note == Note.UNLISTED_ON_OUR_DOMAIN


def test_address_poisoning():
    body = OFFICIAL_ADDRESS[2:]
    poisoned = "0x" + body[:5] + "0" * (len(body) - 10) + body[-5:]
    result = run(poisoned)
    assert result.verdict == Verdict.NO
    assert result.technique == Technique.ADDRESS_POISONING
    assert result.official is not None and result.official.display == OFFICIAL_ADDRESS
    # Sharing only the start (or only the end) is a coincidence, not poisoning.
    assert not address_poisoning("0x" + body[:6] + "0" * (len(body) - 6), OFFICIAL_ADDRESS)
    assert not address_poisoning("0x" + "0" * (len(body) - 6) + body[-6:], OFFICIAL_ADDRESS)


@pytest.mark.parametrize(
    "value",
    [
        "google.com",
        "https://www.binance.com/en",
        "coinbase.com",
        "kraken.com",
        "example.org",
        "exchange.com",
        "crypto-exchange-support.com",  # generic words only
        "counterexamples.net",
        "john.doe@gmail.com",
        "@elonmusk",
        "t.me/durov",
        "+1 415 555 0100",
        "0x0000000000000000000000000000000000000000",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "docs.python.org",
        "mail.google.com",
    ],
)
def test_unrelated_values_are_unknown(value):
    result = run(value)
    assert result.verdict == Verdict.UNKNOWN, result


def test_bare_ip_links_are_flagged_in_a_note():
    assert run("http://203.0.113.5/wallet").note == Note.IP_ADDRESS


def test_skeleton_and_distance_primitives():
    assert skeleton("ExampIe") == skeleton("exаmple") == "example"
    assert skeleton("paypa1") == skeleton("paypal")
    assert skeleton("rnodern") == "modem"
    assert damerau_levenshtein("example", "exmaple") == 1
    assert damerau_levenshtein("example", "exampel") == 1
    assert damerau_levenshtein("abc", "xyzxyzxyz", limit=2) == 3
    assert compare_names("okx", "oks") is None  # too short to call a typo
    assert compare_names("example", "Example") is None  # the same name
