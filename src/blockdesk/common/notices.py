"""What the assistant should tell a customer beyond the knowledge base: an open incident on
the feature they ask about (statuspage), the latest changes when they ask what changed
(announcements). Those apps sit below the assistant, so they register a provider here from
their ready() and the assistant asks every provider for each customer message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NoticeQuery:
    account_id: int
    language: str
    text: str
    # The assistant's best intent for the message ("" when none), for topic mapping.
    intent: str


@dataclass(frozen=True)
class Notice:
    kind: str  # "incident", "changes"
    text: str  # Markdown, in the query's language
    # True: the notice answers the message by itself ("what changed?"); False: it is said
    # first and the assistant goes on (an incident on the feature asked about).
    answers: bool = False


Provider = Callable[[NoticeQuery], "Notice | None"]
_providers: list[Provider] = []


def register_notice_provider(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def notices_for(query: NoticeQuery) -> list[Notice]:
    found = []
    for provider in list(_providers):
        notice = provider(query)
        if notice is not None:
            found.append(notice)
    return found
