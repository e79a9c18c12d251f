"""Training entry points, shaped so more example sources can join later.

Today the only source is a labelled file; the knowledge base will add a source
that turns articles' sample questions into examples. Each source is a callable
returning examples, and :func:`train_model` merges whatever sources it is given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from blockdesk.common.embeddings import EmbedderUnavailable

from .datasets import MODEL_FILENAME as MODEL_FILENAME
from .datasets import Example, load_examples
from .features import FeatureConfig
from .model import IntentModel, ModelConfig

__all__ = [
    "ExampleSource",
    "default_config",
    "default_model_path",
    "file_source",
    "train_model",
]

ExampleSource = Callable[[], Iterable[Example]]


def file_source(spec: str | Path) -> ExampleSource:
    """A source reading a CSV/JSON file (``FILE[:key1+key2]``, see datasets)."""

    def load() -> list[Example]:
        return load_examples(spec)

    return load


def default_embedders() -> tuple[str, ...]:
    """USE only, unless BLOCKDESK_ASSISTANT_EMBEDDERS (comma-separated names, e.g.
    ``use-m3,minilm-l6``) says otherwise. Each extra encoder costs 12-50 ms per message
    and a package, for +0.5 points on BANKING77 with full data (more with few examples,
    in English): opt-in, see docs/benchmarks/assistant.md."""
    configured = os.environ.get("BLOCKDESK_ASSISTANT_EMBEDDERS", "").strip()
    if configured:
        return tuple(n.strip() for n in configured.split(",") if n.strip())
    return ("use-m3",)


def default_config(embedders: tuple[str, ...] | None = None) -> ModelConfig:
    return ModelConfig(features=FeatureConfig(embedders=embedders or default_embedders()))


def default_model_path() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "assistant" / MODEL_FILENAME


def train_model(
    sources: Iterable[ExampleSource],
    config: ModelConfig | None = None,
    out: str | Path | None = None,
) -> IntentModel:
    """Train on the union of ``sources``; save to ``out`` when given."""
    examples: list[Example] = []
    for source in sources:
        examples.extend(source())
    if not examples:
        raise ValueError("no training examples")
    try:
        model = IntentModel.train(examples, config or default_config())
    except EmbedderUnavailable as exc:
        raise RuntimeError(f"cannot train the intent model: {exc}") from exc
    if out is not None:
        model.save(out)
    return model
