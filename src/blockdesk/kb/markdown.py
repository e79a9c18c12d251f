"""Markdown → safe HTML for articles and for the assistant's chat answers.

markdown-it-py renders CommonMark (plus GFM tables and strikethrough): nested lists
need only the indentation CommonMark asks for (two spaces under "- "), which the
previous renderer (python-markdown, four spaces) flattened into one paragraph. nh3
(ammonia) then keeps only an allow-list of tags and attributes, so raw HTML in a body
cannot add scripts, event handlers, styles or javascript: URLs. Images must be KB assets
served by Blockdesk: other image URLs are dropped here and refused when an article is
saved (see `external_images`).

Chat answers (:func:`render_chat_markdown`) take no raw HTML at all (it is shown as
text) and no images."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from markdown.extensions.toc import slugify_unicode
from markdown_it import MarkdownIt
from markdown_it.token import Token

ASSET_PREFIX = "/help/assets/"

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Chat bubbles: no images, no ids, no layout containers.
CHAT_TAGS = TAGS - {"img", "div", "span", "details", "summary", "abbr", "kbd"}
ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "abbr": {"title"},
    "ol": {"start"},
    **{h: {"id"} for h in HEADINGS},
}
CHAT_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_CLASS_OK = re.compile(r"^(language-[A-Za-z0-9_+-]{1,30}|kb-anchor)$")
_ID_OK = re.compile(r"^h-[\w-]{1,80}$")
_ANCHOR_TAG = re.compile(r"<a ([^>]*)>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
_IMAGE_MD = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
_IMAGE_HTML = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)


# python-markdown's slug function (it rendered before markdown-it): heading ids stay what
# they were, so links to article sections keep working.
def _heading_id(value: str, separator: str) -> str:
    # Prefixed so that an article heading can never clobber an id the page relies on.
    return "h-" + (slugify_unicode(value, separator) or "section")


def _is_asset_url(url: str) -> bool:
    public = settings.PUBLIC_URL.rstrip("/")
    if url.startswith(public + "/"):
        url = url[len(public) :]
    return url.startswith(ASSET_PREFIX) and ".." not in url


def _filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [c for c in value.split() if _CLASS_OK.match(c)]
        return " ".join(kept) or None
    if attribute == "id":
        return value if _ID_OK.match(value) else None
    if element == "img" and attribute == "src":
        return value if _is_asset_url(value) else None
    return value


def is_external(href: str) -> bool:
    parts = urlsplit(href)
    if parts.scheme not in {"http", "https"} and not href.startswith("//"):
        return False
    return parts.netloc.lower() != urlsplit(settings.PUBLIC_URL).netloc.lower()


def _rel_on_external(match: re.Match[str]) -> str:
    attrs = dict(_ATTR.findall(match.group(1)))
    attrs.pop("rel", None)
    href = attrs.get("href", "")
    # nh3's output is normalised: attribute values are double-quoted and escaped.
    rebuilt = " ".join(f'{name}="{value}"' for name, value in attrs.items())
    if href and is_external(href.replace("&amp;", "&")):
        rebuilt += ' rel="noopener nofollow"'
    return f"<a {rebuilt}>"


def sanitize_html(html: str) -> str:
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )
    return _ANCHOR_TAG.sub(_rel_on_external, cleaned)


def _parser(*, html: bool, images: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": html, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    if not images:
        md.disable("image")
    return md


# Parsers are stateless between calls (state lives in the per-call token stream).
_ARTICLE_MD = _parser(html=True, images=True)
_CHAT_MD = _parser(html=False, images=False)
_ALIGN = re.compile(r"text-align:(left|right|center)")


def _align_attributes(tokens: list[Token]) -> None:
    """Table cells: markdown-it writes ``style="text-align:…"``; styles are stripped
    by the sanitiser (and would need a CSP exception), so use ``align`` instead."""
    for token in tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrs.pop("style", ""))
            match = _ALIGN.search(style)
            if match:
                token.attrs["align"] = match.group(1)


def _heading_anchors(tokens: list[Token]) -> None:
    """``id="h-<slug>"`` on every heading (unique within the article) and a trailing
    ``<a class="kb-anchor" href="#h-<slug>">#</a>`` permalink."""
    seen: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or i + 1 >= len(tokens):
            continue
        inline = tokens[i + 1]
        children = inline.children or []
        text = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        base = _heading_id(text, "-")
        slug, n = base, 1
        while slug in seen:
            slug, n = f"{base}_{n}", n + 1
        seen.add(slug)
        token.attrs["id"] = slug
        link = Token("link_open", "a", 1, attrs={"class": "kb-anchor", "href": f"#{slug}"})
        mark = Token("text", "", 0, content="#")
        inline.children = [*(inline.children or []), link, mark, Token("link_close", "a", -1)]


def render_markdown(source: str, *, title: str = "") -> str:
    """Render an article body. A first `# Title` line that repeats the title is left out
    because the page prints the title itself."""
    if len(source) > _CACHED_BODY_MAX:
        return _render_article(source, title)
    return _render_article_cached(source, title, settings.PUBLIC_URL)


# The same bodies are rendered again and again: the starter KB (110 bodies of 1-5 KB) into
# every new account, an import that updates a few of many articles, the editor's preview.
# Bodies have no length limit, so only those up to 16 KB are kept: at most 256 of them
# with their HTML, a few MB. The public URL is in the key because the sanitizer tells own
# links and assets from others' by it.
_CACHED_BODY_MAX = 16 * 1024


@functools.lru_cache(maxsize=256)
def _render_article_cached(source: str, title: str, public_url: str) -> str:
    return _render_article(source, title)


def _render_article(source: str, title: str) -> str:
    text = source.replace("\r\n", "\n")
    lines = text.lstrip("\n").split("\n", 1)
    if title and lines and lines[0].strip() == f"# {title}".strip():
        text = lines[1] if len(lines) > 1 else ""
    tokens = _ARTICLE_MD.parse(text)
    _align_attributes(tokens)
    _heading_anchors(tokens)
    return sanitize_html(_ARTICLE_MD.renderer.render(tokens, _ARTICLE_MD.options, {}))


def render_chat_markdown(source: str) -> str:
    """An assistant's chat answer as safe HTML: lists (nested), tables, code, emphasis
    and http(s)/mailto links; raw HTML is escaped, images are not rendered."""
    tokens = _CHAT_MD.parse(source.replace("\r\n", "\n"))
    _align_attributes(tokens)
    return sanitize_chat_html(_CHAT_MD.renderer.render(tokens, _CHAT_MD.options, {}))


def sanitize_chat_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=CHAT_TAGS,
        attributes=CHAT_ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def external_images(source: str) -> list[str]:
    """Image URLs in a body that are not Blockdesk KB assets."""
    urls = _IMAGE_MD.findall(source) + _IMAGE_HTML.findall(source)
    return [u for u in urls if not _is_asset_url(u)]
