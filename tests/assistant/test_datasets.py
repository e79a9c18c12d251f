from __future__ import annotations

import json
from pathlib import Path

import pytest

from blockdesk.assistant.nlu.datasets import DatasetError, Example, load_examples, parse_spec


def test_csv_with_header(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text('text,category\nwhere is my card?,card_arrival\n"fees, please",fees\n')
    assert load_examples(f) == [
        Example("where is my card?", "card_arrival"),
        Example("fees, please", "fees"),
    ]


def test_csv_alternative_column_names_and_order(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text("intent,text\noos,what's the weather\n")
    assert load_examples(f) == [Example("what's the weather", "oos")]


def test_json_list_of_pairs(tmp_path: Path) -> None:
    f = tmp_path / "d.json"
    f.write_text(json.dumps([["hi there", "greet"], {"text": "bye", "intent": "leave"}]))
    assert load_examples(f) == [Example("hi there", "greet"), Example("bye", "leave")]


def test_json_object_with_key_selection(tmp_path: Path) -> None:
    f = tmp_path / "d.json"
    f.write_text(json.dumps({"train": [["a", "x"]], "oos_train": [["b", "oos"]], "val": []}))
    assert load_examples(f"{f}:train+oos_train") == [Example("a", "x"), Example("b", "oos")]
    assert parse_spec(f"{f}:train+oos_train") == (f, ["train", "oos_train"])


def test_json_object_without_keys_names_the_keys(tmp_path: Path) -> None:
    f = tmp_path / "d.json"
    f.write_text(json.dumps({"train": [["a", "x"]], "val": [["b", "y"]]}))
    with pytest.raises(DatasetError, match=r"d\.json.*train, val"):
        load_examples(f)
    with pytest.raises(DatasetError, match="no key 'test'"):
        load_examples(f"{f}:test")


def test_malformed_csv_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("text,category\nok,a\nonly-one-column\n")
    with pytest.raises(DatasetError, match=r"bad\.csv, line 3: expected at least 2 columns"):
        load_examples(f)


def test_csv_empty_label_names_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("text,category\nok,a\n\nhello,\n")
    with pytest.raises(DatasetError, match=r"bad\.csv, line 4: empty intent"):
        load_examples(f)


def test_csv_without_header_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("where is my card,card_arrival\n")
    with pytest.raises(DatasetError, match=r"bad\.csv, line 1: expected a header"):
        load_examples(f)


def test_malformed_json_pair_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('[\n  ["fine", "a"],\n  ["fine too", "b"],\n  ["broken"]\n]\n')
    with pytest.raises(DatasetError, match=r"bad\.json, line 4: expected a \[text, intent\]"):
        load_examples(f)


def test_json_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('[\n  ["fine", "a"],\n  ["oops" "b"]\n]\n')
    with pytest.raises(DatasetError, match=r"bad\.json, line 3: invalid JSON"):
        load_examples(f)


def test_json_non_string_label_in_object(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{"train": [\n["a", "x"],\n["b", 7]\n]}')
    with pytest.raises(DatasetError, match=r"bad\.json, line 3: text and intent must be strings"):
        load_examples(f"{f}:train")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        load_examples(tmp_path / "nope.csv")
