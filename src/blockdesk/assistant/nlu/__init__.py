"""Natural-language understanding for the assistant: intents and out-of-scope.

Public API::

    from blockdesk.assistant.nlu import IntentModel, load_examples, detect_language
    model = IntentModel.train(load_examples("intents.csv"))
    model.predict("where is my withdrawal?")  # Prediction(intent=..., top=[...])
    model.save(path); IntentModel.load(path)
"""

from blockdesk.common.embeddings import (
    CachingEmbedder,
    E5Embedder,
    Embedder,
    EmbedderUnavailable,
    USEEmbedder,
    available_embedders,
    get_embedder,
    register_embedder,
)

from .datasets import OOS_LABEL, DatasetError, Example, load_examples
from .features import FeatureConfig
from .language import detect_language
from .model import IntentModel, IntentScore, ModelConfig, Prediction

__all__ = [
    "OOS_LABEL",
    "CachingEmbedder",
    "DatasetError",
    "E5Embedder",
    "Embedder",
    "EmbedderUnavailable",
    "Example",
    "FeatureConfig",
    "IntentModel",
    "IntentScore",
    "ModelConfig",
    "Prediction",
    "USEEmbedder",
    "available_embedders",
    "detect_language",
    "get_embedder",
    "load_examples",
    "register_embedder",
]
