"""Reads for the knowledge base: the public help center (published only, one account)
and the agent side (scoped to the agent's account)."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import NotFound
from blockdesk.kb.documents import SearchDocument
from blockdesk.kb.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleTranslation,
    Category,
    SlugRedirect,
)

PUBLISHED = ArticleTranslation.Status.PUBLISHED

# --- languages ----------------------------------------------------------------------


def kb_languages() -> list[str]:
    return list(settings.KB_LANGUAGES) or ["en"]


def default_language() -> str:
    return kb_languages()[0]


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_local"])
    except KeyError:
        return code


def hreflang(code: str) -> str:
    """BCP 47 spelling for <link hreflang>: zh-hans → zh-Hans."""
    head, _, tail = code.partition("-")
    if not tail:
        return head
    return f"{head}-{tail.title() if len(tail) == 4 else tail.upper()}"


def fallback_chain(language: str) -> list[str]:
    return [language, *[code for code in kb_languages() if code != language]]


def pick(by_language: dict[str, ArticleTranslation], language: str) -> ArticleTranslation | None:
    for code in fallback_chain(language):
        if code in by_language:
            return by_language[code]
    return next(iter(by_language.values()), None)


def localized(values: dict[str, str], language: str) -> str:
    for code in fallback_chain(language):
        if values.get(code):
            return values[code]
    return next(iter(values.values()), "")


# --- URLs ---------------------------------------------------------------------------


def article_path(translation: ArticleTranslation, *, language: str | None = None) -> str:
    """The page of `translation`, shown with the interface in `language` (default: its own)."""
    return reverse(
        "kb:article",
        args=[language or translation.language, translation.article.category.key, translation.slug],
    )


def absolute(path: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + path


# --- public help center -------------------------------------------------------------


def help_center_account() -> Account | None:
    # One installation serves one help center: the first account's.
    return Account.objects.order_by("pk").first()


def public_translations(*, account_id: int) -> QuerySet[ArticleTranslation]:
    return ArticleTranslation.objects.filter(
        account_id=account_id, status=PUBLISHED
    ).select_related("article__category")


@dataclass(frozen=True)
class Listed:
    translation: ArticleTranslation
    url: str
    fallback: bool


def _pick_per_article(
    translations: QuerySet[ArticleTranslation], language: str
) -> list[ArticleTranslation]:
    grouped: dict[int, dict[str, ArticleTranslation]] = {}
    for tr in translations:
        grouped.setdefault(tr.article_id, {})[tr.language] = tr
    return [t for group in grouped.values() if (t := pick(group, language)) is not None]


def _listed(translations: list[ArticleTranslation], language: str) -> list[Listed]:
    return [
        Listed(tr, article_path(tr, language=language), tr.language != language)
        for tr in translations
    ]


@dataclass(frozen=True)
class CategoryCard:
    category: Category
    name: str
    description: str
    url: str
    articles: list[Listed] = field(default_factory=list)


def _card(category: Category, language: str) -> CategoryCard:
    return CategoryCard(
        category=category,
        name=localized(category.names, language),
        description=localized(category.descriptions, language),
        url=reverse("kb:category", args=[language, category.key]),
    )


def help_home(*, account_id: int, language: str, popular: int = 8) -> dict[str, object]:
    picked = _pick_per_article(public_translations(account_id=account_id), language)
    by_category: dict[int, list[ArticleTranslation]] = {}
    for tr in picked:
        by_category.setdefault(tr.article.category_id, []).append(tr)
    cards = []
    for category in Category.objects.filter(account_id=account_id):
        items = by_category.get(category.pk)
        if not items:
            continue
        card = _card(category, language)
        card.articles.extend(_listed(sorted(items, key=lambda t: -t.view_count)[:5], language))
        cards.append(card)
    top = sorted(picked, key=lambda t: (-t.view_count, -t.helpful_count, t.article.key))[:popular]
    return {"categories": cards, "popular": _listed(top, language)}


def help_category(*, account_id: int, language: str, key: str) -> CategoryCard:
    category = Category.objects.filter(account_id=account_id, key=key).first()
    if category is None:
        raise NotFound()
    card = _card(category, language)
    picked = _pick_per_article(
        public_translations(account_id=account_id).filter(article__category=category), language
    )
    card.articles.extend(_listed(sorted(picked, key=lambda t: t.title.casefold()), language))
    return card


@dataclass(frozen=True)
class PublicArticle:
    translation: ArticleTranslation | None = None
    fallback: bool = False  # shown in another language than the page's
    redirect: str | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (hreflang, absolute URL)
    canonical: str = ""
    related: list[Listed] = field(default_factory=list)
    languages: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, url)


def public_article(*, account_id: int, language: str, category: str, slug: str) -> PublicArticle:
    published = public_translations(account_id=account_id)
    tr = published.filter(language=language, slug=slug).first()
    if tr is None:
        # No translation in the page's language under this slug: a link from another
        # language's listing (shown with a note), or an old slug that has moved.
        old = (
            SlugRedirect.objects.filter(account_id=account_id, language=language, old_slug=slug)
            .select_related("translation__article__category")
            .first()
        )
        if old is not None and old.translation.is_published:
            return PublicArticle(redirect=article_path(old.translation))
        for code in fallback_chain(language)[1:]:
            tr = published.filter(language=code, slug=slug).first()
            if tr is not None:
                break
        if tr is None:
            raise NotFound()
        # Prefer a translation in the page's language when one exists under another slug.
        own = published.filter(article_id=tr.article_id, language=language).first()
        if own is not None:
            return PublicArticle(redirect=article_path(own))
    if tr.article.category.key != category:
        return PublicArticle(redirect=article_path(tr, language=language))
    siblings = {t.language: t for t in published.filter(article_id=tr.article_id)}
    alternates = [(hreflang(code), absolute(article_path(t))) for code, t in siblings.items()]
    if default_language() in siblings:
        alternates.append(("x-default", absolute(article_path(siblings[default_language()]))))
    languages = []
    for code in kb_languages():
        target = siblings.get(code)
        url = article_path(target) if target else reverse("kb:home", args=[code])
        languages.append((code, language_name(code), url))
    return PublicArticle(
        translation=tr,
        fallback=tr.language != language,
        alternates=alternates,
        canonical=absolute(article_path(tr)),
        related=related_articles(account_id=account_id, article=tr.article, language=language),
        languages=languages,
    )


def related_articles(*, account_id: int, article: Article, language: str) -> list[Listed]:
    keys = [k for k in article.related_keys if k != article.key]
    rows = public_translations(account_id=account_id).filter(article__key__in=keys)
    picked = {t.article.key: t for t in _pick_per_article(rows, language)}
    return _listed([picked[k] for k in keys if k in picked], language)


def simple_search(*, account_id: int, query: str, language: str, limit: int) -> list[Listed]:
    """Substring search over titles and summaries: the fallback until kb.search is present."""
    query = query.strip()
    if not query:
        return []
    rows = public_translations(account_id=account_id).filter(
        Q(title__icontains=query) | Q(summary__icontains=query)
    )
    picked = _pick_per_article(rows, language)
    picked.sort(key=lambda t: (query.casefold() not in t.title.casefold(), -t.view_count))
    return _listed(picked[:limit], language)


def published_documents(*, account_id: int | None = None) -> list[SearchDocument]:
    """Every published translation as a plain document for the search index."""
    qs = ArticleTranslation.objects.filter(status=PUBLISHED).select_related("article__category")
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    return [
        SearchDocument(
            article_id=tr.article_id,
            key=tr.article.key,
            language=tr.language,
            title=tr.title,
            summary=tr.summary,
            body=tr.body,
            example_questions=tuple(tr.example_questions),
            category=tr.article.category.key,
            url=absolute(article_path(tr)),
            updated_at=tr.updated_at,
        )
        for tr in qs.order_by("article_id", "language")
    ]


# --- agent side ---------------------------------------------------------------------


def agent_articles(
    *, user: User, q: str = "", status: str = "", category: str = "", language: str = ""
) -> QuerySet[Article]:
    qs = Article.objects.filter(account_id=user.account_pk).select_related("category")
    if q:
        qs = qs.filter(Q(key__icontains=q) | Q(translations__title__icontains=q)).distinct()
    if status:
        qs = qs.filter(translations__status=status).distinct()
    if category:
        qs = qs.filter(category__key=category)
    if language:
        qs = qs.filter(translations__language=language).distinct()
    return qs.prefetch_related("translations")


def get_article_for_agent(*, user: User, article_id: int) -> Article:
    article = (
        Article.objects.filter(account_id=user.account_pk, pk=article_id)
        .select_related("category")
        .first()
    )
    if article is None:
        raise NotFound()
    return article


def get_translation_for_agent(*, user: User, article_id: int, language: str) -> ArticleTranslation:
    tr = (
        ArticleTranslation.objects.filter(
            account_id=user.account_pk, article_id=article_id, language=language
        )
        .select_related("article__category", "author", "editor", "reviewed_by")
        .first()
    )
    if tr is None:
        raise NotFound()
    return tr


def agent_categories(*, user: User) -> QuerySet[Category]:
    return Category.objects.filter(account_id=user.account_pk)


def revisions(*, translation: ArticleTranslation) -> QuerySet[ArticleRevision]:
    return translation.revisions.select_related("editor")


def get_revision(*, translation: ArticleTranslation, number: int) -> ArticleRevision:
    rev = translation.revisions.filter(number=number).first()
    if rev is None:
        raise NotFound()
    return rev


def _as_text(rev: ArticleRevision | ArticleTranslation) -> list[str]:
    questions = "\n".join(f"- {q}" for q in rev.example_questions)
    text = f"# {rev.title}\n\n{rev.summary}\n\n{questions}\n\n{rev.body}\n"
    return text.splitlines()


def revision_diff(
    *, old: ArticleRevision | None, new: ArticleRevision | ArticleTranslation
) -> list[tuple[str, str]]:
    """Unified diff as (kind, line) pairs; kind is add, del, hunk or ctx."""
    before = _as_text(old) if old is not None else []
    lines = difflib.unified_diff(before, _as_text(new), lineterm="", n=3)
    out: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        out.append((kind, line))
    return out


def stale_translations(*, user: User, days: int) -> QuerySet[ArticleTranslation]:
    cutoff = timezone.localdate() - dt.timedelta(days=days)
    return (
        ArticleTranslation.objects.filter(account_id=user.account_pk)
        .filter(Q(last_reviewed__isnull=True) | Q(last_reviewed__lt=cutoff))
        .select_related("article__category", "reviewed_by")
        .order_by(F("last_reviewed").asc(nulls_first=True), "article__key", "language")
    )


def feedback_report(*, user: User) -> list[ArticleTranslation]:
    """Translations with votes, least helpful first (by share of helpful votes, then by
    the number of unhelpful ones)."""
    rows = list(
        ArticleTranslation.objects.filter(account_id=user.account_pk)
        .filter(Q(helpful_count__gt=0) | Q(not_helpful_count__gt=0))
        .select_related("article__category")
    )

    def share(tr: ArticleTranslation) -> float:
        return tr.helpful_count / (tr.helpful_count + tr.not_helpful_count)

    rows.sort(key=lambda t: (share(t), -t.not_helpful_count, -t.view_count))
    return rows


def recent_comments(*, user: User, limit: int = 50) -> QuerySet[ArticleFeedback]:
    return (
        ArticleFeedback.objects.filter(translation__account_id=user.account_pk)
        .exclude(comment="")
        .select_related("translation__article")[:limit]
    )


# --- help-center search ---------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    title: str
    snippet: str  # plain text; templates escape it
    terms: tuple[str, ...]  # words to emphasise in the snippet
    url: str
    language: str
    fallback: bool  # in another language than the page's


def _engine() -> Callable[..., list[Any]] | None:
    try:
        from blockdesk.kb.search.service import search
    except ImportError:
        return None
    return search


def search_help_center(*, account_id: int, query: str, language: str, limit: int) -> list[Found]:
    query = query.strip()[:200]
    if not query:
        return []
    engine = _engine()
    if engine is None:
        return [
            Found(x.translation.title, x.translation.summary, (query,), x.url,
                  x.translation.language, x.fallback)
            for x in simple_search(account_id=account_id, query=query, language=language,
                                   limit=limit)
        ]  # fmt: skip
    hits = engine(query=query, language=language, limit=limit, account_id=account_id)
    # Only this help center's published articles, whatever the index holds.
    live = {(t.article_id, t.language): t for t in public_translations(account_id=account_id)}
    out = []
    for hit in hits:
        doc = hit.document
        tr = live.get((doc.article_id, doc.language))
        if tr is None:
            continue
        out.append(
            Found(tr.title, hit.highlight or tr.summary, tuple(getattr(hit, "highlight_terms", ())),
                  article_path(tr, language=language), tr.language, tr.language != language)
        )  # fmt: skip
    return out
