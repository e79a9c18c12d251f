"""Understanding a customer message: the intent model (loaded once per worker process)
with KB search as a second opinion, turned into one decision: answer, clarify or hand
off. Thresholds and the agreement rule were chosen on the starter evaluation set (see
docs/assistant.md)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from blockdesk.assistant.nlu.datasets import MODEL_FILENAME, OOS_LABEL
from blockdesk.common.shared_files import SharedFiles

if TYPE_CHECKING:
    from blockdesk.assistant.nlu.model import IntentModel, IntentScore

logger = logging.getLogger(__name__)

# Probabilities of the top two intents closer than this make a clarifying question.
CLARIFY_MARGIN = 0.2
# When search's top hit is the model's top intent (and clearly ahead of search's second
# hit), the model's guess is confirmed down to the clarify threshold, provided the
# semantic match is real (measured: answer precision 96% when both agree vs 91% overall).
AGREE_SEMANTIC = 0.45
AGREE_GAP = 0.05


def model_dir() -> Path:
    configured = getattr(settings, "ASSISTANT_MODEL_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "assistant"


def model_path(account_id: int | None) -> Path:
    if account_id is None:
        return model_dir() / MODEL_FILENAME
    return model_dir() / f"account-{account_id}" / MODEL_FILENAME


# A model trained on one node reaches the others through the uploads storage, like the KB
# index (common/shared_files.py): `assistant_model/<scope>.json` names the current file.
SHARED_MODELS = SharedFiles(
    prefix="assistant_model",
    suffix=".joblib",
    label="assistant model",
    enabled_setting="ASSISTANT_MODEL_SHARED",
    poll_setting="ASSISTANT_MODEL_POLL_SECONDS",
)

_Stamp = tuple[int, int, int]
_models: dict[Path, tuple[_Stamp, IntentModel]] = {}
_lock = threading.Lock()


def _stamp(path: Path) -> _Stamp | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    # The inode too: a fetched model replaces the file, possibly within the same mtime tick.
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def sync_shared_model(account_id: int | None) -> None:
    """Fetch the scope's model if another node published a new one (throttled)."""
    if SHARED_MODELS.enabled():
        SHARED_MODELS.sync(account_id, model_path(account_id))


def publish_model(account_id: int | None, path: Path | None = None) -> None:
    """After training into the scope's usual path: let the other nodes load it."""
    path = path or model_path(account_id)
    if SHARED_MODELS.enabled() and path == model_path(account_id):
        SHARED_MODELS.publish(account_id, path)


def _load(path: Path) -> IntentModel | None:
    stamp = _stamp(path)
    if stamp is None:
        return None
    cached = _models.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    # Imported here: the model pulls in numpy, SciPy and scikit-learn, which a web worker
    # that never answers must not load (docs/benchmarks.md, "Memory").
    from blockdesk.assistant.nlu.model import IntentModel

    model = IntentModel.load(path)
    _models[path] = (stamp, model)
    return model


def get_model(account_id: int) -> IntentModel | None:
    """The account's model, else the installation's; trained from the KB on first use
    when neither exists (a fresh install answers without a manual `assistant train`)."""
    with _lock:
        for scope in (account_id, None):
            sync_shared_model(scope)
            model = _load(model_path(scope))
            if model is not None:
                return model
        return train_for_account(account_id)


def train_for_account(account_id: int) -> IntentModel | None:
    from blockdesk.assistant.nlu.training import default_config, train_model
    from blockdesk.assistant.training_sources import account_sources

    out = model_path(account_id)
    try:
        model = train_model(account_sources(account_id=account_id), default_config(), out=out)
    except (ValueError, RuntimeError) as exc:
        logger.warning("assistant: no intent model for account %s (%s)", account_id, exc)
        return None
    publish_model(account_id, out)
    stamp = _stamp(out)
    if stamp is not None:
        _models[out] = (stamp, model)
    logger.info("assistant: trained the intent model of account %s", account_id)
    return model


def forget_models() -> None:
    with _lock:
        _models.clear()
    SHARED_MODELS.forget_checks()


@dataclass(frozen=True)
class SearchOpinion:
    key: str
    score: float
    semantic: float
    language: str


@dataclass(frozen=True)
class Understanding:
    action: str  # "answer" | "clarify" | "handoff"
    intent: str  # best article key, or "oos"
    confidence: float
    is_oos: bool
    alternatives: list[IntentScore] = field(default_factory=list)
    search: list[SearchOpinion] = field(default_factory=list)
    options: list[str] = field(default_factory=list)  # keys offered by "clarify"
    reason: str = ""  # why "handoff": "low_confidence" | "out_of_scope"


def search_opinions(*, text: str, language: str, account_id: int) -> list[SearchOpinion]:
    from blockdesk.kb.search.service import search

    try:
        # Ranks only: the snippets are the help center's.
        hits = search(
            query=text, language=language, limit=3, account_id=account_id, highlights=False
        )
    except Exception:  # search is a second opinion: its failure must not stop the answer
        logger.exception("assistant: KB search failed")
        return []
    return [
        SearchOpinion(h.document.key, h.score, h.semantic_score, h.document.language) for h in hits
    ]


def embed_together(*, model: IntentModel | None, text: str, account_id: int) -> None:
    """The intent model embeds the message and the KB search a normalised form of it;
    on the same encoder both go in one batch (it streams its weights once a batch: for
    USE 2.5 instead of 3.7 ms of CPU, issue 17), into the encoder's memo that both then
    read. Nothing to share (another encoder, no semantic search): nothing done."""
    from blockdesk.common.embeddings import get_embedder

    found = _shared_batch(model=model, text=text, account_id=account_id)
    if found is not None:
        # An encoder that fails here fails the model's own embedding too: not caught.
        get_embedder(found[0]).encode(found[1])


def prepare_ahead(*, messages: Sequence[tuple[int, str]]) -> None:
    """For a group of (account, text) messages answered one after the other (a flood's
    task, tasks.handle_customer_messages): embed_together's texts of all of them go
    through their encoder in one batch, then each model predicts its messages in one
    batch (IntentModel.predict_ahead), so that answering each finds its vectors and its
    prediction waiting. Per message USE costs 2.1 ms a text alone and 0.8 twenty at a
    time; the model 1.0 ms alone and 0.26 ten at a time (issue 17). A saving only, so it
    never raises: what fails here (a model that cannot load, the encoder) is logged, and
    each message then meets it alone, where the actor answers without the model or hands
    the case to a person."""
    from blockdesk.common.embeddings import get_embedder

    try:
        batches: dict[str, dict[str, None]] = {}  # encoder -> texts, each once, in order
        by_model: dict[int, tuple[IntentModel, list[str]]] = {}
        for account_id, text in messages:
            model = get_model(account_id)
            if model is None:
                continue
            by_model.setdefault(id(model), (model, []))[1].append(text)
            found = _shared_batch(model=model, text=text, account_id=account_id)
            if found is not None:
                batches.setdefault(found[0], {}).update(dict.fromkeys(found[1]))
        for name, unique in batches.items():
            get_embedder(name).encode(list(unique))
        for model, texts in by_model.values():
            model.predict_ahead(texts)
    except Exception:  # see above: logged with its traceback, met again per message
        logger.exception("assistant: preparing a group of messages ahead failed")


def _shared_batch(
    *, model: IntentModel | None, text: str, account_id: int
) -> tuple[str, list[str]] | None:
    """(encoder, texts) when the model and the KB search embed on the same encoder."""
    from blockdesk.kb.search.service import semantic_query

    if model is None:
        return None
    try:
        found = semantic_query(text, account_id=account_id)
    except Exception:  # search's part: a second opinion, as in search_opinions
        logger.exception("assistant: KB search could not prepare the query")
        return None
    if found is None or found[0] not in model.pipeline.config.embedders:
        return None
    name, query_text = found
    return name, [text, query_text]


def decide(
    *,
    model: IntentModel | None,
    text: str,
    search: list[SearchOpinion],
    answer_threshold: float,
    clarify_threshold: float,
) -> Understanding:
    if model is None:
        # No model (fresh install without articles, or no embedder): answer only when
        # search alone is emphatic, else a person takes it.
        if search and search[0].semantic >= 0.6 and search[0].score >= 0.8:
            hit = search[0]
            return Understanding("answer", hit.key, hit.score, False, search=search)
        return Understanding("handoff", OOS_LABEL, 0.0, True, search=search, reason="out_of_scope")

    prediction = model.predict(text, k=3)
    ranked = prediction.top
    p1 = ranked[0].probability
    p2 = ranked[1].probability if len(ranked) > 1 else 0.0
    best = ranked[0].intent
    agree = (
        bool(search)
        and search[0].key == best
        and (len(search) < 2 or search[0].score - search[1].score >= AGREE_GAP)
    )

    def verdict(
        action: str, *, intent: str = best, options: list[str] | None = None, reason: str = ""
    ) -> Understanding:
        return Understanding(
            action,
            intent,
            p1,
            prediction.is_oos,
            alternatives=list(ranked),
            search=search,
            options=options or [],
            reason=reason,
        )

    if p1 >= answer_threshold and (p1 - p2 >= CLARIFY_MARGIN or agree):
        return verdict("answer")
    if agree and p1 >= clarify_threshold and search[0].semantic >= AGREE_SEMANTIC:
        return verdict("answer")
    if p1 >= clarify_threshold and p1 + p2 >= answer_threshold and len(ranked) > 1:
        return verdict("clarify", options=[best, ranked[1].intent])
    if prediction.is_oos:
        return verdict("handoff", intent=OOS_LABEL, reason="out_of_scope")
    return verdict("handoff", reason="low_confidence")
