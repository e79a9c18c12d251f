"""The forum as public knowledge: answered questions found by a query (the help center's
search lists them after its articles, through kb/sources.py), the accepted answer the
assistant may cite, and the accepted answers an account shares in its peering feed.

"Answered" means a published question whose accepted answer is published, or which has a
published official (staff) answer. Held and removed posts never count, whoever asks:
these reads serve the public and other projects, not an author looking at their own post.

Matching uses the help center's analyser (kb.search.analysis: jieba for Chinese, stems for
English), so "充值没有到账" finds "充值三小时了还没到账" and "withdrawals" finds
"withdrawal". Candidates come from a contains-filter over the database (one term is
enough), then are scored by how many of the query's terms they hold, in the title above
all; the forum's own search has the same cost profile (docs/forum.md, "Not done")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.forum.models import Answer, Question
from blockdesk.forum.models.posts import Status
from blockdesk.kb import selectors as kb_selectors
from blockdesk.kb.sources import SourceHit, SourceQuery

MAX_TERMS = 8
CANDIDATES = 200
# Only the start of long posts is matched: the point of a question is in its first lines.
MATCH_CHARS = 3000
SNIPPET_CHARS = 220
# Listed on the help center's search page: at least half the query's terms.
LIST_COVERAGE = 0.5
# Cited by the assistant: most of the query's terms, at least two of them, and a score
# (coverage with the title counted twice) that a loosely related thread does not reach.
CITE_SCORE = 0.7
CITE_COVERAGE = 0.75
CITE_MIN_TERMS = 2


def _analyze(text: str) -> tuple[str, ...]:
    try:
        from blockdesk.kb.search.analysis import analyze
    except ImportError:  # the search extra is missing: words as typed, lower-cased
        return tuple(w for w in re.findall(r"\w+", text.lower()) if len(w) > 1)
    return analyze(text)


def _plain(markdown: str) -> str:
    try:
        from blockdesk.kb.search.analysis import markdown_to_text
    except ImportError:
        return " ".join(markdown.split())
    return " ".join(markdown_to_text(markdown).split())


def query_terms(query: str) -> list[str]:
    """The distinct index terms of a query, in order, at most MAX_TERMS."""
    seen: dict[str, None] = {}
    for term in _analyze(query.strip()[:200]):
        seen.setdefault(term, None)
    return list(seen)[:MAX_TERMS]


@dataclass(frozen=True)
class Answered:
    question: Question
    answer: Answer  # the accepted answer, else the best official one
    accepted: bool
    score: float  # 0..1: coverage of the query, the title's counted twice
    coverage: float  # share of the query's terms found anywhere in the thread
    matched: int  # how many of them

    @property
    def language(self) -> str:
        return str(self.question.category.language)

    @property
    def path(self) -> str:
        return reverse("forum:question", args=[self.language, self.question.pk])

    @property
    def snippet(self) -> str:
        text = _plain(self.answer.body)
        if len(text) <= SNIPPET_CHARS:
            return text
        return text[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _answered_filter(*, accepted_only: bool) -> Q:
    accepted = Q(accepted_answer__isnull=False, accepted_answer__status=Status.PUBLISHED)
    if accepted_only:
        return accepted
    official = Answer.objects.filter(
        question=OuterRef("pk"), status=Status.PUBLISHED, agent__isnull=False
    )
    return accepted | Q(Exists(official))


def _best_official(question_ids: Iterable[int]) -> dict[int, Answer]:
    best: dict[int, Answer] = {}
    rows = Answer.objects.filter(
        question_id__in=list(question_ids), status=Status.PUBLISHED, agent__isnull=False
    ).order_by("question_id", "-score", "created_at")
    for answer in rows:
        best.setdefault(answer.question_id, answer)
    return best


def _score(terms: set[str], question: Question, answer: Answer) -> tuple[float, float, int]:
    title = set(_analyze(question.title))
    thread = (
        title
        | set(_analyze(question.body[:MATCH_CHARS]))
        | set(_analyze(answer.body[:MATCH_CHARS]))
    )
    matched = len(terms & thread)
    coverage = matched / len(terms)
    in_title = len(terms & title) / len(terms)
    return (coverage + in_title) / 2, coverage, matched


def answered_questions(
    *,
    account_id: int,
    query: str,
    language: str,
    limit: int = 10,
    accepted_only: bool = False,
    min_coverage: float = LIST_COVERAGE,
) -> list[Answered]:
    """Answered public questions of `language` that match `query`, best first."""
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    contains = Q()
    for term in terms:
        contains |= (
            Q(title__icontains=term)
            | Q(body__icontains=term)
            | Q(accepted_answer__body__icontains=term)
        )
    rows = (
        Question.objects.filter(
            _answered_filter(accepted_only=accepted_only),
            contains,
            account_id=account_id,
            status=Status.PUBLISHED,
            category__language=language,
        )
        .select_related("category", "accepted_answer__author", "accepted_answer__agent")
        .order_by("-score", "-pk")[:CANDIDATES]
    )
    questions = list(rows)
    unaccepted = [
        q.pk
        for q in questions
        if q.accepted_answer is None or q.accepted_answer.status != Status.PUBLISHED
    ]
    official = _best_official(unaccepted) if unaccepted else {}
    wanted = set(terms)
    found: list[Answered] = []
    for question in questions:
        accepted = question.pk not in official
        answer = question.accepted_answer if accepted else official[question.pk]
        if answer is None:
            continue
        score, coverage, matched = _score(wanted, question, answer)
        if coverage >= min_coverage:
            found.append(Answered(question, answer, accepted, score, coverage, matched))
    found.sort(key=lambda a: (-a.score, -a.question.score, -a.question.pk))
    return found[:limit]


# --- the help center's search (kb/sources.py) ---------------------------------------------


def _interface_language(language: str) -> str:
    ui = {code for code, _name in settings.LANGUAGES}
    return language if language in ui else settings.LANGUAGE_CODE


def help_center_hits(query: SourceQuery) -> list[SourceHit]:
    """Registered from ForumConfig.ready(): answered questions for the help center."""
    rows = answered_questions(
        account_id=query.account_id,
        query=query.query,
        language=query.language,
        limit=query.limit,
    )
    with translation.override(_interface_language(query.language)):
        label = _("Community answer")
    return [
        SourceHit(
            kind="community",
            label=label,
            title=row.question.title,
            snippet=row.snippet,
            url=row.path,
            language=row.language,
            score=row.score,
        )
        for row in rows
    ]


# --- the assistant --------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityAnswer:
    """An accepted answer the assistant may cite: a customer's words, not the business's."""

    question_id: int
    answer_id: int
    title: str
    body: str  # the answer's Markdown (secrets were redacted when it was posted)
    url: str  # absolute link to the question
    language: str
    score: float

    @property
    def key(self) -> str:
        return f"community:{self.question_id}"


def citable_answer(*, account_id: int, text: str, language: str) -> CommunityAnswer | None:
    """The accepted answer of the question that best matches `text`, when it matches well
    enough to be offered as the answer (CITE_*); None otherwise."""
    terms = query_terms(text)
    if len(terms) < CITE_MIN_TERMS:
        return None
    rows = answered_questions(
        account_id=account_id,
        query=text,
        language=language,
        limit=1,
        accepted_only=True,
        min_coverage=CITE_COVERAGE,
    )
    if not rows:
        return None
    best = rows[0]
    if best.score < CITE_SCORE or best.matched < CITE_MIN_TERMS:
        return None
    return CommunityAnswer(
        question_id=best.question.pk,
        answer_id=best.answer.pk,
        title=best.question.title,
        body=best.answer.body,
        url=kb_selectors.absolute(best.path),
        language=best.language,
        score=round(best.score, 4),
    )


def question_title(*, account_id: int, question_id: int) -> str | None:
    return (
        Question.objects.filter(account_id=account_id, pk=question_id)
        .values_list("title", flat=True)
        .first()
    )


# --- the peering feed ------------------------------------------------------------------------


def shared_answers(*, account_id: int) -> dict[str, dict[str, Any]]:
    """{item key: body} of every public question with a published accepted answer: what an
    account that shares its accepted answers publishes (peering's "forum.answer" items).
    A later change of the answer, of the question or of which answer is accepted changes
    the body, so the feed carries a new version."""
    rows = (
        Question.objects.filter(
            _answered_filter(accepted_only=True), account_id=account_id, status=Status.PUBLISHED
        )
        .select_related("category", "accepted_answer__author")
        .order_by("pk")
    )
    items: dict[str, dict[str, Any]] = {}
    for question in rows:
        answer = question.accepted_answer
        assert answer is not None
        language = question.category.language
        path = reverse("forum:question", args=[language, question.pk])
        items[f"q{question.pk}"] = {
            "question_id": question.pk,
            "language": language,
            "title": question.title,
            "question": question.body,
            "answer": answer.body,
            "author": answer.author.display_name if answer.author is not None else "",
            "official": answer.agent_id is not None,
            "url": kb_selectors.absolute(path),
        }
    return items
