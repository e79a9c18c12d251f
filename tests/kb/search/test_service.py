"""Persistence, lazy reload, reindexing and the background task."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest
from django.test import override_settings

from blockdesk.kb.search import service, store
from blockdesk.kb.search.index import Index
from blockdesk.kb.search.service import search, search_index
from blockdesk.kb.search.tasks import reindex_kb

from .conftest import TOY


@pytest.fixture
def data_dir(tmp_path, settings, monkeypatch):
    settings.DATA_DIR = tmp_path
    store.forget()
    docs = list(TOY)
    monkeypatch.setattr(service, "published_documents", lambda *, account_id=None: list(docs))
    yield docs
    store.forget()


def test_persistence_round_trip(toy_index, tmp_path):
    path = tmp_path / "idx.npz"
    toy_index.save(path)
    loaded = Index.load(path)
    assert loaded.version == toy_index.version
    assert loaded.documents == toy_index.documents
    assert loaded.vocab == toy_index.vocab
    assert np.array_equal(loaded.vectors, toy_index.vectors)
    assert (loaded.weights != toy_index.weights).nnz == 0
    for query in ("wrong network deposit", "质押收益", "2fa"):
        a = search_index(toy_index, query=query)
        b = search_index(loaded, query=query)
        assert [(h.document, h.score, h.cross_lingual) for h in a] == [
            (h.document, h.score, h.cross_lingual) for h in b
        ]
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed away


def test_first_search_builds_and_persists_the_index(data_dir, tmp_path):
    hits = search(query="wrong network deposit", language="en")
    assert hits[0].document.key == "deposit-wrong-network"
    assert store.index_path(None).exists()
    assert store.known_scopes() == [None]


def test_reindex_after_a_change_reuses_unchanged_vectors(data_dir, use_embedder, monkeypatch):
    before = service.reindex()
    assert not search(query="hardware wallet", language="en")
    data_dir.append(
        replace(
            TOY[2],
            key="hardware-wallets",
            article_id=999,
            title="Using a hardware wallet",
            example_questions=("ledger support",),
        )
    )
    calls: list[int] = []
    real_encode = use_embedder.encode
    monkeypatch.setattr(
        use_embedder, "encode", lambda texts: (calls.append(len(texts)), real_encode(texts))[1]
    )
    after = service.reindex()
    # Only the new title and question were embedded (its summary is the same text
    # as an existing article's, so that vector was reused too).
    assert len(after.vectors) - len(before.vectors) == 3
    assert sum(calls) == 2
    hits = search(query="hardware wallet", language="en")
    assert hits[0].document.key == "hardware-wallets"


def test_other_processes_pick_up_a_newer_index(data_dir):
    service.reindex()
    first = store.cached_index(None)
    assert first is not None
    # Another process writes a new version (different documents) to the same path.
    newer = service.rebuild_index(TOY[:2])
    newer.save(store.index_path(None))
    os.utime(store.index_path(None), ns=(1, 1))  # even an older mtime is a change
    current = store.cached_index(None)
    assert current is not None and current.version == newer.version
    assert len(current) == 2
    assert store.cached_index(None) is current  # no reload without a change


def test_background_task_rebuilds_every_scope(data_dir):
    data_dir[:] = TOY[:3]
    service.reindex(account_id=7)
    assert store.known_scopes() == [7]
    data_dir[:] = TOY
    assert reindex_kb.call(article_id=1) == 2 * len(TOY)  # scope 7 and the default one
    assert sorted(store.known_scopes(), key=str) == [7, None]
    assert len(store.cached_index(7)) == len(TOY)


@pytest.mark.django_db(transaction=True)
def test_schedule_reindex_enqueues_after_commit(data_dir):
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        service.schedule_reindex(42)
    index = store.cached_index(None)
    assert index is not None and len(index) == len(TOY)


def test_stale_index_with_another_embedder_is_rebuilt(data_dir, settings):
    settings.BLOCKDESK_KB_EMBEDDER = "none"
    service.reindex()
    assert store.cached_index(None).embedder == "none"
    settings.BLOCKDESK_KB_EMBEDDER = "use-m3"
    hits = search(query="my coins went to the wrong blockchain", language="en")
    assert store.cached_index(None).embedder == "use-m3"
    assert hits[0].document.key == "deposit-wrong-network"
