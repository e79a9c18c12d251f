"""Event types of the community forum: the public contract webhooks send (docs/webhooks.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionCreated(_Payload):
    question_id: int
    category_id: int
    author_customer_id: int | None
    title: str = Field(description="The title as published (secrets redacted).")
    held: bool = Field(description="True when the safety checks held it for moderation.")


class AnswerCreated(_Payload):
    answer_id: int
    question_id: int
    author_customer_id: int | None
    official: bool = Field(description="Written by staff (an agent).")
    held: bool
    mentions: list[int] = Field(description="Customer ids mentioned with @name.")


class AnswerAccepted(_Payload):
    answer_id: int
    question_id: int
    author_customer_id: int | None


class PostEdited(_Payload):
    kind: Literal["question", "answer", "comment"]
    post_id: int
    question_id: int = Field(description="The question the post belongs to.")
    revision_id: int = Field(description="The revision that keeps the previous text.")
    editor_customer_id: int | None = Field(description="The member who edited; None: staff.")
    by_staff: bool = Field(description="Edited by an agent.")
    held: bool = Field(description="True when the post is (now) held for moderation.")


register_event_type(
    name="forum.question_created",
    version=1,
    description="A question was posted in the community forum.",
    payload=QuestionCreated,
)
register_event_type(
    name="forum.answer_created",
    version=1,
    description="An answer was posted to a community question.",
    payload=AnswerCreated,
)
register_event_type(
    name="forum.answer_accepted",
    version=1,
    description="The asker accepted an answer.",
    payload=AnswerAccepted,
)
register_event_type(
    name="forum.post_edited",
    version=1,
    description="A question, answer or comment was edited (the previous text is a revision).",
    payload=PostEdited,
)
