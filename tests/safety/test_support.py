"""Missing shared data skips outside CI and fails in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import _support


def test_missing_data_skips_outside_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_support, "SHARED_DATA", tmp_path)
    monkeypatch.setattr(_support, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="shared data missing"):
        _support.shared_file("bip39/vectors.json")


def test_missing_data_fails_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_support, "SHARED_DATA", tmp_path)
    monkeypatch.setattr(_support, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        _support.shared_file("bip39/vectors.json")
