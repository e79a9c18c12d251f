"""The registry of feed item types. Each type says how a publisher collects its items and
how a subscriber checks, imports and withdraws them. The built-in types (knowledge-base
articles, confirmed scams) register from this app's ready(); an app above peering
registers its own from its ready(); the forum sits below peering, so its accepted answers
("forum.answer") are registered here, in forum_answers.py, which reads the forum."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blockdesk.accounts.models import User
    from blockdesk.peering.models import Publisher, ReceivedItem


class BadItem(ValueError):
    """A body that does not fit its type: the whole page is refused."""


@dataclass(frozen=True)
class FeedSource:
    item_type: str  # "kb.article", "trust.scam", "forum.answer", …
    label: Any  # a lazy translation, shown in the review queue
    # Publisher: {item key: body} of everything the account currently shares.
    collect: Callable[[Publisher], dict[str, dict[str, Any]]]
    # Subscriber: raise BadItem when a body is not acceptable.
    validate: Callable[[dict[str, Any]], None]
    # Subscriber: create or update the local copy (actor None: an automatic apply).
    apply: Callable[[ReceivedItem, User | None], None]
    # Subscriber: remove the local copy after the source deleted the item.
    withdraw: Callable[[ReceivedItem, User | None], None]
    # One line for the review queue.
    title: Callable[[dict[str, Any]], str]
    # Scam intelligence: applied without review when the peer is trusted.
    intelligence: bool = False
    # The review queue's view of a body: {language: {"title", "body"}} (None: the body's
    # own "translations", as articles have).
    preview: Callable[[dict[str, Any]], dict[str, dict[str, Any]]] | None = None


_sources: dict[str, FeedSource] = {}


def register_feed_source(source: FeedSource) -> None:
    _sources[source.item_type] = source


def feed_sources() -> list[FeedSource]:
    return [_sources[k] for k in sorted(_sources)]


def get_feed_source(item_type: str) -> FeedSource | None:
    return _sources.get(item_type)
