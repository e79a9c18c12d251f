"""Where the intent model learns from, per account (each a `training.ExampleSource`):

* the knowledge base: every published article's title and example questions, labelled
  with the article key (an intent is an article);
* resolved conversations: a customer question paired with the help-center article an
  agent linked in a reply;
* agents' corrections of the assistant ("should have been article X");
* the shipped crypto examples (``nlu/data/crypto_train.csv``): harder customer-style
  phrasings of the starter articles' intents and out-of-scope messages, kept only for
  the intents the account's knowledge base has (see ``nlu/data/README.md``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from blockdesk.assistant.nlu.datasets import OOS_LABEL, Example, load_examples

if TYPE_CHECKING:
    from blockdesk.assistant.nlu.training import ExampleSource

__all__ = [
    "account_sources",
    "conversation_examples",
    "correction_examples",
    "curated_examples",
    "kb_examples",
    "linked_article_keys",
    "starter_examples",
    "write_examples_csv",
]

CURATED_TRAINING_FILE = Path(__file__).resolve().parent / "nlu" / "data" / "crypto_train.csv"

# Customer messages shorter than this are greetings or "ok", not questions.
MIN_QUESTION_CHARS = 6
MAX_QUESTION_CHARS = 600


def starter_examples(*, curated: bool = False) -> list[Example]:
    """The shipped starter articles (no database): for evaluation and fresh installs;
    ``curated`` adds the shipped crypto examples (what an account seeded from the
    starter knowledge base trains on)."""
    from blockdesk.kb.search.content import load_documents

    examples = _doc_examples(load_documents())
    if curated:
        examples += curated_examples(known={e.intent for e in examples})
    return examples


def curated_examples(*, known: set[str]) -> list[Example]:
    """The shipped examples whose intent is one of ``known`` article keys, plus the
    out-of-scope ones: an account that deleted or renamed an article must not get it
    back as an intent."""
    return [
        e
        for e in load_examples(CURATED_TRAINING_FILE)
        if e.intent in known or e.intent == OOS_LABEL
    ]


def _doc_examples(docs: Iterable[Any]) -> list[Example]:
    out: list[Example] = []
    for doc in docs:
        texts = [doc.title, *doc.example_questions]
        out.extend(Example(t.strip(), doc.key) for t in texts if t and t.strip())
    return out


def kb_examples(*, account_id: int | None) -> list[Example]:
    from blockdesk.kb.search.service import published_documents

    return _doc_examples(published_documents(account_id=account_id))


def _help_link_re() -> re.Pattern[str]:
    base = re.escape(settings.PUBLIC_URL.rstrip("/"))
    # /help/<language>/<category>/<slug>/ either absolute on this site or site-relative.
    return re.compile(
        rf"(?:{base})?/help/(?P<lang>[a-z]{{2}}(?:-[a-z]+)?)/(?P<cat>[\w-]+)/(?P<slug>[\w-]+)/?",
        re.IGNORECASE,
    )


def linked_article_keys(text: str, *, account_id: int) -> list[str]:
    """Article keys of help-center links in ``text`` (an agent's reply)."""
    from blockdesk.kb.models import ArticleTranslation

    found = [(m["lang"].lower(), m["slug"]) for m in _help_link_re().finditer(text or "")]
    keys: list[str] = []
    for lang, slug in found:
        key = (
            ArticleTranslation.objects.filter(account_id=account_id, language=lang, slug=slug)
            .values_list("article__key", flat=True)
            .first()
        )
        if key and key not in keys:
            keys.append(key)
    return keys


def conversation_examples(*, account_id: int, limit: int = 5000) -> list[Example]:
    """Resolved cases where an agent answered with exactly one article link: the
    customer's first real question before that reply is labelled with the article."""
    from blockdesk.conversations.models import Conversation, Message

    out: list[Example] = []
    conversations = Conversation.objects.filter(
        account_id=account_id, status=Conversation.Status.RESOLVED
    ).order_by("-resolved_at")[:limit]
    for conv in conversations:
        question: str | None = None
        for msg in Message.objects.filter(conversation=conv, is_private=False).order_by("id"):
            if msg.sender_type == Message.SenderType.CONTACT:
                text = msg.content.strip()
                if question is None and MIN_QUESTION_CHARS <= len(text) <= MAX_QUESTION_CHARS:
                    question = text
            elif msg.sender_type == Message.SenderType.AGENT and question:
                keys = linked_article_keys(msg.content, account_id=account_id)
                if len(keys) == 1:
                    out.append(Example(question, keys[0]))
                    break
    return out


def correction_examples(*, account_id: int) -> list[Example]:
    from blockdesk.assistant.models import Correction

    rows = Correction.objects.filter(account_id=account_id).values_list("question", "correct_key")
    return [Example(q.strip(), key) for q, key in rows if q.strip()]


def account_sources(*, account_id: int | None) -> list[ExampleSource]:
    """Every source for ``account_id`` (None: the KB of the whole installation only)."""
    sources: list[ExampleSource] = [lambda: kb_examples(account_id=account_id)]
    known = {e.intent for e in kb_examples(account_id=account_id)}
    sources.append(lambda: curated_examples(known=known))
    if account_id is not None:
        # A link or correction to an article that was since removed must not resurrect
        # it as an intent: the assistant could only answer it with a dead link.
        def live(examples: Iterable[Example]) -> list[Example]:
            return [e for e in examples if e.intent in known]

        sources.append(lambda: live(conversation_examples(account_id=account_id)))
        sources.append(lambda: live(correction_examples(account_id=account_id)))
    return sources


def write_examples_csv(examples: Iterable[Example], out: str | Path) -> int:
    """Write ``text,category`` rows (the format `assistant eval --train` reads)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "category"])
        for ex in examples:
            writer.writerow([ex.text, ex.intent])
            count += 1
    return count
