"""Markdown → safe HTML for articles.

python-markdown renders; nh3 (ammonia) then keeps only an allow-list of tags and
attributes, so raw HTML in a body cannot add scripts, event handlers, styles or
javascript: URLs. Images must be KB assets served by Blockdesk: other image URLs are
dropped here and refused when an article is saved (see `external_images`)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import markdown as md
import nh3
from django.conf import settings
from markdown.extensions.toc import slugify_unicode

ASSET_PREFIX = "/help/assets/"

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
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
_CLASS_OK = re.compile(r"^(language-[A-Za-z0-9_+-]{1,30}|kb-anchor)$")
_ID_OK = re.compile(r"^h-[\w-]{1,80}$")
_ANCHOR_TAG = re.compile(r"<a ([^>]*)>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
_IMAGE_MD = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
_IMAGE_HTML = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)


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


def render_markdown(source: str, *, title: str = "") -> str:
    """Render an article body. A first `# Title` line that repeats the title is left out
    because the page prints the title itself."""
    text = source.replace("\r\n", "\n")
    lines = text.lstrip("\n").split("\n", 1)
    if title and lines and lines[0].strip() == f"# {title}".strip():
        text = lines[1] if len(lines) > 1 else ""
    renderer = md.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "toc": {
                "slugify": _heading_id,
                "permalink": "#",
                "permalink_class": "kb-anchor",
                "permalink_title": "",
            },
        },
        output_format="html",
    )
    return sanitize_html(renderer.convert(text))


def external_images(source: str) -> list[str]:
    """Image URLs in a body that are not Blockdesk KB assets."""
    urls = _IMAGE_MD.findall(source) + _IMAGE_HTML.findall(source)
    return [u for u in urls if not _is_asset_url(u)]
