"""Reputation points, trust levels and badges (in the style of Discourse and Stack
Overflow). Levels unlock abilities; badges are awarded once each. Other apps (education's
course completion) add badges with `register_badge` from their `ready()`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Points per event.
UPVOTE_QUESTION = 5
UPVOTE_ANSWER = 10
DOWNVOTE_RECEIVED = -2
ACCEPTED_ANSWER = 15
ACCEPTER = 2  # the asker, for closing the loop


class Level(IntEnum):
    NEW = 0  # ask, answer, comment on own posts; rate-limited; links held for review
    BASIC = 1  # upvote, flag, comment anywhere
    MEMBER = 2  # downvote
    REGULAR = 3  # edit others' posts
    LEADER = 4  # moderate: hide flagged posts, see the queue


THRESHOLDS = {Level.BASIC: 15, Level.MEMBER: 125, Level.REGULAR: 1000, Level.LEADER: 3000}


def level_for(reputation: int) -> Level:
    level = Level.NEW
    for candidate, needed in THRESHOLDS.items():
        if reputation >= needed:
            level = candidate
    return level


def level_name(level: int) -> Promise:
    names = {
        Level.NEW: _("New"),
        Level.BASIC: _("Basic"),
        Level.MEMBER: _("Member"),
        Level.REGULAR: _("Regular"),
        Level.LEADER: _("Leader"),
    }
    return names[Level(level)]


@dataclass(frozen=True)
class Badge:
    code: str
    name: Promise
    description: Promise
    # (stats row) -> earned? None for badges other apps award directly.
    earned: Callable[[object], bool] | None = None


BADGES: dict[str, Badge] = {}


def register_badge(badge: Badge) -> None:
    BADGES.setdefault(badge.code, badge)


def _stat(name: str, at_least: int) -> Callable[[object], bool]:
    return lambda stats: int(getattr(stats, name, 0)) >= at_least


for _badge in (
    Badge("first_question", _("Curious"), _("Asked a first question."), _stat("questions", 1)),
    Badge("first_answer", _("Helper"), _("Wrote a first answer."), _stat("answers", 1)),
    Badge("accepted", _("Problem solver"), _("An answer was accepted."), _stat("accepted", 1)),
    Badge("accepted_10", _("Expert"), _("Ten accepted answers."), _stat("accepted", 10)),
    Badge("rep_100", _("Respected"), _("Reached 100 reputation."), _stat("reputation", 100)),
    Badge("rep_1000", _("Pillar"), _("Reached 1,000 reputation."), _stat("reputation", 1000)),
):
    register_badge(_badge)
