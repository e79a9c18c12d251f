"""Event types of the assistant: what it answered (and from which articles), when it handed
a case to a person, and how its answers turned out (resolved, corrected by an agent). For
reports on the assistant's work and for integrators' analytics (see docs/webhooks.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.assistant.handoff import REASONS
from blockdesk.events.registry import register_event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answered(_Payload):
    conversation_id: int
    turn_id: int = Field(description="The assistant's record of this answer.")
    message_id: int = Field(description="The customer's message it answered.")
    reply_id: int = Field(description="The assistant's reply message.")
    kind: Literal["article", "diagnosis", "community"] = Field(
        description="article: from knowledge-base articles; diagnosis: a transaction explained; "
        "community: an accepted answer of the community forum, cited as such."
    )
    article_ids: list[int] = Field(
        default_factory=list, description="The knowledge-base articles the answer cites."
    )
    article_keys: list[str] = Field(default_factory=list, description="Their identifiers.")
    community_question_ids: list[int] = Field(
        default_factory=list,
        description="The forum questions whose accepted answer it cites (kind community).",
    )
    language: str
    confidence: float | None = Field(
        default=None, description="How sure the assistant was, 0 to 1 (1: the customer chose)."
    )
    generated: bool = Field(
        default=False, description="Phrased by the language model (else quoted from the article)."
    )


class HandedOff(_Payload):
    conversation_id: int
    reason: str = Field(description="Why: " + ", ".join(REASONS) + ".")
    sensitive: bool = Field(
        default=False, description="A sensitive case (hacked account, stolen funds, …)."
    )
    turn_id: int | None = Field(default=None, description="None when an agent stepped in.")
    message_id: int | None = Field(default=None, description="The customer's message, if any.")


class Resolved(_Payload):
    conversation_id: int
    how: Literal["confirmed", "timeout"] = Field(
        description="confirmed: the customer said it solved it; timeout: they left without "
        "asking for more within the inbox's resolution timeout."
    )
    article_keys: list[str] = Field(
        default_factory=list, description="The articles the assistant offered in the case."
    )


class Corrected(_Payload):
    conversation_id: int
    correction_id: int
    reply_id: int = Field(description="The assistant message the agent corrected.")
    turn_id: int | None = None
    wrong_article_key: str = Field(description="What the assistant answered from ('' if none).")
    correct_article_key: str = Field(description="What the agent says it should have been.")


for _name, _model, _description in (
    (
        "assistant.answered",
        Answered,
        "The assistant answered a customer from knowledge-base articles (or explained a "
        "transaction, or cited an accepted community answer).",
    ),
    (
        "assistant.handed_off",
        HandedOff,
        "The assistant stopped handling a conversation and left it to a person.",
    ),
    (
        "assistant.resolved",
        Resolved,
        "A conversation the assistant handled ended solved (confirmed by the customer, or "
        "no further question).",
    ),
    (
        "assistant.corrected",
        Corrected,
        "An agent corrected an assistant answer, naming the right article (a training example).",
    ),
):
    register_event_type(name=_name, version=1, description=_description, payload=_model)
