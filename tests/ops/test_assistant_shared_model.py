"""An intent model trained on one node is loaded by another (two nodes: two local
DATA_DIRs, one S3-compatible bucket on loopback), the same mechanism as the KB index
(common/shared_files.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from blockdesk.assistant import configuration, engine, training_sources
from blockdesk.assistant.nlu.datasets import Example
from blockdesk.assistant.training_sources import starter_examples

ACCOUNT = 7


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return starter_examples()


@pytest.fixture
def two_nodes(s3_server, settings, tmp_path, monkeypatch, examples):
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    settings.ASSISTANT_MODEL_SHARED = None  # on by itself: the uploads are in object storage
    settings.ASSISTANT_MODEL_POLL_SECONDS = 0
    taught = {"examples": examples}
    # What the account's articles would teach, without a database of articles.
    monkeypatch.setattr(
        training_sources, "account_sources", lambda account_id: [lambda: list(taught["examples"])]
    )

    def on(node: str) -> Path:
        """Become node `node`: its own model directory and an empty in-process cache."""
        settings.DATA_DIR = tmp_path / node
        settings.ASSISTANT_MODEL_DIR = str(tmp_path / node / "assistant")
        engine.forget_models()
        return tmp_path / node

    yield on, taught, bucket
    engine.forget_models()


def _never_train(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    def fail(account_id: int) -> None:
        raise AssertionError("node B trained a model instead of loading A's")

    monkeypatch.setattr(engine, "train_for_account", fail)
    return fail


def test_a_model_trained_on_one_node_is_loaded_by_the_other(
    two_nodes, s3_server, monkeypatch, examples
):
    on, taught, bucket = two_nodes
    assert engine.SHARED_MODELS.enabled()

    on("a")
    trained = engine.train_for_account(ACCOUNT)
    assert trained is not None
    question = examples[0].text

    node_b = on("b")
    train = engine.train_for_account
    _never_train(monkeypatch)
    fetched = engine.get_model(ACCOUNT)  # nothing on B's disk: fetched, not trained
    assert fetched is not None
    assert fetched.intents == trained.intents
    assert fetched.predict(question).top[0].intent == trained.predict(question).top[0].intent
    assert (node_b / "assistant" / f"account-{ACCOUNT}" / "intent-model.joblib").is_file()
    # The settings page reads the same file (and would fetch it too).
    saved = configuration.saved_model(account_id=ACCOUNT)
    assert saved is not None and saved.intents == trained.intents

    # A retrains on other articles (fewer intents); B picks the new version up on its next
    # look, its in-memory cache of the old model notwithstanding.
    dropped = trained.intents[-1]
    taught["examples"] = [e for e in examples if e.intent != dropped]
    monkeypatch.setattr(engine, "train_for_account", train)
    on("a")
    retrained = engine.train_for_account(ACCOUNT)
    assert retrained is not None and dropped not in retrained.intents

    on("b")
    _never_train(monkeypatch)
    again = engine.get_model(ACCOUNT)
    assert again is not None and dropped not in again.intents

    # Only the current file stays in the bucket.
    listing = s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]
    keys = sorted(o["Key"] for o in listing)
    assert keys[-1] == f"assistant_model/account-{ACCOUNT}.json"
    assert len(keys) == 2 and keys[0].startswith(f"assistant_model/account-{ACCOUNT}-")
