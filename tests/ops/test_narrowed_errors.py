"""What the ops paths swallow and what they let through: a database that does not answer
leaves /metrics without its database figures and the KB's shared index falls back to the
local one (both logged); a bug in either raises."""

from __future__ import annotations

import io
import logging
from types import SimpleNamespace

import pytest
from botocore.exceptions import EndpointConnectionError
from django.db import OperationalError

from blockdesk.common import shared_files
from blockdesk.kb.search import shared
from blockdesk.ops import metrics


def _raising(exc: Exception):
    def raise_(*args: object, **kwargs: object):
        raise exc

    return raise_


def test_metrics_skip_the_database_figures_when_it_is_down(monkeypatch, caplog):
    monkeypatch.setattr(metrics.DatabaseCollector, "_tasks", _raising(OperationalError("down")))
    with caplog.at_level(logging.WARNING, logger=metrics.__name__):
        assert list(metrics.DatabaseCollector().collect()) == []
    assert "database figures unavailable" in caplog.text


def test_a_bug_in_the_metrics_is_not_hidden(monkeypatch):
    monkeypatch.setattr(metrics.DatabaseCollector, "_tasks", _raising(KeyError("bug")))
    with pytest.raises(KeyError):
        list(metrics.DatabaseCollector().collect())


def test_the_shared_index_marker(monkeypatch, caplog):
    def storage(open_):
        monkeypatch.setattr(shared_files, "default_storage", SimpleNamespace(open=open_))

    storage(_raising(FileNotFoundError("none yet")))
    with caplog.at_level(logging.INFO, logger=shared_files.__name__):
        assert shared.current(None) is None
    assert caplog.text == ""  # nothing published yet is not worth a line

    endpoint = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    storage(_raising(endpoint))
    with caplog.at_level(logging.WARNING, logger=shared_files.__name__):
        assert shared.current(None) is None
    assert "kb search index: cannot read the shared file's marker" in caplog.text

    storage(lambda *a, **k: io.BytesIO(b"not json"))
    assert shared.current(None) is None
    assert "not JSON" in caplog.text

    storage(_raising(AttributeError("a bug")))
    with pytest.raises(AttributeError):
        shared.current(None)
