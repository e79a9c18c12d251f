"""Writes knowledge-base events to the event log (events.services.emit), in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from blockdesk.accounts.models import User
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.kb import event_types as et
from blockdesk.kb.models import Article, ArticleTranslation

CONTENT_FIELDS = ("title", "summary", "body", "example_questions")


def _actor(user: User | None) -> Actor:
    return Actor.agent(user.pk) if user is not None else Actor.system()


def facts(tr: ArticleTranslation) -> et.TranslationFacts:
    return et.TranslationFacts(
        article_id=tr.article_id,
        key=tr.article.key,
        translation_id=tr.pk,
        language=tr.language,
        slug=tr.slug,
        title=tr.title,
        status=tr.status,  # type: ignore[arg-type]
    )


def _emit(account_id: int, article_id: int, name: str, payload: BaseModel, actor: Actor) -> None:
    emit(
        account_id=account_id,
        name=name,
        payload=payload,
        actor=actor,
        subject=Subject("article", article_id),
    )


def emit_status(tr: ArticleTranslation, *, old: str, actor: User) -> None:
    """article.published / article.unpublished when the status really changed."""
    if old == tr.status:
        return
    published = tr.status == ArticleTranslation.Status.PUBLISHED
    name = "article.published" if published else "article.unpublished"
    model = et.ArticlePublished if published else et.ArticleUnpublished
    _emit(tr.account_id, tr.article_id, name, model(article=facts(tr)), _actor(actor))


def emit_changed(
    tr: ArticleTranslation,
    *,
    changed: Sequence[str],
    revision: int | None,
    actor: User | None,
    rolled_back_to: int | None = None,
) -> None:
    payload = et.ArticleChanged(
        article=facts(tr),
        changed=list(changed),  # type: ignore[arg-type]
        revision=revision,
        rolled_back_to=rolled_back_to,
    )
    _emit(tr.account_id, tr.article_id, "article.changed", payload, _actor(actor))


def emit_deleted(article: Article, *, actor: User) -> None:
    """Before the delete: the translations are read here."""
    translations = list(article.translations.values_list("language", "status"))
    payload = et.ArticleDeleted(
        article_id=article.pk,
        key=article.key,
        languages=sorted(language for language, _status in translations),
        was_published=any(s == ArticleTranslation.Status.PUBLISHED for _l, s in translations),
    )
    _emit(article.account_id, article.pk, "article.deleted", payload, _actor(actor))
