"""common/group_memo: reads kept for one group of work, and only inside its scope."""

from __future__ import annotations

import threading

from blockdesk.common.group_memo import group_scope, per_group, prime

calls: list[tuple[int, str]] = []


@per_group
def _read(account_id: int, *, language: str = "en") -> dict[str, object]:
    calls.append((account_id, language))
    return {"account": account_id, "language": language}


def setup_function() -> None:
    calls.clear()


def test_outside_a_scope_every_call_reads():
    _read(1)
    _read(1)
    assert calls == [(1, "en"), (1, "en")]


def test_inside_a_scope_each_distinct_call_reads_once():
    with group_scope():
        first = _read(1)
        assert _read(1) is first
        _read(2)
        _read(1, language="zh")
        _read(1, language="zh")
    assert calls == [(1, "en"), (2, "en"), (1, "zh")]


def test_nothing_is_kept_past_the_scope():
    with group_scope():
        _read(1)
    with group_scope():
        _read(1)
    _read(1)
    assert calls == [(1, "en")] * 3


def test_a_nested_scope_shares_the_outer_one_and_leaves_it_open():
    with group_scope():
        _read(1)
        with group_scope():
            _read(1)
        _read(1)
    assert calls == [(1, "en")]


def test_another_thread_does_not_see_a_scope():
    seen: list[int] = []
    with group_scope():
        _read(1)
        worker = threading.Thread(target=lambda: seen.append(len(_read(1))))
        worker.start()
        worker.join()
    assert seen == [2] and calls == [(1, "en"), (1, "en")]


def test_a_primed_result_is_answered_without_reading_inside_its_scope_only():
    prime(_read, {"primed": True}, 7)  # no scope: nothing kept
    assert _read(7) == {"account": 7, "language": "en"}
    with group_scope():
        prime(_read, {"primed": True}, 7)
        prime(_read, None, 8, language="zh")
        assert _read(7) == {"primed": True}
        assert _read(8, language="zh") is None
        _read(8)
    assert calls == [(7, "en"), (8, "en")]
