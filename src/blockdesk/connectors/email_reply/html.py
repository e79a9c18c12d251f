"""HTML mail to safe plain text, with the clients' quote containers marked as "> " lines.

The result is plain text: no markup survives, so nothing in it can run or load when the
console shows it (escaped, as every text). Images become a placeholder and are never
fetched; hidden elements, scripts and styles are dropped.

Why our own converter on the standard library's tokenizer instead of html2text or
inscriptis: the reply extractor needs to know which text sat inside a client's quote
container (Gmail's `gmail_quote`, Apple's `blockquote type=cite`, Yahoo's `yahoo_quoted`,
Proton's `protonmail_quote`, NetEase's `isReplyContent` …) and where a signature container
starts; those converters drop that. Marking them as "> " lines lets one plain-text
algorithm handle both kinds of mail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _

_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe",
                   "object", "embed", "svg", "math", "canvas", "video", "audio", "select",
                   "button", "form"})  # fmt: skip
_BLOCK = frozenset({"div", "p", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4",
                    "h5", "h6", "blockquote", "pre", "hr", "section", "article", "header",
                    "footer", "dl", "dt", "dd", "address", "center", "tbody", "thead",
                    "main", "aside", "nav", "figure", "fieldset", "body", "html"})  # fmt: skip
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "wbr",
                   "source", "track", "param", "embed"})  # fmt: skip
_QUOTE_CLASSES = re.compile(
    r"\b(?:gmail_quote|yahoo_quoted|protonmail_quote|moz-cite-prefix|"
    r"OutlookMessageHeader|reply_quote|quote_container|ms-outlook-mobile-reference-message)\b",
    re.I,
)
_QUOTE_IDS = re.compile(
    r"^(?:isReplyContent|mail-editor-reference-message-container|"
    r"ydp[\w]*yahoo_quoted[\w]*|yahoo_quoted[\w]*|appendonsend|reference|OLK_SRC_BODY_SECTION)$",
    re.I,
)
_SIG_CLASSES = re.compile(
    r"\b(?:gmail_signature|moz-signature|signature|protonmail_signature_block)\b", re.I
)
_SIG_IDS = re.compile(r"^(?:x_)?(?:Signature|signature|spnEditorSign|ntes-signature)$")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all", re.I)
_WS = re.compile(r"[ \t\n\r\f\v]+")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Each open element: (tag, is_quote, is_skipped, is_pre).
        self.stack: list[tuple[str, bool, bool, bool]] = []
        self.lines: list[tuple[int, str]] = []
        self.open_count: dict[str, int] = {}
        self.current: list[str] = []
        self.has_text = False
        self.current_depth = 0
        self.skip = 0
        self.depth = 0
        self.pre = 0

    # Output -----------------------------------------------------------------------------
    def _newline(self, *, force: bool = False) -> None:
        if self.has_text or force:
            line = "".join(self.current).rstrip()
            # The RFC 3676 delimiter keeps its space.
            self.lines.append((self.current_depth, "-- " if line.strip() == "--" else line))
        self.current = []
        self.has_text = False
        self.current_depth = self.depth

    def _blank(self) -> None:
        self._newline()
        if self.lines and self.lines[-1][1]:
            self.lines.append((self.depth, ""))

    def _write(self, text: str) -> None:
        if not text:
            return
        if not self.has_text:
            self.current_depth = self.depth
        else:
            self.current_depth = max(self.current_depth, self.depth)
        # A list of pieces: one long line of many small elements stays linear.
        self.current.append(text)
        self.has_text = self.has_text or not text.isspace()

    # Parser callbacks ---------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "") for k, v in attrs}
        if tag in _VOID:
            self._void(tag, attr)
            return
        skipped = tag in _SKIP or bool(_HIDDEN_STYLE.search(attr.get("style", "")))
        is_quote = not self.skip and self._is_quote(tag, attr)
        if (not self.skip and tag in _BLOCK) or is_quote:
            self._newline()
        if is_quote:
            self.depth += 1
            self.current_depth = self.depth
        if skipped:
            self.skip += 1
        if tag == "pre":
            self.pre += 1
        self.stack.append((tag, is_quote, skipped, tag == "pre"))
        self.open_count[tag] = self.open_count.get(tag, 0) + 1
        if not self.skip and self._is_signature(attr):
            self._newline()
            self._write("-- ")
            self._newline()
        if not self.skip and tag == "li":
            self._write("- ")

    def handle_endtag(self, tag: str) -> None:
        if not self.open_count.get(tag):
            if tag in ("p", "br"):
                self._newline(force=tag == "br")
            return
        while self.stack:
            name, is_quote, skipped, is_pre = self.stack.pop()
            self.open_count[name] -= 1
            if is_quote:
                self._newline()
                self.depth -= 1
                self.current_depth = self.depth
            if skipped:
                self.skip -= 1
            if is_pre:
                self.pre -= 1
            if name == tag:
                break
        if self.skip:
            return
        if tag == "p":
            self._blank()
        elif tag in _BLOCK:
            self._newline()
        elif tag in ("td", "th"):
            self._write(" ")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            parts = data.split("\n")
            for k, part in enumerate(parts):
                if k:
                    self._newline(force=True)
                self._write(part)
            return
        text = _WS.sub(" ", data)
        if not self.has_text:
            text = text.lstrip()
        self._write(text)

    def _void(self, tag: str, attr: dict[str, str]) -> None:
        if self.skip:
            return
        if tag == "br":
            self._newline(force=True)
        elif tag == "hr":
            self._newline()
        elif tag == "img":
            self._write(_image_placeholder(attr))

    @staticmethod
    def _is_quote(tag: str, attr: dict[str, str]) -> bool:
        if tag == "blockquote":
            return True
        return bool(
            _QUOTE_CLASSES.search(attr.get("class", "")) or _QUOTE_IDS.match(attr.get("id", ""))
        )

    @staticmethod
    def _is_signature(attr: dict[str, str]) -> bool:
        if attr.get("data-smartmail") == "gmail_signature":
            return True
        return bool(
            _SIG_CLASSES.search(attr.get("class", "")) or _SIG_IDS.match(attr.get("id", ""))
        )

    def text(self) -> str:
        self._newline()
        out: list[str] = []
        previous = ""
        for depth, line in self.lines:
            # The signature marker next to a client's own "-- ": keep one.
            if line.strip() == "--" and previous == f"{depth}--":
                continue
            previous = f"{depth}{line.strip()}" if line.strip() else previous
            prefix = "> " * depth
            out.append(f"{prefix}{line}" if line == "-- " else f"{prefix}{line}".rstrip())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _image_placeholder(attr: dict[str, str]) -> str:
    """A remote image is never loaded: it becomes text; a tracking pixel disappears."""
    width, height = attr.get("width", ""), attr.get("height", "")
    if width in ("0", "1") or height in ("0", "1"):
        return ""
    alt = _WS.sub(" ", attr.get("alt", "")).strip()[:80]
    if alt:
        return _("[image: %(alt)s]") % {"alt": alt}
    return _("[image]")


def html_to_text(html: str) -> str:
    """Plain text of an HTML body; quote containers become "> " lines."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return converter.text()
