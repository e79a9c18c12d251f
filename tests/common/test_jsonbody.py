"""The bounded JSON loader: depth measured without recursion, size and UTF-8 enforced."""

from __future__ import annotations

import json
import time

import pytest

from blockdesk.common.jsonbody import (
    DEFAULT_MAX_DEPTH,
    BodyTooLarge,
    InvalidJson,
    JsonTooDeep,
    exceeds_depth,
    loads_bounded,
)


def nested(depth: int, kind: str = "object") -> str:
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize("kind", ["object", "array"])
def test_depth_at_the_limit_parses_and_one_more_is_refused(kind):
    at_limit = nested(DEFAULT_MAX_DEPTH, kind)
    assert loads_bounded(at_limit.encode()) == json.loads(at_limit)
    with pytest.raises(JsonTooDeep) as caught:
        loads_bounded(nested(DEFAULT_MAX_DEPTH + 1, kind).encode())
    assert caught.value.status == 400 and caught.value.code == "json_too_deep"


def test_mixed_nesting_counts_every_level():
    assert loads_bounded('{"a":[{"b":[1]}]}', max_depth=4) == {"a": [{"b": [1]}]}
    with pytest.raises(JsonTooDeep):
        loads_bounded('{"a":[{"b":[1]}]}', max_depth=3)
    # Siblings do not add up: two arrays side by side are still depth 2.
    assert loads_bounded("[[1],[2],[3]]", max_depth=2) == [[1], [2], [3]]


def test_a_hundred_thousand_levels_are_refused_quickly_without_recursion():
    body = nested(100_000).encode()  # ~600 KB: the body that crashed the server
    started = time.perf_counter()
    with pytest.raises(JsonTooDeep):
        loads_bounded(body)
    assert time.perf_counter() - started < 1.0
    with pytest.raises(InvalidJson):
        loads_bounded("[" * 100_000)  # never closed: not JSON, and not parsed
    with pytest.raises(JsonTooDeep):
        loads_bounded("[" * 100_000 + "]" * 40)  # too deep before it turns out unbalanced


def test_brackets_inside_strings_are_text():
    text = json.dumps({"note": "[[[[{{{{" * 1000, "quote": 'a \\" [ " ] \\\\', "x": "}}]]"})
    assert loads_bounded(text, max_depth=1)["note"].startswith("[[[[")
    escaped = '["\\"[[[[[[", "\\\\", [1]]'  # an escaped quote, then an escaped backslash
    assert loads_bounded(escaped, max_depth=2) == ['"[[[[[[', "\\", [1]]
    assert not exceeds_depth('"[[[[[[[["', 1)


def test_huge_flat_documents_are_fine():
    flat = json.dumps(list(range(500_000)))
    assert len(loads_bounded(flat, max_depth=1)) == 500_000
    many = "[" + ",".join(["{}"] * 200_000) + "]"
    assert len(loads_bounded(many, max_depth=2)) == 200_000


def test_size_is_bounded_before_parsing(settings):
    with pytest.raises(BodyTooLarge) as caught:
        loads_bounded(b"[" + b"1," * 600 + b"1]", max_bytes=1000)
    assert caught.value.status == 413 and caught.value.as_dict()["error"]["code"] == "too_large"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    with pytest.raises(BodyTooLarge):
        loads_bounded(b'{"a": "0123456789"}')


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\xff\xfe"}',  # not UTF-8
        b"\xc3\x28",  # a broken two-byte sequence
        b"{not json}",
        b'{"a": 1',
        b"[1, 2]]",
        b"NaN",
        b'{"a": Infinity}',
        b"1" * 5000,  # beyond Python's integer digit limit: a ValueError, not a crash
        b"",
    ],
)
def test_what_is_not_json_is_a_400(raw):
    with pytest.raises(InvalidJson) as caught:
        loads_bounded(raw)
    body = caught.value.as_dict()["error"]
    assert caught.value.status == 400 and body["code"] in ("invalid_json", "json_too_deep")
    assert body["message"]


def test_utf8_text_and_escapes_decode():
    assert loads_bounded('{"name": "李雷 ☃"}'.encode()) == {"name": "李雷 ☃"}
    assert loads_bounded(b'{"name": "\\u674e"}') == {"name": "李"}
