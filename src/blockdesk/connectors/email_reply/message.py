"""The body of a whole RFC 5322 message, or of a bare body, as text.

Parsing uses the standard library's `email` package (policy `default`): it is the MIME
parser Python maintains and it survives malformed input by recording defects instead of
raising. Charsets get the care Chinese and Japanese mail needs: a part labelled GB2312 is
very often GBK or GB18030 (decoded as GB18030, their superset), Big5 as Big5-HKSCS,
ISO-2022-JP as its extended superset; an unknown or wrong label falls back to detection
(charset-normalizer) and then to a lossy decode, never to an exception.
"""

from __future__ import annotations

import codecs
import quopri
import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from charset_normalizer import from_bytes

# Labels whose real-world content is a superset encoding.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "tis-620": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]")
_MESSAGE_HEADERS = frozenset(
    {
        b"message-id",
        b"mime-version",
        b"content-type",
        b"received",
        b"return-path",
        b"delivered-to",
        b"in-reply-to",
        b"references",
        b"dkim-signature",
        b"x-mailer",
        b"authentication-results",
    }
)
_HTML_START = re.compile(
    r"^\s*(?:<!doctype html|<html|<head|<body|<div|<p[ >]|<table|<meta|<span|<br|<blockquote|"
    r"<!--|<\?xml|<style|<font|<center)",
    re.I,
)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode `data` labelled `charset`; unknown or wrong labels fall back to detection."""
    label = (charset or "").strip().strip('"').lower()
    codec = _SUPERSETS.get(label, label)
    if codec:
        try:
            codecs.lookup(codec)
        except LookupError:
            codec = ""
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if not codec or codec in ("utf-8", "cp1252"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    guess = from_bytes(data).best()
    if guess is not None and guess.encoding:
        found = _SUPERSETS.get(guess.encoding.replace("_", "-"), guess.encoding)
        try:
            return data.decode(found)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode(codec or "utf-8", errors="replace")


def looks_like_message(raw: bytes) -> bool:
    """A whole RFC 5322 message (headers, blank line, body) rather than a bare body."""
    head = raw.lstrip(b"\r\n")
    if head.startswith(b"From "):  # an mbox envelope line
        return True
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    lines = block.splitlines()
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    names = {line.split(b":", 1)[0].lower() for line in lines if _HEADER_LINE.match(line)}
    return bool(names & _MESSAGE_HEADERS) or {b"from", b"date", b"subject"} <= names


_QP_SOFT_BREAK = re.compile(rb"=\r?\n")
_QP_ESCAPE = re.compile(rb"=[0-9A-F]{2}")


def unquote_body(raw: bytes) -> bytes:
    """A bare body saved still quoted-printable ("w=\\nrote:", "=E2=80=AF") is decoded."""
    if len(_QP_SOFT_BREAK.findall(raw[:200_000])) >= 2 and _QP_ESCAPE.search(raw):
        return quopri.decodestring(raw)
    return raw


_HTML_TAGS = re.compile(
    r"</(?:html|body|div|p|blockquote|span|table|td|tr|font|b|i|a|li|ul|ol)\s*>|<br\s*/?>", re.I
)


def looks_like_html(text: str) -> bool:
    """HTML when it starts with markup, or when markup runs through it ("Reply<div>…")."""
    head = text[:20_000]
    return bool(_HTML_START.match(head)) or len(_HTML_TAGS.findall(head)) >= 2


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    text = decode_bytes(payload, part.get_content_charset())
    if part.get_content_type() == "text/plain":
        params = {k.lower(): v.lower() for k, v in part.get_params(failobj=[])}
        if params.get("format") == "flowed":
            text = unflow(text, delsp=params.get("delsp") == "yes")
    return text


def _bodies(msg: EmailMessage) -> tuple[str | None, str | None]:
    # The stdlib picks the body the way mail clients do (not inside an attached message,
    # not an attachment, the start part of multipart/related).
    try:
        plain_part = msg.get_body(preferencelist=("plain",))
        html_part = msg.get_body(preferencelist=("html",))
    except Exception:  # a malformed structure: walk the parts instead
        return _walk_bodies(msg)
    return (
        _part_text(plain_part) if plain_part is not None else None,
        _part_text(html_part) if html_part is not None else None,
    )


def _walk_bodies(msg: Message) -> tuple[str | None, str | None]:
    plain: str | None = None
    html: str | None = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = _part_text(part)
        elif ctype == "text/html" and html is None:
            html = _part_text(part)
    return plain, html


def message_body(raw: bytes) -> tuple[str, str]:
    """(text, content type) of the part to read: text/plain, else text/html."""
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    plain, html = _bodies(msg)
    if plain is not None and plain.strip():
        return plain, "text/plain"
    if html is not None:
        return html, "text/html"
    return plain or "", "text/plain"


def unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines of the same quote depth."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = -1
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):  # space-stuffing
            body = body[1:]
        if pending is not None and depth == pending_depth:
            body = pending + body
        elif pending is not None:
            out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
        pending = None
        if body.endswith(" ") and body != "-- ":
            pending = body[:-1] if delsp else body
            pending_depth = depth
            continue
        out.append(">" * depth + (" " if depth and body else "") + body)
    if pending is not None:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)
