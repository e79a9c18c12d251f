"""Natural-language understanding for the assistant: intents and out-of-scope.

Public API::

    from blockdesk.assistant.nlu import IntentModel, load_examples, detect_language
    model = IntentModel.train(load_examples("intents.csv"))
    model.predict("where is my withdrawal?")  # Prediction(intent=..., top=[...])
    model.save(path); IntentModel.load(path)
"""

# Lazy (PEP 562): importing a submodule such as ``nlu.language`` runs this file, and the
# names below pull in numpy, SciPy and scikit-learn (~110 MB). A web worker that never
# trains or predicts must not pay for them (docs/benchmarks.md, "Memory").
from importlib import import_module
from typing import Any

_HOMES = {
    "CachingEmbedder": "blockdesk.common.embeddings",
    "E5Embedder": "blockdesk.common.embeddings",
    "Embedder": "blockdesk.common.embeddings",
    "EmbedderUnavailable": "blockdesk.common.embeddings",
    "USEEmbedder": "blockdesk.common.embeddings",
    "available_embedders": "blockdesk.common.embeddings",
    "get_embedder": "blockdesk.common.embeddings",
    "register_embedder": "blockdesk.common.embeddings",
    "OOS_LABEL": "blockdesk.assistant.nlu.datasets",
    "DatasetError": "blockdesk.assistant.nlu.datasets",
    "Example": "blockdesk.assistant.nlu.datasets",
    "load_examples": "blockdesk.assistant.nlu.datasets",
    "FeatureConfig": "blockdesk.assistant.nlu.features",
    "detect_language": "blockdesk.assistant.nlu.language",
    "IntentModel": "blockdesk.assistant.nlu.model",
    "IntentScore": "blockdesk.assistant.nlu.model",
    "ModelConfig": "blockdesk.assistant.nlu.model",
    "Prediction": "blockdesk.assistant.nlu.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)


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
