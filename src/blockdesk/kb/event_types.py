"""Event types of the knowledge base: what customers can read changed (a help-centre
article published, edited, taken down or deleted). Ids and facts, never the body: a
receiver that wants the text asks the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TranslationFacts(_Payload):
    article_id: int
    key: str = Field(description="The article's identifier, the same in every language.")
    translation_id: int
    language: str
    slug: str
    title: str
    status: Literal["draft", "published"]


class ArticlePublished(_Payload):
    article: TranslationFacts


class ArticleUnpublished(_Payload):
    article: TranslationFacts


class ArticleChanged(_Payload):
    article: TranslationFacts
    changed: list[Literal["title", "summary", "body", "example_questions", "slug"]] = Field(
        description="What changed in this translation."
    )
    revision: int | None = Field(
        default=None, description="The revision written for a content change (None: slug only)."
    )
    rolled_back_to: int | None = Field(
        default=None, description="Set when the change restored this earlier revision."
    )


class ArticleDeleted(_Payload):
    article_id: int
    key: str
    languages: list[str] = Field(description="The translations deleted with it.")
    was_published: bool = Field(description="At least one translation was public.")


for _name, _model, _description in (
    ("article.published", ArticlePublished, "A help-centre article translation was published."),
    (
        "article.unpublished",
        ArticleUnpublished,
        "A published article translation went back to draft (customers no longer see it).",
    ),
    (
        "article.changed",
        ArticleChanged,
        "An article translation's content or slug changed (edit or rollback), published or draft.",
    ),
    ("article.deleted", ArticleDeleted, "An article was deleted, with all its translations."),
):
    register_event_type(name=_name, version=1, description=_description, payload=_model)
