"""HTML mail to safe text: quote containers known, nothing that runs or loads survives."""

from __future__ import annotations

import pytest

from blockdesk.connectors.email_reply import extract_reply, html_to_text


def test_scripts_styles_hidden_elements_and_markup_are_dropped() -> None:
    html = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<script>alert(1)</script><p onclick='x()'>Hello <b>agent</b> &lt;3</p>"
        "<div style='display:none'>preheader</div><iframe src='https://x'>f</iframe></body></html>"
    )
    assert html_to_text(html) == "Hello agent <3"


def test_remote_images_become_placeholders_and_tracking_pixels_vanish() -> None:
    html = (
        '<p>See <img src="https://cdn.example/a.png" alt="receipt"> and '
        '<img src="http://t.example/o.gif" width="1" height="1"><img src="https://x/y.png"></p>'
    )
    text = html_to_text(html)
    assert text == "See [image: receipt] and [image]"
    assert "http" not in text


def test_client_quote_containers_become_quoted_lines() -> None:
    for container in (
        '<div class="gmail_quote">{}</div>',
        '<blockquote type="cite">{}</blockquote>',
        '<div class="yahoo_quoted">{}</div>',
        '<div class="protonmail_quote">{}</div>',
        '<div id="isReplyContent">{}</div>',
    ):
        html = "<div>Answer</div>" + container.format("<div>Old question</div>")
        assert html_to_text(html) == "Answer\n> Old question", container
        parts = extract_reply(html, content_type="text/html")
        assert parts.reply == "Answer"
        assert parts.quoted == "> Old question"


def test_inline_html_reply_keeps_the_quoted_question() -> None:
    html = (
        "<blockquote>Which network?</blockquote><div>Solana.</div>"
        "<blockquote>Anything else?</blockquote>"
    )
    assert extract_reply(html, content_type="text/html").reply == "> Which network?\nSolana."


def test_gmail_signature_container_is_the_signature() -> None:
    html = (
        '<div>Thanks</div><div class="gmail_signature" data-smartmail="gmail_signature">'
        "Alice<br>Example DAO</div>"
    )
    parts = extract_reply(html, content_type="text/html")
    assert parts.reply == "Thanks"
    assert parts.signature == "-- \nAlice\nExample DAO"


def test_outlook_reply_header_in_html_starts_the_history() -> None:
    html = (
        "<p class=MsoNormal>Done<o:p></o:p></p><div id='divRplyFwdMsg'><b>From:</b> S &lt;s@x&gt;"
        "<br><b>Sent:</b> Monday<br><b>To:</b> B<br><b>Subject:</b> RE: x</div><p>Old text</p>"
    )
    assert extract_reply(html, content_type="text/html").reply == "Done"


def test_unclosed_and_malformed_markup_does_not_break() -> None:
    assert html_to_text("<div><p>one<p>two</blockquote></span></div></div>") == "one\ntwo"
    # A tag cut off at the end is kept as text (shown escaped), never interpreted.
    assert html_to_text("<p>three</p><img src=x") == "three\n\n<img src=x"


@pytest.mark.timeout(60)
def test_adversarial_markup_stays_linear() -> None:
    # 100k unclosed tags then 100k unmatched closings; 110k inline elements on one line.
    assert html_to_text("<b>" * 100_000 + "x" + "</i>" * 100_000) == "x"
    assert html_to_text("<span>w</span> " * 110_000).count("w") == 110_000
