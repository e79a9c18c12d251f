"""A KB index rebuilt on one node reaches another (two loaders, two local disks, one
S3-compatible bucket on loopback)."""

from __future__ import annotations

import pytest

from blockdesk.kb.search import service, shared, store
from blockdesk.kb.search.content import load_documents


@pytest.fixture
def two_nodes(s3_server, settings, tmp_path, monkeypatch):
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    settings.KB_INDEX_SHARED = None  # on by itself: the uploads are in object storage
    settings.KB_INDEX_POLL_SECONDS = 0
    monkeypatch.setenv("BLOCKDESK_KB_EMBEDDER", "none")  # lexical only: no model to load
    docs = load_documents()
    published = {"docs": docs[:6]}
    monkeypatch.setattr(service, "published_documents", lambda **kw: list(published["docs"]))

    def on(node: str) -> None:
        """Become node `node`: its own DATA_DIR and an empty in-process cache."""
        settings.DATA_DIR = tmp_path / node
        store.forget()

    yield on, published, docs, bucket
    store.forget()


def test_rebuild_on_one_node_reaches_the_other(two_nodes, s3_server):
    on, published, docs, bucket = two_nodes
    assert shared.enabled()

    on("a")
    built = service.reindex(account_id=None)
    assert len(built.documents) == 6

    on("b")  # a fresh node: fetches the index instead of building one
    fetched = store.cached_index(None)
    assert fetched is not None and fetched.version == built.version
    assert [(d.key, d.language) for d in fetched.documents] == [
        (d.key, d.language) for d in built.documents
    ]

    # Articles change; node A rebuilds.
    published["docs"] = docs[:9]
    on("a")
    rebuilt = service.reindex(account_id=None)
    assert rebuilt.version != built.version and len(rebuilt.documents) == 9

    # Node B (its memory cache still holds the old index) sees the new version on its
    # next check and answers from it.
    on("b")
    store.cached_index(None)  # loads its local copy (old)
    again = store.cached_index(None)
    assert again is not None and again.version == rebuilt.version
    assert len(again.documents) == 9
    hits = service.search(query=docs[8].title, language=docs[8].language, account_id=None)
    assert docs[8].key in [hit.document.key for hit in hits[:3]]

    # Only the current index file stays in the bucket.
    listing = s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(o["Key"] for o in listing) == [
        f"kb_index/default-{rebuilt.version}.npz",
        "kb_index/default.json",
    ]
