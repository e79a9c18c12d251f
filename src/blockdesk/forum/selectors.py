"""Reads of the forum, scoped by who asks: the public sees published posts; an author also
sees their own held posts; moderators (agents) see the queue."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from blockdesk.accounts.models import Account
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum.models import (
    Answer,
    BadgeAward,
    Category,
    Comment,
    MemberPreferences,
    MemberStats,
    PeriodPoints,
    Question,
    Revision,
    Tag,
    Vote,
)
from blockdesk.forum.models.posts import Status
from blockdesk.forum.reputation import ALL_TIME, ALL_TIME_START, period_starts
from blockdesk.trust.selectors import public_account

PAGE_SIZE = 30
ANSWER_PAGE_SIZE = 30
LEADERBOARD_SIZE = 20
PERIODS = {"week": "w", "month": "m", "all": None}


def forum_account() -> Account | None:
    return public_account()


def languages() -> list[str]:
    return list(getattr(settings, "KB_LANGUAGES", None) or ["en"])


def categories(*, account_id: int, language: str) -> list[Category]:
    return list(Category.objects.filter(account_id=account_id, language=language))


def get_category(*, account_id: int, language: str, slug: str) -> Category | None:
    return Category.objects.filter(account_id=account_id, language=language, slug=slug).first()


def _visible(viewer: CustomerAccount | None) -> Q:
    visible = Q(status=Status.PUBLISHED)
    if viewer is not None:
        visible |= Q(status=Status.HELD, author_id=viewer.pk)
    return visible


def recent_questions(*, account_id: int, language: str, limit: int = 15) -> list[Question]:
    return list(
        Question.objects.filter(
            account_id=account_id, category__language=language, status=Status.PUBLISHED
        )
        .select_related("author", "category")
        .order_by("-last_activity_at")[:limit]
    )


def tag_questions(*, account_id: int, language: str, name: str, limit: int = 50) -> list[Question]:
    # The tag's id first: with a constant id PostgreSQL knows how common the tag is and
    # walks the newest questions for a popular one instead of sorting all of its 20,000.
    tag_id = Tag.objects.filter(account_id=account_id, name=name).values_list("pk", flat=True)
    found = tag_id.first()
    if found is None:
        return []
    return list(
        Question.objects.filter(
            account_id=account_id,
            status=Status.PUBLISHED,
            category__language=language,
            tags=found,
        )
        .select_related("author", "category")
        .order_by("-last_activity_at")[:limit]
    )


def category_questions(
    *, category: Category, sort: str = "active", page: int = 1, unanswered: bool = False
) -> list[Question]:
    """One page (and one more row, to know if there is a next page). The page's ids first,
    from the sort's index alone, then those rows with their authors: an OFFSET over the
    joined rows read every skipped question."""
    order = {"votes": "-score", "new": "-created_at"}.get(sort, "-last_activity_at")
    rows = Question.objects.filter(category=category, status=Status.PUBLISHED)
    if unanswered:
        rows = rows.filter(answer_count=0)
    start = (max(1, page) - 1) * PAGE_SIZE
    ids = list(
        rows.order_by(order, "-pk").values_list("pk", flat=True)[start : start + PAGE_SIZE + 1]
    )
    if not ids:
        return []
    found = (
        Question.objects.filter(pk__in=ids)
        .select_related("author")
        .only(
            "pk",
            "title",
            "score",
            "answer_count",
            "accepted_answer_id",
            "last_activity_at",
            "created_at",
            "agent_id",
            "author__display_name",
            "category_id",
        )
    )
    by_id = {q.pk: q for q in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def get_question(
    *, account_id: int, question_id: int, viewer: CustomerAccount | None
) -> Question | None:
    return (
        Question.objects.filter(_visible(viewer), account_id=account_id, pk=question_id)
        .select_related("author", "agent", "category")
        .prefetch_related("tags")
        .first()
    )


def _answers_with_comments(question: Question, viewer: CustomerAccount | None) -> QuerySet[Answer]:
    comments = Comment.objects.filter(_visible(viewer)).select_related("author", "agent")
    return (
        Answer.objects.filter(_visible(viewer), question=question)
        .select_related("author", "agent")
        .prefetch_related(Prefetch("comments", queryset=comments.order_by("created_at")))
    )


def question_answers(*, question: Question, viewer: CustomerAccount | None) -> list[Answer]:
    """Every answer: the accepted one first, then official (staff) answers, then by votes."""
    answers = list(_answers_with_comments(question, viewer).order_by("-score", "created_at"))
    accepted = question.accepted_answer_id
    answers.sort(key=lambda a: (a.pk != accepted, not a.is_official, -a.score))
    return answers


def answer_page(
    *, question: Question, viewer: CustomerAccount | None, page: int = 1
) -> tuple[list[Answer], int]:
    """One page of ANSWER_PAGE_SIZE answers in `question_answers`' order (oldest first
    among equals), and how many there are. The order comes from a narrow read of every
    answer's sort keys; only the page's answers and comments are loaded and rendered (the
    most answered questions have about a hundred: rendering them all took most of the
    page's time)."""
    if page <= 1 and question.answer_count <= ANSWER_PAGE_SIZE // 2:
        # Most questions: everything fits on one page (held answers the viewer may see
        # included, with room to spare), so one read instead of keys first.
        answers = question_answers(question=question, viewer=viewer)
        return answers[:ANSWER_PAGE_SIZE], len(answers)
    accepted = question.accepted_answer_id
    keys = list(
        Answer.objects.filter(_visible(viewer), question=question).values_list(
            "pk", "agent_id", "score", "created_at"
        )
    )
    keys.sort(key=lambda k: (k[0] != accepted, k[1] is None, -k[2], k[3], k[0]))
    start = (max(1, page) - 1) * ANSWER_PAGE_SIZE
    ids = [k[0] for k in keys[start : start + ANSWER_PAGE_SIZE]]
    if not ids:
        return [], len(keys)
    by_id = {a.pk: a for a in _answers_with_comments(question, viewer).filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id], len(keys)


def question_comments(*, question: Question, viewer: CustomerAccount | None) -> list[Comment]:
    return list(
        Comment.objects.filter(_visible(viewer), question=question)
        .select_related("author", "agent")
        .order_by("created_at")
    )


def my_votes(
    *, viewer: CustomerAccount | None, question: Question, answers: list[Answer] | None = None
) -> dict[str, int]:
    """{"q": value, "a<ID>": value} for the viewer's votes on this page. Given the page's
    `answers`, a lookup by their ids (the unique (voter, answer) index) rather than a join
    through every answer the viewer ever voted on."""
    if viewer is None:
        return {}
    on_answers = (
        Q(answer_id__in=[a.pk for a in answers])
        if answers is not None
        else Q(answer__question=question)
    )
    rows = Vote.objects.filter(Q(question=question) | on_answers, voter=viewer).values_list(
        "question_id", "answer_id", "value"
    )
    return {("q" if q else f"a{a}"): v for q, a, v in rows}


@dataclass(frozen=True)
class Ranked:
    member: CustomerAccount
    points: int


def leaderboard(
    *,
    account_id: int,
    period: str = "week",
    category_id: int | None = None,
    size: int = LEADERBOARD_SIZE,
) -> list[Ranked]:
    """Top members by points earned this calendar week or month (`PeriodPoints`, one
    index range: forum_period_rank), or all time (the running totals, forum_stats_rank;
    per category, the all-time rows of `PeriodPoints`, the same index range: summing a
    busy category's entries took 30-50 ms at the issue's size)."""
    kind = PERIODS.get(period, "w")
    if kind is not None:
        start = period_starts(timezone.now())[kind]
        pairs = list(
            PeriodPoints.objects.filter(
                account_id=account_id,
                kind=kind,
                start=start,
                scope=category_id or 0,
                points__gt=0,
            )
            .order_by("-points", "member_id")
            .values_list("member_id", "points")[:size]
        )
    elif category_id is None:
        stats = (
            MemberStats.objects.filter(account_id=account_id, reputation__gt=0)
            .order_by("-reputation", "member_id")
            .values_list("member_id", "reputation")[:size]
        )
        pairs = list(stats)
    else:
        pairs = list(
            PeriodPoints.objects.filter(
                account_id=account_id,
                kind=ALL_TIME,
                start=ALL_TIME_START,
                scope=category_id,
                points__gt=0,
            )
            .order_by("-points", "member_id")
            .values_list("member_id", "points")[:size]
        )
    members = CustomerAccount.objects.in_bulk([m for m, _p in pairs])
    return [Ranked(members[m], int(p)) for m, p in pairs if m in members]


def member_profile(*, account_id: int, member_id: int) -> CustomerAccount | None:
    return CustomerAccount.objects.filter(
        account_id=account_id, pk=member_id, is_active=True
    ).first()


def member_badges(*, member: CustomerAccount) -> list[str]:
    return list(
        BadgeAward.objects.filter(member=member)
        .order_by("awarded_at")
        .values_list("badge", flat=True)
    )


def member_stats(*, member: CustomerAccount) -> MemberStats | None:
    return MemberStats.objects.filter(member=member).first()


def member_recent_answers(*, member: CustomerAccount, limit: int = 10) -> list[Answer]:
    return list(
        Answer.objects.filter(author=member, status=Status.PUBLISHED)
        .select_related("question")
        .order_by("-created_at")[:limit]
    )


# The expression of the forum_question_fts index (migration 0002): the query must spell it
# the same way for PostgreSQL to use the index.
FTS_DOCUMENT = (
    "to_tsvector('simple'::regconfig, forum_question.title || ' ' || forum_question.body)"
)
_TOKEN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _words(query: str) -> list[str]:
    """The query's three longest words of three characters or more; punctuation splits
    words ("usdt-trc20" is two), so both search paths see the same plain words."""
    words = [w for w in _TOKEN.findall(query) if len(w) >= 3]
    return sorted(words, key=len, reverse=True)[:3]


def _tsquery(words: list[str]) -> str | None:
    """`usdt:* & trc20:*` for the words (each a prefix, as the contains-search matched the
    start of longer words); None when full text cannot answer: Chinese, Japanese and Korean
    are not split into words by PostgreSQL's parser, so they keep the contains-filter."""
    if any(_CJK.search(w) for w in words):
        return None
    return " & ".join(f"{w.lower()}:*" for w in words) or None


def _matching(rows: QuerySet[Question], words: list[str]) -> QuerySet[Question]:
    tsquery = _tsquery(words) if connection.vendor == "postgresql" else None
    if tsquery is not None:
        # A GIN index range instead of reading every question (contains cannot use one).
        match = RawSQL(  # noqa: S611 - constant SQL; the query is a bound parameter
            f"{FTS_DOCUMENT} @@ to_tsquery('simple'::regconfig, %s)",
            [tsquery],
            output_field=BooleanField(),
        )
        return rows.filter(match)
    for word in words:
        rows = rows.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return rows


def search_questions(
    *,
    account_id: int,
    query: str,
    language: str | None = None,
    answered_only: bool = False,
    limit: int = 10,
) -> list[Question]:
    """Published questions whose title or body holds every longer word of the query: on
    PostgreSQL a full-text match (words starting with each query word, through the
    forum_question_fts index), elsewhere and for CJK text a contains-filter. The KB's
    ranked index stays the articles'."""
    words = _words(query.strip()[:200])
    if not words:
        return []
    rows: QuerySet[Question] = Question.objects.filter(
        account_id=account_id, status=Status.PUBLISHED
    )
    if language:
        rows = rows.filter(category__language=language)
    if answered_only:
        rows = rows.filter(Q(accepted_answer__isnull=False) | Q(answer_count__gt=0))
    rows = _matching(rows, words)
    # Every field the result row shows (forum/_question_row.html): a deferred one costs a
    # query per row (the search page made 34).
    return list(
        rows.select_related("category", "author")
        .order_by("-score", "-pk")
        .only(
            "pk",
            "title",
            "score",
            "answer_count",
            "accepted_answer_id",
            "agent_id",
            "author__display_name",
            "category__language",
            "category__slug",
        )[:limit]
    )


def moderation_queue(
    *, account_id: int
) -> dict[str, list[Question] | list[Answer] | list[Comment]]:
    held = Q(account_id=account_id, status=Status.HELD)
    return {
        "questions": list(Question.objects.filter(held).select_related("author")[:100]),
        "answers": list(Answer.objects.filter(held).select_related("author", "question")[:100]),
        "comments": list(Comment.objects.filter(held).select_related("author")[:100]),
    }


def accepted_answers(*, account_id: int, query: str, limit: int = 3) -> list[Answer]:
    """Accepted answers for a query: what the assistant may cite."""
    questions = search_questions(account_id=account_id, query=query, limit=limit * 3)
    ids = [q.accepted_answer_id for q in questions if q.accepted_answer_id]
    return list(
        Answer.objects.filter(pk__in=ids[:limit], status=Status.PUBLISHED).select_related(
            "question__category"
        )
    )


# --- edits and preferences ------------------------------------------------------------------

POST_KINDS = ("q", "a", "c")


def get_post(
    *, account_id: int, kind: str, post_id: int, viewer: CustomerAccount | None, staff: bool
) -> Question | Answer | Comment | None:
    """A post as this viewer may see it (`kind`: q, a or c): the public sees published
    posts of a visible question; an author also their own held posts; staff everything."""
    rows: QuerySet[Question] | QuerySet[Answer] | QuerySet[Comment]
    if kind == "q":
        rows = Question.objects.select_related("category")
    elif kind == "a":
        rows = Answer.objects.select_related("question__category")
    elif kind == "c":
        rows = Comment.objects.select_related("question__category", "answer__question__category")
    else:
        return None
    rows = rows.filter(account_id=account_id, pk=post_id).select_related("author", "agent")
    if not staff:
        rows = rows.filter(_visible(viewer))
    post = rows.first()
    if post is None or staff:
        return post
    question = post if isinstance(post, Question) else question_of(post)
    visible = _seen(question, viewer)
    if isinstance(post, Comment) and post.answer is not None:
        visible = visible and _seen(post.answer, viewer)
    return post if visible else None


def _seen(post: Question | Answer, viewer: CustomerAccount | None) -> bool:
    own = viewer is not None and post.author_id == viewer.pk
    return post.status == Status.PUBLISHED or (post.status == Status.HELD and own)


def question_of(post: Answer | Comment) -> Question:
    if isinstance(post, Answer):
        return post.question
    if post.question_id is not None:
        assert post.question is not None
        return post.question
    assert post.answer is not None
    return post.answer.question


def post_revisions(*, post: Question | Answer | Comment) -> list[Revision]:
    """Newest first, with the editor (member or agent)."""
    field = {Question: "question", Answer: "answer", Comment: "comment"}[type(post)]
    return list(
        Revision.objects.filter(**{field: post})
        .select_related("editor", "editor_agent")
        .order_by("-created_at", "-pk")[:100]
    )


def preferences(*, member: CustomerAccount) -> MemberPreferences:
    """The member's email preferences (defaults when never changed; not saved)."""
    row = MemberPreferences.objects.filter(member=member).first()
    return row or MemberPreferences(member=member, account_id=member.account_id)
