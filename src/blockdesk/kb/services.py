"""Writes for the knowledge base: `check_*` validates and authorises, `do_*` mutates in
one transaction. After commit, changed articles are handed to the search indexer."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.crypto import hash_token
from blockdesk.common.errors import NotFound, PayloadTooLarge, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.conversations.models import Conversation, Message
from blockdesk.conversations.services import check_agent_can_access, require_agent
from blockdesk.kb import emitting, selectors
from blockdesk.kb.markdown import external_images, render_markdown
from blockdesk.kb.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleTranslation,
    Category,
    KbAsset,
    SlugRedirect,
)
from blockdesk.kb.models.article import KEY_RE
from blockdesk.safety.fields import redact_free_text

logger = logging.getLogger(__name__)
Status = ArticleTranslation.Status
MAX_QUESTIONS = 20
COMMENT_MAX = 1000
ASSET_MAX_BYTES = 5 * 1024 * 1024
ASSET_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


# --- search index hand-off -----------------------------------------------------------


def reindex_articles(article_ids: Iterable[int], *, account_id: int | None = None) -> None:
    from blockdesk.kb.search.service import schedule_reindex

    ids = sorted(set(article_ids))
    if len(ids) > 1 and account_id is not None:
        schedule_reindex(account_id=account_id)  # one rebuild after a bulk change
        return
    for pk in ids:
        schedule_reindex(pk)


def _reindex_on_commit(article_ids: Iterable[int], *, account_id: int | None = None) -> None:
    ids = list(article_ids)
    if not ids:
        return
    # robust: the article is saved either way; a failed hand-off is logged and
    # `manage.py kb_reindex` rebuilds the index.
    transaction.on_commit(lambda: reindex_articles(ids, account_id=account_id), robust=True)


# --- checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class TranslationInput:
    title: str
    summary: str = ""
    body: str = ""
    example_questions: tuple[str, ...] = ()
    slug: str = ""


def check_editor(user: object) -> User:
    """Any agent or admin of an account may edit its knowledge base."""
    return require_agent(user)


def check_language(language: str) -> str:
    if language not in selectors.kb_languages():
        raise ValidationFailed.field("language", _("This language is not enabled."))
    return language


def check_key(value: str, *, field: str = "key") -> str:
    value = (value or "").strip()
    if not re.match(KEY_RE, value) or len(value) > 80:
        raise ValidationFailed.field(
            field, _("Use lowercase letters, digits and single hyphens (e.g. deposit-not-arrived).")
        )
    return value


def check_translation_input(data: TranslationInput) -> TranslationInput:
    title = data.title.strip()
    if not title:
        raise ValidationFailed.field("title", _("Give the article a title."))
    if len(title) > 200:
        raise ValidationFailed.field("title", _("A title can be at most 200 characters long."))
    body = data.body.replace("\r\n", "\n").strip("\n").rstrip()
    if "\x00" in body or "\x00" in data.summary:
        raise ValidationFailed.field("body", _("The text contains invalid characters."))
    outside = external_images(body)
    if outside:
        raise ValidationFailed.field(
            "body",
            _("Images must be uploaded as knowledge-base assets; remove “%(url)s”.")
            % {"url": outside[0][:120]},
        )
    questions = tuple(q.strip() for q in data.example_questions if q.strip())
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed.field(
            "example_questions", _("At most %(n)d example questions.") % {"n": MAX_QUESTIONS}
        )
    # Only a new translation takes its slug from the title; edits keep theirs (stable URLs).
    slug = check_key(data.slug, field="slug") if data.slug.strip() else ""
    return TranslationInput(
        title=title,
        summary=data.summary.replace("\r\n", "\n").strip(),
        body=body,
        example_questions=questions,
        slug=slug,
    )


def check_related(*, account_id: int, keys: Sequence[str], own_key: str) -> list[str]:
    keys = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    known = set(
        Article.objects.filter(account_id=account_id, key__in=keys).values_list("key", flat=True)
    )
    unknown = [k for k in keys if k not in known or k == own_key]
    if unknown:
        raise ValidationFailed.field(
            "related", _("Unknown related articles: %(keys)s") % {"keys": ", ".join(unknown)}
        )
    return keys


def _check_slug_free(*, account_id: int, language: str, slug: str, exclude: int | None) -> None:
    taken = ArticleTranslation.objects.filter(account_id=account_id, language=language, slug=slug)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationFailed.field("slug", _("Another article already uses this slug."))


def _full_clean(obj: object, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


# --- articles and translations --------------------------------------------------------


def _snapshot(tr: ArticleTranslation, *, editor: User | None, note: str) -> ArticleRevision:
    last = tr.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleRevision.objects.create(
        translation=tr,
        number=last + 1,
        title=tr.title,
        summary=tr.summary,
        body=tr.body,
        example_questions=list(tr.example_questions),
        editor=editor,
        note=note[:200],
    )


def do_create_article(
    *,
    actor: User,
    key: str,
    category: Category,
    language: str,
    data: TranslationInput,
    related_keys: Sequence[str] = (),
) -> ArticleTranslation:
    actor = check_editor(actor)
    account_id = actor.account_pk
    if category.account_id != account_id:
        raise NotFound()
    key = check_key(key)
    check_language(language)
    data = check_translation_input(data)
    if not data.slug:
        data = replace(data, slug=key)  # the identifier makes a fine first slug
    if Article.objects.filter(account_id=account_id, key=key).exists():
        raise ValidationFailed.field("key", _("Another article already uses this identifier."))
    related = check_related(account_id=account_id, keys=related_keys, own_key=key)
    _check_slug_free(account_id=account_id, language=language, slug=data.slug, exclude=None)
    with transaction.atomic():
        article = Article(account_id=account_id, key=key, category=category, related_keys=related)
        _full_clean(article)
        article.save()
        tr = _create_translation(actor=actor, article=article, language=language, data=data)
    return tr


def _create_translation(
    *, actor: User, article: Article, language: str, data: TranslationInput
) -> ArticleTranslation:
    tr = ArticleTranslation(
        account_id=article.account_id,
        article=article,
        language=language,
        slug=data.slug,
        title=data.title,
        summary=data.summary,
        body=data.body,
        body_html=render_markdown(data.body, title=data.title),
        example_questions=list(data.example_questions),
        author=actor,
        editor=actor,
    )
    _full_clean(tr, exclude=["body_html"])
    try:
        with transaction.atomic():
            tr.save()
    except IntegrityError as exc:
        raise ValidationFailed.field("slug", _("Another article already uses this slug.")) from exc
    _snapshot(tr, editor=actor, note=_("Created"))
    return tr


def do_save_translation(
    *, actor: User, article: Article, language: str, data: TranslationInput, note: str = ""
) -> ArticleTranslation:
    """Create the translation in `language` or change its content. A content change
    writes a revision; a slug change keeps the old slug as a redirect."""
    actor = check_editor(actor)
    if article.account_id != actor.account_pk:
        raise NotFound()
    check_language(language)
    data = check_translation_input(data)
    with transaction.atomic():
        tr = (
            ArticleTranslation.objects.select_for_update()
            .filter(article=article, language=language)
            .first()
        )
        if tr is None:
            if not data.slug:
                data = replace(data, slug=article.key)
            _check_slug_free(
                account_id=article.account_id, language=language, slug=data.slug, exclude=None
            )
            tr = _create_translation(actor=actor, article=article, language=language, data=data)
        else:
            _apply(tr, actor=actor, data=data, note=note or _("Edited"))
        if tr.is_published:
            _reindex_on_commit([article.pk])
    return tr


def _apply(
    tr: ArticleTranslation,
    *,
    actor: User | None,
    data: TranslationInput,
    note: str,
    rolled_back_to: int | None = None,
) -> None:
    slug = data.slug or tr.slug
    old_slug = tr.slug
    if slug != tr.slug:
        _check_slug_free(account_id=tr.account_id, language=tr.language, slug=slug, exclude=tr.pk)
        SlugRedirect.objects.filter(
            account_id=tr.account_id, language=tr.language, old_slug=slug
        ).delete()
        SlugRedirect.objects.update_or_create(
            account_id=tr.account_id,
            language=tr.language,
            old_slug=tr.slug,
            defaults={"translation": tr},
        )
        tr.slug = slug
    new_content = (data.title, data.summary, data.body, list(data.example_questions))
    old_content = (tr.title, tr.summary, tr.body, list(tr.example_questions))
    fields = [
        f
        for f, o, n in zip(emitting.CONTENT_FIELDS, old_content, new_content, strict=True)
        if o != n
    ]
    changed = bool(fields)
    tr.title, tr.summary, tr.body = data.title, data.summary, data.body
    tr.example_questions = list(data.example_questions)
    tr.body_html = render_markdown(tr.body, title=tr.title)
    tr.editor = actor or tr.editor
    _full_clean(tr, exclude=["body_html"])
    tr.save()
    revision = _snapshot(tr, editor=actor, note=note).number if changed else None
    if slug != old_slug:
        fields.append("slug")
    if fields:
        emitting.emit_changed(
            tr, changed=fields, revision=revision, actor=actor, rolled_back_to=rolled_back_to
        )


def do_update_article(
    *, actor: User, article: Article, category: Category, related_keys: Sequence[str]
) -> Article:
    actor = check_editor(actor)
    if article.account_id != actor.account_pk or category.account_id != article.account_id:
        raise NotFound()
    related = check_related(account_id=article.account_id, keys=related_keys, own_key=article.key)
    with transaction.atomic():
        article.category = category
        article.related_keys = related
        article.save(update_fields=["category", "related_keys"])
        _reindex_on_commit([article.pk])
    return article


def do_set_status(*, actor: User, translation: ArticleTranslation, status: str) -> None:
    actor = check_editor(actor)
    if translation.account_id != actor.account_pk:
        raise NotFound()
    if status not in Status.values:
        raise ValidationFailed.field("status", _("Unknown status."))
    with transaction.atomic():
        old = ArticleTranslation.objects.select_for_update().values_list("status", flat=True)
        old_status = old.get(pk=translation.pk)
        translation.status = status
        translation.editor = actor
        if status == Status.PUBLISHED and translation.published_at is None:
            translation.published_at = timezone.now()
        translation.save(update_fields=["status", "editor", "published_at", "updated_at"])
        emitting.emit_status(translation, old=old_status, actor=actor)
        _reindex_on_commit([translation.article_id])


def do_rollback(*, actor: User, translation: ArticleTranslation, number: int) -> ArticleRevision:
    """Restore the content of revision `number`; the rollback is itself a new revision."""
    actor = check_editor(actor)
    if translation.account_id != actor.account_pk:
        raise NotFound()
    rev = selectors.get_revision(translation=translation, number=number)
    data = TranslationInput(
        title=rev.title,
        summary=rev.summary,
        body=rev.body,
        example_questions=tuple(rev.example_questions),
        slug=translation.slug,
    )
    with transaction.atomic():
        _apply(
            translation,
            actor=actor,
            data=data,
            note=_("Rolled back to revision %(n)d") % {"n": number},
            rolled_back_to=number,
        )
        if translation.is_published:
            _reindex_on_commit([translation.article_id])
    return translation.revisions.order_by("-number").first() or rev


def do_mark_reviewed(
    *, actor: User, translation: ArticleTranslation, on: dt.date | None = None
) -> None:
    actor = check_editor(actor)
    if translation.account_id != actor.account_pk:
        raise NotFound()
    translation.last_reviewed = on or timezone.localdate()
    translation.reviewed_by = actor
    translation.save(update_fields=["last_reviewed", "reviewed_by"])


def do_delete_article(*, actor: User, article: Article) -> None:
    actor = check_editor(actor)
    if article.account_id != actor.account_pk:
        raise NotFound()
    pk = article.pk
    with transaction.atomic():
        emitting.emit_deleted(article, actor=actor)
        article.delete()
        _reindex_on_commit([pk])


# --- readers: views and votes ---------------------------------------------------------


def do_record_view(*, translation: ArticleTranslation) -> None:
    # One UPDATE, no read-modify-write: concurrent readers never lose a count.
    ArticleTranslation.objects.filter(pk=translation.pk).update(view_count=F("view_count") + 1)


def visitor_hash(session_key: str) -> str:
    # The session key is a bearer secret: only a keyed hash of it is stored.
    return hash_token(f"kb-vote:{session_key}")


def do_vote(
    *,
    translation: ArticleTranslation,
    visitor: str,
    ip: str,
    helpful: bool,
    comment: str = "",
) -> ArticleFeedback:
    """Record a reader's vote. One vote per visitor and translation: voting again
    replaces the earlier vote, so it is never counted twice."""
    limit, window = settings.PUBLIC_RATE_LIMIT, max(settings.PUBLIC_RATE_WINDOW, 60)
    check_rate_limit(scope="kb-vote-ip", key=ip, limit=limit, window=window)
    check_rate_limit(scope="kb-vote", key=visitor, limit=max(3, limit // 4), window=window)
    if not translation.is_published:
        raise NotFound()
    comment = (comment or "").strip().replace("\x00", "")
    # Readers write here too; a pasted seed phrase or key is kept as its marker only.
    comment, _findings = redact_free_text(comment, account_id=translation.account_id)
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed.field(
            "comment", _("A comment can be at most %(max)d characters long.") % {"max": COMMENT_MAX}
        )
    with transaction.atomic():
        vote, created = ArticleFeedback.objects.get_or_create(
            translation=translation,
            visitor_hash=visitor,
            defaults={"helpful": helpful, "comment": comment},
        )
        if not created:
            vote.helpful = helpful
            vote.comment = comment or vote.comment
            vote.save(update_fields=["helpful", "comment", "updated_at"])
        # Recounted from the votes, so the stored counts cannot drift.
        votes = ArticleFeedback.objects.filter(translation=translation)
        helpful_n = votes.filter(helpful=True).count()
        not_helpful_n = votes.filter(helpful=False).count()
        ArticleTranslation.objects.filter(pk=translation.pk).update(
            helpful_count=helpful_n, not_helpful_count=not_helpful_n
        )
    translation.helpful_count, translation.not_helpful_count = helpful_n, not_helpful_n
    return vote


# --- from a conversation ---------------------------------------------------------------


_CJK = re.compile(r"[\u3400-\u9fff]")


def _guess_language(text: str, locale: str) -> str:
    languages = selectors.kb_languages()
    if locale in languages:
        return locale
    if _CJK.search(text) and "zh-hans" in languages:
        return "zh-hans"
    return selectors.default_language()


def _unique_key(account_id: int, base: str, *, language: str = "") -> str:
    base = base[:60].strip("-") or "article"
    candidate, n = base, 2
    while (
        Article.objects.filter(account_id=account_id, key=candidate).exists()
        or ArticleTranslation.objects.filter(
            account_id=account_id, language=language, slug=candidate
        ).exists()
    ):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@dataclass(frozen=True)
class ConversationDraft:
    question: str
    answer: str
    language: str
    title: str
    summary: str


def conversation_draft(*, actor: User, conversation: Conversation) -> ConversationDraft:
    """What an article made from this conversation would say (used to prefill)."""
    actor = check_editor(actor)
    check_agent_can_access(user=actor, conversation=conversation)
    msgs = Message.objects.filter(conversation=conversation)
    first = msgs.filter(sender_type=Message.SenderType.CONTACT).exclude(content="").first()
    reply = (
        msgs.filter(sender_type=Message.SenderType.AGENT, is_private=False)
        .exclude(content="")
        .order_by("-id")
        .first()
    )
    if first is None or reply is None:
        raise ValidationFailed(
            _("The conversation needs a customer message and a public agent reply.")
        )
    question, answer = first.content.strip(), reply.content.strip()
    language = _guess_language(question, conversation.contact.locale)
    title = question.splitlines()[0][:200]
    summary = re.split(r"(?<=[.!?。！？])\s*", answer, maxsplit=1)[0][:300]
    return ConversationDraft(question, answer, language, title, summary)


def do_create_article_from_conversation(
    *, actor: User, conversation: Conversation
) -> ArticleTranslation:
    """A draft article from a resolved conversation: the customer's first message is the
    question (title and first example question), the agent's last public reply the answer."""
    actor = check_editor(actor)
    check_agent_can_access(user=actor, conversation=conversation)
    conversation.refresh_from_db(fields=["status"])  # the caller's copy may be stale
    if conversation.status != Conversation.Status.RESOLVED:
        raise ValidationFailed(_("Resolve the conversation before turning it into an article."))
    draft = conversation_draft(actor=actor, conversation=conversation)
    category = selectors.agent_categories(user=actor).first()
    with transaction.atomic():
        if category is None:
            category = Category.objects.create(
                account_id=actor.account_pk, key="general", names={"en": "General"}
            )
        key = _unique_key(actor.account_pk, slugify(draft.title), language=draft.language)
        return do_create_article(
            actor=actor,
            key=key,
            category=category,
            language=draft.language,
            data=TranslationInput(
                title=draft.title,
                summary=draft.summary,
                body=draft.answer,
                example_questions=(draft.question[:500],),
                slug=key,
            ),
        )


# --- assets --------------------------------------------------------------------------


def do_upload_asset(*, actor: User, upload: UploadedFile) -> KbAsset:
    actor = check_editor(actor)
    size = upload.size or 0
    if size > ASSET_MAX_BYTES:
        raise PayloadTooLarge(fields={"file": [_("Images can be at most 5 MB.")]})
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    head = upload.read(16)
    upload.seek(0)
    if content_type not in ASSET_TYPES or not head.startswith(ASSET_TYPES[content_type]):
        raise ValidationFailed.field("file", _("Upload a PNG, JPEG, GIF or WebP image."))
    name = re.sub(r"[^\w.-]+", "-", (upload.name or "image").rsplit("/", 1)[-1])[:100] or "image"
    asset = KbAsset(
        account_id=actor.account_pk,
        filename=name,
        content_type=content_type,
        size=size,
        uploaded_by=actor,
    )
    asset.file.save(name, upload, save=False)
    asset.save()
    return asset
