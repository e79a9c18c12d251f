"""The public side is accessible (issue 15, "Quality": keyboard, labels, contrast).

Seeds the demo (which shows every public feature), crawls the public pages from their
roots as an anonymous visitor and as a signed-in customer, and checks each page's HTML
for what a screen-reader or keyboard user needs: a language, a title, a main landmark and
a heading; a label for every form control; alternative text for images; a name for every
link and button; no positive tabindex (it breaks the keyboard order); unique ids. Then
each page is rendered in Chromium with its own stylesheets (served from the static files
through Playwright's routing, no server) and every piece of visible text is checked for
WCAG AA contrast with the colours the browser computed: 4.5:1, 3:1 for large text; and
every link, button and form control is checked to be reachable with the Tab key."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from blockdesk.accounts.models import Account
from blockdesk.demo.management.commands.seed_demo import DEMO_ACCOUNT
from tests.conftest import require_or_skip
from tests.customers.conftest import make_customer, signed_in_client

CHROMIUM = "/usr/bin/chromium"

ROOTS = (
    "/community/en/",
    "/community/zh-hans/",
    "/feedback/",
    "/feedback/roadmap/",
    "/changelog/",
    "/status/",
    "/learn/",
    "/help/en/",
    "/help/zh-hans/",
    "/customer/sign-in/",
)
PUBLIC = ("/community/", "/feedback/", "/changelog/", "/status/", "/learn/", "/help/", "/customer/")
SKIP = re.compile(r"\.(atom|rss|ics|json|xml)$|/feed|/unsubscribe/|/sign-out")
MAX_PAGES = 120
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.lang = ""
        self.title = ""
        self.headings = 0
        self.main = False
        self.ids: dict[str, int] = {}
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str], bool]] = []  # tag, attrs, in a label
        self.links: list[str] = []
        self.stylesheets: list[str] = []
        self._stack: list[tuple[str, dict[str, str], list[str]]] = []
        self._in_title = False
        self._labels_open = 0

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "html":
            self.lang = attrs.get("lang", "")
        if tag == "title":
            self._in_title = True
        if tag == "main" or attrs.get("role") == "main":
            self.main = True
        if tag == "h1":
            self.headings += 1
        if "id" in attrs:
            self.ids[attrs["id"]] = self.ids.get(attrs["id"], 0) + 1
        if attrs.get("tabindex", "").lstrip("-").isdigit() and int(attrs["tabindex"]) > 0:
            self.problems.append(f"positive tabindex on <{tag}>")
        if tag == "label":
            self._labels_open += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in UNLABELLED_TYPES:
            self.controls.append((tag, attrs, self._labels_open > 0))
        if tag == "img" and "alt" not in attrs:
            self.problems.append(f"<img src={attrs.get('src')!r}> without alt")
        if tag == "link" and "stylesheet" in attrs.get("rel", "").split():
            self.stylesheets.append(attrs.get("href", ""))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("a", "button") and (tag != "a" or attrs.get("href")):
            self._stack.append((tag, attrs, []))
        elif tag == "img" and self._stack:
            self._stack[-1][2].append(attrs.get("alt", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "label":
            self._labels_open = max(0, self._labels_open - 1)
        if tag in ("a", "button") and self._stack and self._stack[-1][0] == tag:
            _tag, attrs, text = self._stack.pop()
            named = "".join(text).strip() or attrs.get("aria-label") or attrs.get("title")
            if not named and not attrs.get("aria-labelledby"):
                where = attrs.get("href") or attrs.get("class", "")
                self.problems.append(f"<{tag} {where}> has no name")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        for entry in self._stack:
            entry[2].append(data)

    def finish(self) -> list[str]:
        problems = list(self.problems)
        if not self.lang:
            problems.append("<html> without lang")
        if not self.title.strip():
            problems.append("no <title>")
        if not self.main:
            problems.append("no <main> landmark")
        if not self.headings:
            problems.append("no <h1>")
        problems += [f"id {i!r} used {n} times" for i, n in self.ids.items() if n > 1]
        for tag, attrs, in_label in self.controls:
            named = (
                in_label
                or attrs.get("id", "\0") in self.label_for
                or attrs.get("aria-label")
                or attrs.get("aria-labelledby")
                or attrs.get("title")
            )
            if not named:
                problems.append(f"<{tag} name={attrs.get('name')!r}> without a label")
        return problems


def _crawl(client: Client, roots: tuple[str, ...]) -> dict[str, tuple[str, _Audit]]:
    seen: dict[str, tuple[str, _Audit]] = {}
    queue = list(roots)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or SKIP.search(path) or not path.startswith(PUBLIC):
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        audit = _Audit()
        audit.feed(html)
        seen[path] = (html, audit)
        for href in audit.links:
            parts = urlsplit(href)
            if parts.netloc in ("", "testserver") and parts.path.startswith(PUBLIC):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


# For every element with its own visible text: its colour, the first non-transparent
# background up its ancestors (white at the top), its size and weight.
TEXT_COLOURS = """() => {
  const parse = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(",").map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const background = el => {
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0.5) return c;
      if (getComputedStyle(n).backgroundImage !== "none") return null;  // unknown: skipped
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || !el.getClientRects().length) continue;
    if (parseFloat(style.opacity) < 1) continue;
    const fg = parse(style.color), bg = background(el);
    if (!fg || !bg) continue;
    out.push({tag: el.tagName.toLowerCase(), cls: el.className && String(el.className),
              text: el.textContent.trim().slice(0, 40), fg, bg,
              size: parseFloat(style.fontSize), weight: parseInt(style.fontWeight, 10)});
  }
  return out;
}"""

FOCUSABLE = """() => Array.from(document.querySelectorAll(
  "a[href], button, input:not([type=hidden]), select, textarea"))
  .filter(el => el.getClientRects().length && !el.disabled)
  .filter(el => el.tabIndex < 0).map(el => el.outerHTML.slice(0, 80))"""


def _luminance(rgb: dict[str, float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(rgb["r"]) + 0.7152 * channel(rgb["g"]) + 0.0722 * channel(rgb["b"])


def contrast(foreground: dict[str, float], background: dict[str, float]) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _too_faint(item: dict[str, object]) -> bool:
    large = item["size"] >= 24 or (item["size"] >= 18.66 and item["weight"] >= 700)  # type: ignore[operator]
    return contrast(item["fg"], item["bg"]) < (3.0 if large else 4.5)  # type: ignore[arg-type]


def test_the_contrast_formula() -> None:
    black, white = {"r": 0, "g": 0, "b": 0}, {"r": 255, "g": 255, "b": 255}
    assert contrast(black, white) == pytest.approx(21)
    grey = {"r": 118, "g": 118, "b": 118}  # #767676: the lightest grey that passes on white
    assert 4.5 < contrast(grey, white) < 4.6
    light = {"r": 153, "g": 153, "b": 153}
    assert _too_faint({"fg": light, "bg": white, "size": 16, "weight": 400})
    assert not _too_faint({"fg": grey, "bg": white, "size": 16, "weight": 400})


def test_the_html_audit_finds_what_it_looks_for() -> None:
    audit = _Audit()
    audit.feed(
        '<html><head><title> </title></head><body><input name="q"><img src="x.png">'
        '<a href="/x"></a><button></button><p id="a"></p><p id="a" tabindex="2"></p>'
        '<label>Name <input name="ok"></label><label for="e">E</label><input id="e" name="e">'
        '<a href="/y" aria-label="Next"></a><button><img src="i.png" alt="Close"></button>'
    )
    problems = audit.finish()
    assert sorted(problems) == sorted([
        "<html> without lang", "no <title>", "no <main> landmark", "no <h1>",
        "<input name='q'> without a label", "<img src='x.png'> without alt",
        "<a /x> has no name", "<button > has no name", "id 'a' used 2 times",
        "positive tabindex on <p>",
    ])  # fmt: skip


def _render_checks(pages: dict[str, tuple[str, _Audit]]) -> list[str]:
    from django.conf import settings
    from playwright.sync_api import Route, sync_playwright

    static_url = settings.STATIC_URL
    current: dict[str, str] = {}

    def serve(route: Route) -> None:
        path = urlsplit(route.request.url).path
        if path == "/__page__":
            route.fulfill(body=current["html"], content_type="text/html")
            return
        found = finders.find(path.removeprefix(static_url)) if path.startswith(static_url) else None
        if found and route.request.resource_type == "stylesheet":
            with open(found, encoding="utf-8") as handle:
                route.fulfill(body=handle.read(), content_type="text/css")
        else:  # scripts, images, fonts: not needed for colours and focus
            route.fulfill(status=404, body="")

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", serve)
            for path, (html, _audit) in sorted(pages.items()):
                current["html"] = html
                page.goto("http://public.test/__page__")
                for item in page.evaluate(TEXT_COLOURS):
                    if _too_faint(item):
                        ratio = contrast(item["fg"], item["bg"])
                        problems.append(
                            f"{path}: <{item['tag']} class={item['cls']!r}> {item['text']!r} "
                            f"contrast {ratio:.2f}:1 fg={item['fg']} bg={item['bg']}"
                        )
                problems += [f"{path}: not reachable by Tab: {h}" for h in page.evaluate(FOCUSABLE)]
        finally:
            browser.close()
    return problems


@pytest.mark.browser
# Once, in the SQLite pass: the pages do not depend on the database, and on the
# PostgreSQL pass this test's long transaction held every other worker's events back
# (their readability is cluster-wide, events/log.py).
@pytest.mark.embedded_only
@pytest.mark.django_db
def test_public_pages_are_labelled_named_and_in_contrast(settings) -> None:  # type: ignore[no-untyped-def]
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    settings.KB_LANGUAGES = ["en", "zh-hans"]
    call_command("seed_demo", stdout=io.StringIO())
    account = Account.objects.get(name=DEMO_ACCOUNT)
    pages = _crawl(Client(), ROOTS)
    customer = make_customer(account, email="a11y@example.com", name="A11y check")
    signed_in = _crawl(
        signed_in_client(customer),
        ("/community/en/", "/feedback/", "/learn/", "/community/en/settings/"),
    )
    assert len(pages) >= 30, sorted(pages)  # the crawl reached the features' pages
    assert any("/q/" in path for path in pages) and "/community/en/settings/" in signed_in
    problems = [
        f"{path}: {problem}"
        for crawl in (pages, signed_in)
        for path, (_html, audit) in sorted(crawl.items())
        for problem in audit.finish()
    ]
    problems += _render_checks({**pages, **{f"{k} (signed in)": v for k, v in signed_in.items()}})
    assert not problems, "\n".join(problems)
