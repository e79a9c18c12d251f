"""Loading labelled (text, intent) data from CSV and JSON files.

Accepted inputs (the intent ``oos`` marks an out-of-scope row):

* CSV with a header row holding a text column (``text``) and a label column
  (``category``, ``intent`` or ``label``), like BANKING77.
* JSON list of ``[text, intent]`` pairs (or ``{"text": ..., "intent": ...}``
  objects), like CLINC150's splits.
* JSON object of such lists, selecting keys with a suffix:
  ``data.json:train+oos_train`` concatenates ``train`` and ``oos_train``.

Every error names the file and the line, so a broken upload is easy to fix.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "MODEL_FILENAME",
    "OOS_LABEL",
    "DatasetError",
    "Example",
    "load_examples",
    "parse_spec",
]

OOS_LABEL = "oos"
# The file a trained model is saved as (here, not in training.py: finding it needs no numpy).
MODEL_FILENAME = "intent-model.joblib"
_TEXT_COLUMNS = ("text", "utterance", "query", "question")
_LABEL_COLUMNS = ("category", "intent", "label")


class DatasetError(ValueError):
    """A data file is missing, malformed, or its selection is invalid."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str


def parse_spec(spec: str | Path) -> tuple[Path, list[str]]:
    """Split ``FILE[:key1+key2]`` into the path and the selected JSON keys.

    A colon is only taken as the key separator when the whole string is not an
    existing file, so paths that contain colons still work."""
    raw = str(spec)
    path = Path(raw)
    if path.exists() or ":" not in raw:
        return path, []
    head, _, tail = raw.rpartition(":")
    keys = [k.strip() for k in tail.split("+") if k.strip()]
    if not keys or "/" in tail:
        return path, []
    return Path(head), keys


def load_examples(spec: str | Path) -> list[Example]:
    """Load examples from ``spec`` (see the module docstring for the formats)."""
    path, keys = parse_spec(spec)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    stripped = raw.lstrip()
    if stripped.startswith(("[", "{")) or path.suffix.lower() == ".json":
        examples = _load_json(path, raw, keys)
    else:
        if keys:
            raise DatasetError(f"{path}: key selection ':{'+'.join(keys)}' needs a JSON file")
        examples = _load_csv(path, raw)
    if not examples:
        raise DatasetError(f"{path}: no examples found")
    return examples


# -- CSV --------------------------------------------------------------------


def _load_csv(path: Path, raw: str) -> list[Example]:
    reader = csv.reader(raw.splitlines())
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DatasetError(f"{path}: empty file") from None
    except csv.Error as exc:
        raise DatasetError(f"{path}, line 1: {exc}") from exc
    text_col = next((header.index(c) for c in _TEXT_COLUMNS if c in header), None)
    label_col = next((header.index(c) for c in _LABEL_COLUMNS if c in header), None)
    if text_col is None or label_col is None:
        raise DatasetError(
            f"{path}, line 1: expected a header with a text column ({', '.join(_TEXT_COLUMNS)})"
            f" and a label column ({', '.join(_LABEL_COLUMNS)}), got {','.join(header)!r}"
        )
    width = max(text_col, label_col) + 1
    out: list[Example] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DatasetError(f"{path}, line {reader.line_num}: {exc}") from exc
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < width:
            raise DatasetError(
                f"{path}, line {reader.line_num}: expected at least {width} columns, got {len(row)}"
            )
        example = _example(row[text_col], row[label_col])
        if isinstance(example, str):
            raise DatasetError(f"{path}, line {reader.line_num}: {example}")
        out.append(example)
    return out


def _example(text: Any, intent: Any) -> Example | str:
    """The example, or what is wrong with it (the caller adds file and line)."""
    if not isinstance(text, str) or not isinstance(intent, str):
        return "text and intent must be strings"
    text, intent = text.strip(), intent.strip()
    if not text:
        return "empty text"
    if not intent:
        return "empty intent"
    return Example(text=text, intent=intent)


# -- JSON -------------------------------------------------------------------
# The json module does not report where an element sits, so the top-level
# containers are walked with raw_decode to keep each element's offset; that is
# what lets a wrong element be reported with its line number.

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WS:
        i += 1
    return i


def _line_of(s: str, pos: int) -> int:
    return s.count("\n", 0, pos) + 1


def _decode_at(path: Path, s: str, i: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(s, i)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}, line {exc.lineno}: invalid JSON ({exc.msg})") from exc


def _iter_array(path: Path, s: str, i: int) -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets of each element of the JSON array at ``s[i]``."""
    assert s[i] == "["
    i = _skip_ws(s, i + 1)
    if i < len(s) and s[i] == "]":
        return
    while True:
        _, end = _decode_at(path, s, i)
        yield i, end
        i = _skip_ws(s, end)
        if i < len(s) and s[i] == ",":
            i = _skip_ws(s, i + 1)
            continue
        if i < len(s) and s[i] == "]":
            return
        raise DatasetError(f"{path}, line {_line_of(s, i)}: invalid JSON (expected ',' or ']')")


def _object_members(path: Path, s: str, i: int) -> dict[str, int]:
    """Offsets of the values of the JSON object at ``s[i]``, by key."""
    assert s[i] == "{"
    members: dict[str, int] = {}
    i = _skip_ws(s, i + 1)
    if i < len(s) and s[i] == "}":
        return members
    while True:
        key, i = _decode_at(path, s, i)
        i = _skip_ws(s, i)
        if not isinstance(key, str) or i >= len(s) or s[i] != ":":
            raise DatasetError(f"{path}, line {_line_of(s, i)}: invalid JSON object")
        i = _skip_ws(s, i + 1)
        members[key] = i
        _, i = _decode_at(path, s, i)
        i = _skip_ws(s, i)
        if i < len(s) and s[i] == ",":
            i = _skip_ws(s, i + 1)
            continue
        if i < len(s) and s[i] == "}":
            return members
        raise DatasetError(f"{path}, line {_line_of(s, i)}: invalid JSON (expected ',' or '}}')")


def _load_json(path: Path, raw: str, keys: list[str]) -> list[Example]:
    start = _skip_ws(raw, 0)
    if start >= len(raw):
        raise DatasetError(f"{path}: empty file")
    # Validate the whole document first, for a precise error on broken syntax.
    _, end = _decode_at(path, raw, start)
    if _skip_ws(raw, end) != len(raw):
        raise DatasetError(f"{path}, line {_line_of(raw, end)}: trailing data after JSON")
    if raw[start] == "[":
        if keys:
            raise DatasetError(
                f"{path}: key selection ':{'+'.join(keys)}' needs a JSON object, "
                "but the file holds a list"
            )
        return _pairs(path, raw, start)
    if raw[start] != "{":
        raise DatasetError(f"{path}, line 1: expected a JSON list or object")
    members = _object_members(path, raw, start)
    if not keys:
        raise DatasetError(
            f"{path}: a JSON object needs a key selection, e.g. {path}:"
            f"{'+'.join(list(members)[:2]) or 'train'} (keys: {', '.join(members)})"
        )
    out: list[Example] = []
    for key in keys:
        if key not in members:
            raise DatasetError(f"{path}: no key {key!r} (keys: {', '.join(members)})")
        pos = members[key]
        if raw[pos] != "[":
            raise DatasetError(f"{path}, line {_line_of(raw, pos)}: {key!r} is not a list")
        out.extend(_pairs(path, raw, pos))
    return out


def _pairs(path: Path, raw: str, pos: int) -> list[Example]:
    out: list[Example] = []
    for start, end in _iter_array(path, raw, pos):
        item = json.loads(raw[start:end])
        example: Example | str
        if isinstance(item, list) and len(item) == 2:
            example = _example(item[0], item[1])
        elif isinstance(item, dict) and "text" in item:
            label = next((item[c] for c in _LABEL_COLUMNS if c in item), None)
            example = (
                "object has no intent/category/label"
                if label is None
                else _example(item["text"], label)
            )
        else:
            example = f"expected a [text, intent] pair, got {raw[start:end][:60]}"
        if isinstance(example, str):
            # Counting lines only on failure keeps loading linear on big files.
            raise DatasetError(f"{path}, line {_line_of(raw, start)}: {example}")
        out.append(example)
    return out
