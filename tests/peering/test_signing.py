"""Signatures and canonical JSON: what both ends must agree on byte for byte."""

from __future__ import annotations

from typing import Any

import pytest

from blockdesk.peering import signing
from blockdesk.peering.verify import follow_rotation


def test_canonical_form_is_sorted_compact_and_keeps_unicode() -> None:
    assert signing.canonical({"b": 1, "a": ["x", "安全"]}) == '{"a":["x","安全"],"b":1}'.encode()
    assert signing.canonical({"a": 1, "b": 2}) == signing.canonical({"b": 2, "a": 1})


@pytest.mark.parametrize("value", [{"x": 1.5}, {"x": float("nan")}, {1: "a"}, {"x": {1, 2}}])
def test_values_without_one_spelling_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        signing.canonical(value)


def test_sign_and_verify_round_trip_and_tampering_fails() -> None:
    private, public = signing.new_key_pair()
    message = {"feed": "f", "body": {"title": "Phishing"}}
    signature = signing.sign(private, message)
    assert signing.verify(public, message, signature)
    assert not signing.verify(public, {"feed": "f", "body": {"title": "Phishing!"}}, signature)
    _other_private, other_public = signing.new_key_pair()
    assert not signing.verify(other_public, message, signature)
    assert not signing.verify(public, message, "not-a-signature")
    assert not signing.verify(public, message, signature[:-4] + "AAAA")
    assert not signing.verify("short", message, signature)


def test_public_keys_are_checked_and_fingerprinted() -> None:
    _private, public = signing.new_key_pair()
    assert len(signing.key_id(public)) == 16
    for bad in ("", "abc", "A" * 80, public[:-2]):
        with pytest.raises(signing.BadKey):
            signing.parse_public_key(bad)


def _chain(feed: str) -> tuple[str, str, dict[str, Any]]:
    old_private, old_public = signing.new_key_pair()
    _new_private, new_public = signing.new_key_pair()
    endorsement = signing.sign(
        old_private, signing.rotation_message(feed_id=feed, new_public_key=new_public)
    )
    page = {
        "keys": [
            {"public_key": old_public, "endorsed_by": "", "endorsement": ""},
            {
                "public_key": new_public,
                "endorsed_by": signing.key_id(old_public),
                "endorsement": endorsement,
            },
        ]
    }
    return old_public, new_public, page


def test_a_rotation_endorsed_by_the_pinned_key_is_followed() -> None:
    old, new, page = _chain("feed-1")
    assert follow_rotation(page, feed_id="feed-1", pinned_key=old, announced_key=new)
    # The endorsement names its feed: it does not carry over to another one.
    assert not follow_rotation(page, feed_id="feed-2", pinned_key=old, announced_key=new)


def test_a_key_endorsed_by_someone_else_is_not_followed() -> None:
    old, _new, page = _chain("feed-1")
    attacker_private, attacker_public = signing.new_key_pair()
    forged = signing.sign(
        attacker_private,
        signing.rotation_message(feed_id="feed-1", new_public_key=attacker_public),
    )
    page["keys"] = [
        {"public_key": attacker_public, "endorsed_by": signing.key_id(old), "endorsement": forged}
    ]
    assert not follow_rotation(
        page, feed_id="feed-1", pinned_key=old, announced_key=attacker_public
    )
