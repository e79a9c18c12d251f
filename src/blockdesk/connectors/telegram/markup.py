"""The stored Markdown as Telegram's HTML parse mode, and split to its 4096 limit.

Telegram's HTML knows b, i, s, u, code, pre, a, blockquote and nothing else (no
paragraphs, lists or headings), and wants only <, > and & escaped in text. markdown-it-py
(already a dependency) parses; this walk emits those tags, turns the rest into plain
lines, and escapes every piece of text, so nothing the agent typed becomes markup."""

from __future__ import annotations

import html

from markdown_it import MarkdownIt
from markdown_it.token import Token

from blockdesk.connectors.contract import split_text

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")
_INLINE_TAGS = {
    "strong_open": "<b>",
    "strong_close": "</b>",
    "em_open": "<i>",
    "em_close": "</i>",
    "s_open": "<s>",
    "s_close": "</s>",
}
_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _inline(tokens: list[Token]) -> str:
    out: list[str] = []
    link_open: list[bool] = []
    for tok in tokens:
        if tok.type == "text":
            out.append(_esc(tok.content))
        elif tok.type in _INLINE_TAGS:
            out.append(_INLINE_TAGS[tok.type])
        elif tok.type == "code_inline":
            out.append(f"<code>{_esc(tok.content)}</code>")
        elif tok.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif tok.type == "link_open":
            href = str(tok.attrs.get("href") or "")
            ok = href.lower().startswith(_SCHEMES)
            link_open.append(ok)
            if ok:
                out.append(f'<a href="{html.escape(href, quote=True)}">')
        elif tok.type == "link_close":
            if link_open and link_open.pop():
                out.append("</a>")
        elif tok.type == "image":
            out.append(_esc(tok.content or ""))  # the alt text; nothing remote is sent
        elif tok.children:
            out.append(_inline(tok.children))
        else:
            out.append(_esc(tok.content))
    return "".join(out)


def markdown_to_telegram_html(text: str) -> str:
    out: list[str] = []
    lists: list[list[int]] = []  # per open list: [next number] (or [-1] for bullets)
    for tok in _MD.parse(text):
        kind = tok.type
        if kind == "inline":
            out.append(_inline(tok.children or []))
        elif kind == "paragraph_close" and not tok.hidden:
            out.append("\n\n")
        elif kind == "paragraph_close":
            out.append("\n")
        elif kind == "heading_open":
            out.append("<b>")
        elif kind == "heading_close":
            out.append("</b>\n\n")
        elif kind == "bullet_list_open":
            lists.append([-1])
        elif kind == "ordered_list_open":
            lists.append([int(tok.attrs.get("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                out.append("\n")
        elif kind == "list_item_open" and lists:
            number = lists[-1]
            indent = "  " * (len(lists) - 1)
            if number[0] < 0:
                out.append(f"{indent}• ")
            else:
                out.append(f"{indent}{number[0]}. ")
                number[0] += 1
        elif kind in ("fence", "code_block"):
            lang = (tok.info or "").split()[0] if tok.info else ""
            cls = f' class="language-{html.escape(lang, quote=True)}"' if lang else ""
            out.append(f"<pre><code{cls}>{_esc(tok.content.rstrip(chr(10)))}</code></pre>\n\n")
        elif kind == "blockquote_open":
            out.append("<blockquote>")
        elif kind == "blockquote_close":
            # The paragraph inside ended with blank lines: they go after the quote.
            while out and out[-1] == "\n\n":
                out.pop()
            out.append("</blockquote>\n\n")
        elif kind == "hr":
            out.append("——————\n\n")
    return "".join(out).strip()


def split_markdown(text: str, limit: int) -> list[str]:
    """Parts of rendered markup, each at most `limit` characters. The Markdown is split
    (at paragraphs, lines or words) before rendering, so no tag is ever cut in two;
    escaping makes the markup longer than its source, so the source budget shrinks until
    every part fits."""
    whole = markdown_to_telegram_html(text)
    if len(whole) <= limit:
        return [whole] if whole else []
    budget = limit
    while budget > 100:
        parts = [markdown_to_telegram_html(p) for p in split_text(text, budget)]
        longest = max(len(p) for p in parts)
        if longest <= limit:
            return [p for p in parts if p]
        budget = int(budget * limit / longest) - 10
    # Only a text of nearly nothing but characters that escape to 4-5 each gets here.
    return split_text(whole, limit)
