"""What a pasted value becomes before it is compared."""

from __future__ import annotations

import pytest

from blockdesk.trust.normalize import (
    Kind,
    NormalizeError,
    Platform,
    normalize_for_kind,
    parse_any,
    parse_host,
)


@pytest.mark.parametrize(
    "raw",
    [
        "example-exchange.com",
        "https://example-exchange.com",
        "HTTPS://WWW.Example-Exchange.COM/login?next=/wallet#x",
        "http://user:secret@www.example-exchange.com:8443/",
        "example-exchange.com.",
        "  <https://example-exchange.com/>  ",
        "ｅｘａｍｐｌｅ-ｅｘｃｈａｎｇｅ．ｃｏｍ",  # full-width, as some IMEs type it
    ],
)
def test_urls_reduce_to_the_host(raw):
    parsed = parse_any(raw)
    assert parsed.kind == Kind.DOMAIN
    assert parsed.value == "example-exchange.com"
    assert parsed.host is not None and parsed.host.registrable == "example-exchange.com"


def test_credentials_in_a_link_do_not_decide_the_host():
    parsed = parse_any("https://example-exchange.com@evil.io/login")
    assert parsed.value == "evil.io"
    assert parsed.userinfo == "example-exchange.com"


def test_idn_is_decoded_both_ways():
    from_unicode = parse_any("exаmple-exchange.com")  # Cyrillic а
    from_punycode = parse_any("https://xn--exmple-exchange-vlm.com/")
    assert from_unicode.value == from_punycode.value == "xn--exmple-exchange-vlm.com"
    assert from_punycode.display == "exаmple-exchange.com"
    assert from_punycode.host is not None and from_punycode.host.idn


@pytest.mark.parametrize(
    ("host", "registrable", "suffix"),
    [
        ("example-exchange.com.evil.io", "evil.io", "io"),
        ("login.bluewhale.co.uk", "bluewhale.co.uk", "co.uk"),
        ("a.b.example.com.cn", "example.com.cn", "com.cn"),
        ("example-exchange.github.io", "example-exchange.github.io", "github.io"),
    ],
)
def test_registrable_domain_uses_the_builtin_suffix_list(host, registrable, suffix):
    parsed = parse_host(host)
    assert (parsed.registrable, parsed.suffix) == (registrable, suffix)


def test_emails_keep_the_address_and_the_domain():
    parsed = parse_any("mailto:Support@WWW.Example-Exchange.com?subject=hi")
    assert parsed.kind == Kind.EMAIL
    assert parsed.value == "support@example-exchange.com"
    assert parsed.host is not None and parsed.host.ascii == "example-exchange.com"


@pytest.mark.parametrize(
    ("raw", "platform", "value"),
    [
        ("@ExampleExchange", Platform.ANY, "exampleexchange"),
        ("ExampleExchange", Platform.ANY, "exampleexchange"),
        ("https://t.me/ExampleExchange_Support", Platform.TELEGRAM, "exampleexchange_support"),
        ("t.me/s/examplenews", Platform.TELEGRAM, "examplenews"),
        ("https://twitter.com/ExampleExchange/status/123", Platform.X, "exampleexchange"),
        ("x.com/ExampleExchange", Platform.X, "exampleexchange"),
        ("https://discord.gg/AbCdEf", Platform.DISCORD, "discord.gg/AbCdEf"),
        ("discord.com/invite/AbCdEf", Platform.DISCORD, "discord.gg/AbCdEf"),
    ],
)
def test_handles_and_platform_links(raw, platform, value):
    parsed = parse_any(raw)
    assert parsed.kind == Kind.HANDLE
    assert (parsed.platform, parsed.value) == (platform, value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("+44 20 1234 5678", "+442012345678"),
        ("0044 (20) 1234-5678", "+442012345678"),
        ("tel:+1-415-555-0100", "+14155550100"),
        ("020 1234 5678", "02012345678"),
    ],
)
def test_phone_numbers(raw, value):
    parsed = parse_any(raw)
    assert parsed.kind == Kind.PHONE and parsed.value == value


def test_addresses_are_validated_and_compared_case_insensitively():
    parsed = parse_any("0x52908400098527886e0f7030069857d2e4169ee7")
    assert parsed.kind == Kind.ADDRESS and parsed.address is not None
    assert parsed.display == "0x52908400098527886E0F7030069857D2E4169EE7"  # EIP-55
    assert parsed.value == "0x52908400098527886e0f7030069857d2e4169ee7"


def test_an_ip_is_its_own_kind():
    assert parse_any("http://203.0.113.5/login").kind == Kind.IP


@pytest.mark.parametrize("raw", ["", "   ", "x" * 600, "http://exa mple.com"])
def test_garbage_is_refused(raw):
    with pytest.raises(NormalizeError):
        parse_any(raw)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("domain", "co.uk"),
        ("domain", "support@example.com"),
        ("phone", "020 1234 5678"),  # no country code
        ("address", "0x1234"),
        ("telegram", "https://x.com/example"),
        ("x", "@this_handle_is_far_too_long"),
    ],
)
def test_the_registry_refuses_what_it_cannot_compare(kind, raw):
    with pytest.raises(NormalizeError):
        normalize_for_kind(kind, raw)


def test_the_registry_accepts_links_and_handles():
    assert normalize_for_kind("telegram", "https://t.me/Example_Bot").value == "example_bot"
    assert normalize_for_kind("discord", "example.exchange").value == "example.exchange"
    assert normalize_for_kind("email_domain", "@Example.com").value == "example.com"
