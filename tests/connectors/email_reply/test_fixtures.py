"""Every hand-labelled client fixture: reply and signature as a reader would split them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blockdesk.connectors.email_reply import extract_from_bytes

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def test_the_set_covers_every_client_in_both_languages() -> None:
    clients = {(v["client"], v["lang"]) for v in EXPECTED.values()}
    for client in ("gmail", "outlook", "outlook-web", "apple-ios", "apple-mail", "thunderbird",
                   "qq", "foxmail", "netease", "yahoo", "proton"):  # fmt: skip
        assert (client, "en") in clients or client == "netease", client
        assert (client, "zh") in clients or client == "apple-mail", client
    kinds = {v["kind"] for v in EXPECTED.values()}
    assert {"top", "bottom", "inline"} <= kinds
    assert len(EXPECTED) >= 60


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name: str) -> None:
    want = EXPECTED[name]
    got = extract_from_bytes((FIXTURES / name).read_bytes())
    assert _norm(got.reply) == _norm(want["reply"])
    assert _norm(got.signature) == _norm(want["signature"])
    # Nothing is lost: what is not shown is in the signature or the hidden history.
    if want["signature"] is None and "> " not in want["reply"]:
        assert got.signature is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_keep_signature_puts_it_back_at_the_end(name: str) -> None:
    got = extract_from_bytes((FIXTURES / name).read_bytes(), keep_signature=True)
    want = EXPECTED[name]
    assert got.signature is None
    expected = want["reply"] + ("\n\n" + want["signature"] if want["signature"] else "")
    assert _norm(got.reply) == _norm(expected.strip())
