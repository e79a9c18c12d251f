from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
ISSUE_ARGS = [
    "--arrivals-per-hour",
    "200",
    "--aht-seconds",
    "240",
    "--service-level",
    "0.8",
    "--answer-within-seconds",
    "20",
]


def run(*args: str) -> str:
    out = StringIO()
    call_command("staffing", *args, stdout=out)
    return out.getvalue()


def test_json_contract():
    data = json.loads(run(*ISSUE_ARGS, "--shrinkage", "0.3", "--json"))
    assert data["agents"] == 17
    assert data["agents_with_shrinkage"] == 25  # ceil(17 / 0.7)
    assert data["service_level"] == pytest.approx(0.8104, abs=1e-4)
    assert data["occupancy"] == pytest.approx(13.3333 / 17, abs=1e-4)
    assert data["asa_seconds"] == pytest.approx(16.84, abs=0.01)


def test_without_shrinkage_both_counts_are_equal():
    data = json.loads(run(*ISSUE_ARGS, "--json"))
    assert data["agents_with_shrinkage"] == data["agents"] == 17
    assert data["model"] == "erlang_c"


def test_patience_switches_to_erlang_a():
    data = json.loads(run(*ISSUE_ARGS, "--patience-seconds", "60", "--json"))
    assert data["model"] == "erlang_a" and data["agents"] < 17
    assert 0 < data["abandon_rate"] < 1


def test_readable_summary():
    text = run(*ISSUE_ARGS, "--shrinkage", "0.3")
    assert "17" in text and "25" in text and "81.0%" in text


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--arrivals-per-hour", "-3"),
        ("--aht-seconds", "0"),
        ("--service-level", "1.5"),
        ("--service-level", "0"),
        ("--shrinkage", "1"),
    ],
)
def test_bad_input_is_a_clear_error(flag, value):
    args = [*ISSUE_ARGS]
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    with pytest.raises(CommandError, match=flag):
        run(*args)


def test_the_process_exits_non_zero_on_bad_input():
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "staffing",
            *ISSUE_ARGS[:2],
            "--aht-seconds",
            "0",
            *ISSUE_ARGS[4:],
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--aht-seconds" in done.stderr and done.stdout == ""
