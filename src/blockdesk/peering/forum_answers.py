"""The "forum.answer" feed item: a public forum question with its accepted answer.

Publisher: every such question of the account, when its administrator chose to share
accepted answers (`Publisher.share_answers`); a change of the answer, of the question or
of which answer is accepted gives the item a new version, and a question that loses its
accepted answer (or is removed) becomes a tombstone. Subscriber: reviewed like an article
(never applied automatically: a customer's words should not change what our customers
read unseen) and imported through kb's services as a **draft** article in the answer's
language — question as title and first example question, answer as body — ending with
"Based on a community answer from <peer>: <link>" (the secret guard runs on the answer
again). A later version updates that draft (or
article, once published); a tombstone, once accepted, deletes it."""

from __future__ import annotations

from typing import Any

from django.utils import translation as translation_utils
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.accounts.models import User
from blockdesk.common.errors import ValidationFailed
from blockdesk.forum.knowledge import shared_answers
from blockdesk.forum.models.posts import BODY_MAX, TITLE_MAX
from blockdesk.kb import selectors as kb_selectors
from blockdesk.kb import services as kb_services
from blockdesk.peering.builtin import (
    _reviewer,
    _str,
    sync_local_article,
    with_attribution,
    withdraw_article,
)
from blockdesk.peering.models import Publisher, ReceivedItem
from blockdesk.peering.sources import BadItem, FeedSource
from blockdesk.safety.fields import redact_free_text

ANSWER = "forum.answer"
# Where an imported answer lands when the follower has a KB category of that key.
CATEGORY_KEY = "community"


def collect_answers(publisher: Publisher) -> dict[str, dict[str, Any]]:
    if not publisher.share_answers:
        return {}
    return shared_answers(account_id=publisher.account_id)


def validate_answer(body: dict[str, Any]) -> None:
    question_id = body.get("question_id")
    if not isinstance(question_id, int) or isinstance(question_id, bool) or question_id <= 0:
        raise BadItem("question_id: a positive integer")
    _str(body, "language", limit=16)
    _str(body, "title", limit=TITLE_MAX)
    _str(body, "question", limit=BODY_MAX, required=False)
    _str(body, "answer", limit=BODY_MAX)
    _str(body, "author", limit=64, required=False)
    _str(body, "url", limit=500, required=False)
    if not isinstance(body.get("official", False), bool):
        raise BadItem("official: true or false")


def answer_title(body: dict[str, Any]) -> str:
    return str(body.get("title") or body.get("question_id") or "")


def answer_preview(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    question = str(body.get("question") or "").strip()
    text = f"{question}\n\n---\n\n{body.get('answer', '')}" if question else body.get("answer")
    return {str(body.get("language", "")): {"title": answer_title(body), "body": text}}


def _attributed(item: ReceivedItem, language: str) -> str:
    body = item.body or {}
    with translation_utils.override(language):
        note = _("Based on a community answer from %(source)s.") % {
            "source": item.subscription.name
        }
    # The peer's forum guarded it when it was posted; ours runs too before it is stored.
    text, _findings = redact_free_text(str(body["answer"]), account_id=item.account_id)
    return with_attribution(text, note=note, url=str(body.get("url") or ""))


def apply_answer(item: ReceivedItem, actor: User | None) -> None:
    """Imports (a draft) or updates the local article, with attribution to the peer."""
    actor = _reviewer(actor)
    body = item.body or {}
    language = str(body["language"])
    if language not in kb_selectors.kb_languages():
        raise ValidationFailed(
            _("None of the article's languages is enabled here."), code="no_language"
        )
    title = str(body["title"])[:200]
    data = kb_services.TranslationInput(
        title=title,
        body=_attributed(item, language),
        example_questions=(title,),
    )
    sync_local_article(
        item,
        actor,
        language=language,
        data=data,
        key=f"shared-answer-{body['question_id']}",
        category_key=CATEGORY_KEY,
    )


ANSWER_SOURCE = FeedSource(
    item_type=ANSWER,
    label=gettext_lazy("Accepted community answer"),
    collect=collect_answers,
    validate=validate_answer,
    apply=apply_answer,
    withdraw=withdraw_article,
    title=answer_title,
    preview=answer_preview,
)
