from __future__ import annotations

import uuid

import pytest

from blockdesk.kb import markdown
from blockdesk.kb.markdown import external_images, render_markdown


def test_script_event_handlers_and_javascript_urls_are_stripped():
    html = render_markdown(
        "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        '[click](javascript:alert(3)) <a href="JaVaScRiPt:alert(4)">x</a>\n\n'
        '<p style="color:red" onclick="alert(5)">styled</p><iframe src="/x"></iframe>'
    )
    lowered = html.lower()
    for bad in (
        "<script",
        "alert(1)",
        "onerror",
        'href="javascript',
        "onclick",
        "style=",
        "<iframe",
    ):
        assert bad not in lowered, bad
    # CommonMark does not make a link of a javascript: destination: it stays text.
    assert "[click](javascript:alert(3))" in html
    assert "styled" in html


def test_external_links_get_rel_internal_links_do_not(settings):
    settings.PUBLIC_URL = "https://support.example.com"
    html = render_markdown(
        "[out](https://other.example/a?b=1&c=2) [in](/help/en/) "
        "[self](https://support.example.com/help/) "
        '<a href="https://evil.example" rel="opener">raw</a>'
    )
    assert html.count('rel="noopener nofollow"') == 2
    assert '<a href="/help/en/">in</a>' in html
    assert '<a href="https://support.example.com/help/">self</a>' in html
    assert 'rel="opener"' not in html


def test_headings_get_prefixed_ids_and_anchors_tables_and_code_render():
    html = render_markdown(
        "# Title\n\n## 安全 提示\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nprint(1)\n```",
        title="Title",
    )
    assert "<h1" not in html  # the repeated title line is left out
    assert 'id="h-安全-提示"' in html and 'href="#h-安全-提示"' in html
    assert '<th align="left">a</th>' in html
    assert '<code class="language-python">' in html


def test_raw_html_ids_cannot_clobber_page_ids():
    html = render_markdown('<h2 id="help-q">x</h2><p id="main">y</p>')
    assert 'id="help-q"' not in html and 'id="main"' not in html


@pytest.mark.parametrize(
    ("source", "outside"),
    [
        ("![a](https://cdn.example/x.png)", ["https://cdn.example/x.png"]),
        ('<img src="//cdn.example/x.png">', ["//cdn.example/x.png"]),
        ("![a](/help/assets/0f/x.png)", []),
    ],
)
def test_only_kb_asset_images_are_allowed(source, outside):
    assert external_images(source) == outside
    html = render_markdown(source)
    if outside:
        assert "cdn.example" not in html
    else:
        assert 'src="/help/assets/0f/x.png"' in html


def test_a_kept_rendering_follows_the_public_url(settings):
    """Bodies are kept rendered (the starter KB goes into every account); a link is told
    own or external by the public URL, so the same body renders anew when it changes."""
    body = "See [our fees](https://help.one.example/help/fees)."
    settings.PUBLIC_URL = "https://help.one.example"
    own = render_markdown(body)
    settings.PUBLIC_URL = "https://help.two.example"
    theirs = render_markdown(body)
    assert "nofollow" not in own and "nofollow" in theirs
    settings.PUBLIC_URL = "https://help.one.example"
    assert render_markdown(body) == own


def test_a_long_body_renders_whole_without_being_kept():
    """Bodies have no length limit: only those up to 16 KB are kept, so the kept ones
    stay a few MB."""
    body = "# Long\n\n" + "A paragraph of the article. " * 1000  # ~28 KB
    # Emptied first: a worker that rendered 256 bodies already has a full cache, where a
    # new short body replaces one and the count does not move.
    markdown._render_article_cached.cache_clear()
    kept = markdown._render_article_cached.cache_info().currsize
    first = render_markdown(body)
    assert render_markdown(body) == first and first.count("A paragraph") == 1000
    assert markdown._render_article_cached.cache_info().currsize == kept
    render_markdown(f"A short one, kept ({uuid.uuid4()}).")
    assert markdown._render_article_cached.cache_info().currsize == kept + 1
