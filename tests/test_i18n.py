"""zh-Hans and en ship complete: every translatable string in the code has a zh-Hans
translation that is neither missing nor fuzzy.

The check re-extracts the strings from a copy of the source (so a string added without
a translation fails here) and then reads the merged catalogue."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "blockdesk"


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry, plurals folded into msgstr."""
    entries = []
    for block in po_text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        if any(ln.startswith("#~") for ln in lines):
            continue  # obsolete
        msgid, msgstr, current = [], [], None
        for ln in lines:
            if ln.startswith("msgid "):
                current = msgid
                current.append(ln[6:])
            elif ln.startswith("msgid_plural"):
                current = None
            elif ln.startswith("msgstr"):
                current = msgstr
                current.append(ln.split(" ", 1)[1])
            elif ln.startswith('"') and current is not None:
                current.append(ln)
        if msgid:
            mid = "".join(s.strip('"') for s in msgid)
            mstr = "".join(s.strip('"') for s in msgstr)
            entries.append((mid, mstr, fuzzy))
    return entries


@pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU gettext is not installed")
def test_zh_hans_catalogue_is_complete(tmp_path):
    copy = tmp_path / "blockdesk"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "-v0",
            "--ignore",
            "static/*",
            "--ignore",
            "kb/content/*",
        ],
        cwd=copy,
        check=True,
        timeout=300,
        env={"DJANGO_SETTINGS_MODULE": "blockdesk.settings", "PATH": "/usr/bin:/bin"},
    )
    po = (copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text()
    entries = [e for e in _entries(po) if e[0]]
    assert len(entries) > 50, "extraction found too few strings: the check itself is broken"
    missing = [mid for mid, mstr, fuzzy in entries if not mstr]
    fuzzy = [mid for mid, mstr, f in entries if f]
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


@pytest.mark.parametrize(
    ("context", "msgid", "zh"),
    [
        (None, "Pending", "待处理"),  # a conversation handled by the assistant
        ("transaction status", "Pending", "待确认"),
        ("webhook delivery status", "Pending", "等待发送"),
        ("page views", "Views", "浏览量"),
        ("saved conversation filters", "Views", "视图"),
    ],
)
def test_ambiguous_english_words_are_translated_by_context(context, msgid, zh):
    from django.utils import translation

    with translation.override("zh-hans"):
        got = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert got == zh
