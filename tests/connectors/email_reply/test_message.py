"""Whole messages: the part to read, charsets (Chinese, Japanese, wrong labels), bad MIME."""

from __future__ import annotations

import pytest

from blockdesk.connectors.email_reply import extract_from_bytes, extract_from_message
from blockdesk.connectors.email_reply.message import decode_bytes, looks_like_message, unflow


def _mail(body: bytes, charset: str, ctype: str = "text/plain", cte: str = "8bit") -> bytes:
    return (
        b"From: a@example.cn\r\nTo: s@example.com\r\nSubject: x\r\nMessage-ID: <1@x>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: " + ctype.encode() + b'; charset="'
        + charset.encode() + b'"\r\nContent-Transfer-Encoding: ' + cte.encode() + b"\r\n\r\n"
        + body
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        ("喆镕堃 are GBK, not GB2312", "gb2312", "gbk"),
        ("𠀀 needs GB18030", "gb2312", "gb18030"),
        ("香港：啲嘢", "big5", "big5hkscs"),
        ("入金がまだです", "iso-2022-jp", "iso2022_jp"),
        ("Überweisung", "iso-8859-1", "latin-1"),
        ("plain UTF-8 under an unknown label: 你好", "x-unknown-charset", "utf-8"),
    ],
)
def test_charsets_decode_to_the_original_text(text: str, label: str, codec: str) -> None:
    parts = extract_from_message(_mail(text.encode(codec), label))
    assert parts.reply == text


def test_a_wrong_label_falls_back_to_detection_without_crashing() -> None:
    gbk = "您好，我的提现一直没有到账，请帮忙查询一下，谢谢。".encode("gbk")
    assert decode_bytes(gbk, "utf-8") == "您好，我的提现一直没有到账，请帮忙查询一下，谢谢。"
    assert isinstance(decode_bytes(b"\xff\xfe\x00garbage\x80", "no-such-codec"), str)


def test_text_plain_is_preferred_and_html_is_the_fallback() -> None:
    both = (
        b"From: a@x\r\nMessage-ID: <2@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nplain text\r\n--b\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>html text</p>\r\n--b--\r\n"
    )
    assert extract_from_message(both).reply == "plain text"
    html_only = both.replace(b"plain text", b"  ")
    assert extract_from_message(html_only).reply == "html text"


def test_attachments_are_not_read_as_the_body() -> None:
    raw = (
        b"From: a@x\r\nMessage-ID: <3@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\n"
        b"attached\r\n--b\r\nContent-Type: text/plain\r\n\r\nthe body\r\n--b--\r\n"
    )
    assert extract_from_message(raw).reply == "the body"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b'From: a@x\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\nno parts here',
        b'Message-ID: <x>\r\nContent-Type: text/plain; charset="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
        b"Message-ID: <x>\r\nContent-Type: text/html\r\n\r\n<div><<<</" * 50,
        b"\x00\x01\x02\xff" * 100,
    ],
)
def test_malformed_input_never_raises(raw: bytes) -> None:
    assert isinstance(extract_from_bytes(raw).reply, str)


def test_message_or_bare_body() -> None:
    assert looks_like_message(b"Message-ID: <1@x>\nFrom: a@x\n\nbody")
    assert looks_like_message(b"From alice@example.com Mon Jan 1 10:00:00 2024\nFrom: a\n\nb")
    assert not looks_like_message(b"Hi,\n\nFrom: Support\nSent: Monday\nSubject: x\n\nold")
    assert not looks_like_message(b"From: 0xabc\nTo: 0xdef\n\nmy transfer")


def test_format_flowed_is_unwrapped_and_keeps_quote_depth() -> None:
    flowed = "a long \nline\n> quoted \n> line\n-- \nsig"
    assert unflow(flowed, delsp=False) == "a long line\n> quoted line\n-- \nsig"
    assert unflow("abc\ndef", delsp=True) == "abc\ndef"
    assert unflow("ab \ncd", delsp=True) == "abcd"


def test_bare_html_is_sniffed_even_when_it_starts_with_text() -> None:
    html = (
        b"Reply\n<div>On 11-Apr-2011, Bob &lt;bob@example.com&gt; wrote:</div>\n"
        b"<blockquote><div>Test</div></blockquote>"
    )
    assert extract_from_bytes(html).reply == "Reply"
    # Plain text that mentions an address in angle brackets stays plain.
    text = b"Write to <support@blockdesk.example> or <ops@blockdesk.example>."
    assert extract_from_bytes(text).reply == text.decode()
    # The caller may say what a bare body is (the command uses the file's extension).
    assert (
        extract_from_bytes(b"a <b>bold</b> move", content_type="text/html").reply == "a bold move"
    )


@pytest.mark.timeout(60)
def test_a_huge_message_is_read_up_to_the_limit() -> None:
    filler = b"<div>old <b>history</b> line</div>\n" * 400_000  # ~14 MB of HTML
    raw = (
        b"From: a@x\r\nMessage-ID: <big@x>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<div>Top reply</div><blockquote>" + filler
    )
    parts = extract_from_message(raw)
    assert parts.reply == "Top reply"
    assert parts.quoted is not None and len(parts.quoted) < 3_000_000


def test_an_attached_message_is_not_taken_for_the_body() -> None:
    raw = (
        b"From: a@x\r\nMessage-ID: <4@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="o"\r\n\r\n--o\r\n'
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>See the attached phishing mail.</p>\r\n"
        b"--o\r\nContent-Type: message/rfc822\r\n\r\nFrom: evil@x\r\nSubject: win\r\n"
        b"Content-Type: text/plain\r\n\r\nSend us your seed phrase.\r\n--o--\r\n"
    )
    assert extract_from_message(raw).reply == "See the attached phishing mail."
