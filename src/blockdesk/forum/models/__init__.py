from blockdesk.forum.models.edits import MemberPreferences, Revision
from blockdesk.forum.models.posts import Answer, Category, Comment, Question, Tag
from blockdesk.forum.models.reputation import (
    BadgeAward,
    Flag,
    MemberStats,
    NotificationSent,
    PeriodPoints,
    ReputationEntry,
    Vote,
)

__all__ = [
    "Answer",
    "BadgeAward",
    "Category",
    "Comment",
    "Flag",
    "MemberPreferences",
    "MemberStats",
    "NotificationSent",
    "PeriodPoints",
    "Question",
    "ReputationEntry",
    "Revision",
    "Tag",
    "Vote",
]
