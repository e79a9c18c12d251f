"""The two built-in feed item types: knowledge-base articles ("kb.article") and
confirmed scams ("trust.scam"). Each writes through its owner's services."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from typing import Any

from django.utils import translation as translation_utils
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.kb import selectors as kb_selectors
from blockdesk.kb import services as kb_services
from blockdesk.kb.models import Article, ArticleTranslation, Category
from blockdesk.kb.models.article import KEY_RE
from blockdesk.peering.models import Publisher, ReceivedItem, SharedArticle
from blockdesk.peering.sources import BadItem, FeedSource
from blockdesk.trust import scam_services
from blockdesk.trust.models import ReportedScam

ARTICLE = "kb.article"
SCAM = "trust.scam"
MAX_LANGUAGES = 12
MAX_BODY = 100_000
_KEY = re.compile(KEY_RE)


def _str(body: dict[str, Any], name: str, *, limit: int, required: bool = True) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise BadItem(f"{name}: a string of at most {limit} characters")
    if "\x00" in value:
        raise BadItem(f"{name}: NUL character")
    return value


# --- knowledge-base articles -------------------------------------------------------------


def collect_articles(publisher: Publisher) -> dict[str, dict[str, Any]]:
    shared = SharedArticle.objects.filter(publisher=publisher).values_list("article_id", flat=True)
    rows = (
        ArticleTranslation.objects.filter(
            article_id__in=list(shared), status=ArticleTranslation.Status.PUBLISHED
        )
        .select_related("article__category")
        .order_by("article_id", "language")
    )
    items: dict[str, dict[str, Any]] = {}
    for tr in rows:
        article = tr.article
        item = items.setdefault(
            article.key,
            {
                "key": article.key,
                "category": article.category.key,
                "url": kb_selectors.absolute(kb_selectors.article_path(tr)),
                "translations": {},
            },
        )
        item["translations"][tr.language] = {
            "title": tr.title,
            "summary": tr.summary,
            "body": tr.body,
        }
    return items


def validate_article(body: dict[str, Any]) -> None:
    key = _str(body, "key", limit=80)
    if not _KEY.match(key):
        raise BadItem("key: not an article identifier")
    _str(body, "category", limit=60)
    _str(body, "url", limit=500, required=False)
    translations = body.get("translations")
    if not isinstance(translations, dict) or not 0 < len(translations) <= MAX_LANGUAGES:
        raise BadItem("translations: 1 to 12 languages")
    for language, content in translations.items():
        if not isinstance(content, dict) or len(language) > 16:
            raise BadItem("translations: one object per language")
        _str(content, "title", limit=200)
        _str(content, "summary", limit=2000, required=False)
        _str(content, "body", limit=MAX_BODY, required=False)


def article_title(body: dict[str, Any]) -> str:
    translations = body.get("translations") or {}
    language = translation_utils.get_language() or "en"
    content: dict[str, Any] = translations.get(language) or next(iter(translations.values()), {})
    return str(content.get("title") or body.get("key") or "")


def _reviewer(actor: User | None) -> User:
    if actor is None or not actor.is_account_admin:
        # An article changes what customers read: only an administrator imports one.
        raise Forbidden(_("Only an administrator can import an article."))
    return actor


def _free_key(account_id: int, base: str) -> str:
    base = base[:72].strip("-")
    key, n = base, 1
    while Article.objects.filter(account_id=account_id, key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return key


def _category(account_id: int, key: str) -> Category:
    categories = Category.objects.filter(account_id=account_id)
    category = categories.filter(key=key).first() or categories.order_by("order", "key").first()
    if category is None:
        raise ValidationFailed(_("Create a knowledge-base category first."), code="no_category")
    return category


def with_attribution(text: str, *, note: str, url: str) -> str:
    """`text` ending with a note that names its source (and links to it)."""
    if url:
        note += f" <{url}>"
    return f"{text.rstrip()}\n\n---\n\n*{note}*"


def _attributed(item: ReceivedItem, language: str, content: dict[str, Any]) -> str:
    url = str((item.body or {}).get("url") or "")
    with translation_utils.override(language):
        note = _("Shared by %(source)s.") % {"source": item.subscription.name}
    return with_attribution(content.get("body", ""), note=note, url=url)


def apply_article(item: ReceivedItem, actor: User | None) -> None:
    """Imports (as drafts) or updates the local copy, with attribution to the source."""
    actor = _reviewer(actor)
    body = item.body or {}
    enabled = set(kb_selectors.kb_languages())
    translations = {k: v for k, v in body["translations"].items() if k in enabled}
    if not translations:
        raise ValidationFailed(
            _("None of the article's languages is enabled here."), code="no_language"
        )
    for language, content in translations.items():
        data = kb_services.TranslationInput(
            title=content["title"],
            summary=content.get("summary", ""),
            body=_attributed(item, language, content),
        )
        sync_local_article(
            item,
            actor,
            language=language,
            data=data,
            key=f"shared-{body['key']}",
            category_key=body["category"],
        )


def sync_local_article(
    item: ReceivedItem,
    actor: User,
    *,
    language: str,
    data: kb_services.TranslationInput,
    key: str,
    category_key: str,
) -> None:
    """The received item's local copy in one language: a new draft article (under a free
    `key` in that category) the first time, else a new version of that translation."""
    if item.local_article is None:
        free = _free_key(item.account_id, key)
        created = kb_services.do_create_article(
            actor=actor,
            key=free,
            category=_category(item.account_id, category_key),
            language=language,
            data=dataclasses.replace(data, slug=free),
        )
        item.local_article = created.article
        return
    kb_services.do_save_translation(
        actor=actor,
        article=item.local_article,
        language=language,
        data=data,
        note=_("Synced from %(source)s") % {"source": item.subscription.name},
    )


def withdraw_article(item: ReceivedItem, actor: User | None) -> None:
    if item.local_article is not None:
        kb_services.do_delete_article(actor=_reviewer(actor), article=item.local_article)
        item.local_article = None


# --- confirmed scams ---------------------------------------------------------------------


def scam_key(scam: ReportedScam) -> str:
    # Fixed length, so one key is never the prefix of another (source_ref prefixes).
    return hashlib.sha256(f"{scam.kind}:{scam.value}".encode()).hexdigest()[:24]


def collect_scams(publisher: Publisher) -> dict[str, dict[str, Any]]:
    if not publisher.share_scams:
        return {}
    # Only our own confirmations: a peer's report is theirs to publish.
    own = ReportedScam.objects.filter(account_id=publisher.account_id, source_ref="")
    return {
        scam_key(s): {
            "kind": s.kind,
            "value": s.value,
            "note": s.note,
            "confirmed_on": s.confirmed_on.isoformat(),
        }
        for s in own
    }


def validate_scam(body: dict[str, Any]) -> None:
    if body.get("kind") not in ReportedScam.Kind.values:
        raise BadItem("kind: unknown")
    _str(body, "value", limit=255)
    _str(body, "note", limit=200, required=False)
    try:
        dt.date.fromisoformat(_str(body, "confirmed_on", limit=10))
    except ValueError as exc:
        raise BadItem("confirmed_on: not a date") from exc


def source_ref(item: ReceivedItem) -> str:
    return f"peer:{item.subscription_id}:{item.item_key}"


def apply_scam(item: ReceivedItem, actor: User | None) -> None:
    body = item.body or {}
    scam_services.do_sync_peer_scam(
        account_id=item.account_id,
        source=item.subscription.name,
        source_ref=source_ref(item),
        value=body["value"],
        note=body.get("note", ""),
        confirmed_on=dt.date.fromisoformat(body["confirmed_on"]),
    )


def withdraw_scam(item: ReceivedItem, actor: User | None) -> None:
    scam_services.do_withdraw_peer_scams(
        account_id=item.account_id, source_ref_prefix=source_ref(item)
    )


def scam_title(body: dict[str, Any]) -> str:
    return f"{body.get('kind', '')}: {body.get('value', '')}"


ARTICLE_SOURCE = FeedSource(
    item_type=ARTICLE,
    label=gettext_lazy("Knowledge-base article"),
    collect=collect_articles,
    validate=validate_article,
    apply=apply_article,
    withdraw=withdraw_article,
    title=article_title,
)
SCAM_SOURCE = FeedSource(
    item_type=SCAM,
    label=gettext_lazy("Confirmed scam"),
    collect=collect_scams,
    validate=validate_scam,
    apply=apply_scam,
    withdraw=withdraw_scam,
    title=scam_title,
    intelligence=True,
)
