"""Writes of the forum: questions, answers, comments, accepting, moderation.

Every post passes `safety.check_post_text` first; a held post is stored but not shown. The
author's trust level sets their rate limits. Each change and its event are one transaction.
Votes and flags are `votes.py`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.customers.models import CustomerAccount
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.forum import levels, reputation
from blockdesk.forum.models import Answer, Category, Comment, Flag, Question, Tag
from blockdesk.forum.models.posts import BODY_MAX, COMMENT_MAX, TITLE_MAX, Status
from blockdesk.forum.safety import check_post_text, links_in
from blockdesk.kb.markdown import render_chat_markdown

MAX_TAGS = 5
POSTS_PER_HOUR_NEW = 5
POSTS_PER_HOUR = 60
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]{3,32})")


def _text(value: object, *, field: str, minimum: int, maximum: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) < minimum:
        raise ValidationFailed.field(
            field, _("Please write at least %(n)d characters.") % {"n": minimum}
        )
    if len(text) > maximum:
        raise ValidationFailed.field(field, _("At most %(n)d characters.") % {"n": maximum})
    return text


def _limit_posting(author: CustomerAccount) -> int:
    level = reputation.level_of(author)
    per_hour = POSTS_PER_HOUR_NEW if level == levels.Level.NEW else POSTS_PER_HOUR
    check_rate_limit(scope="forum-post", key=str(author.pk), limit=per_hour, window=3600)
    return level


def _holds(*, account_id: int, text: str, staff: bool, level: int) -> tuple[str, list[str]]:
    checked = check_post_text(account_id=account_id, text=text, staff=staff)
    reasons = list(checked.hold_reasons)
    # A brand-new member's links wait for review: the cheapest spam and phishing there is.
    if not staff and level == levels.Level.NEW and links_in(checked.text):
        reasons.append("new_member_links")
    return checked.text, reasons


def check_tags(*, account_id: int, names: object) -> list[Tag]:
    raw = names.replace(",", " ").split() if isinstance(names, str) else []
    clean: list[str] = []
    for name in raw:
        slug = slugify(name, allow_unicode=True)[:30]
        if slug and slug not in clean:
            clean.append(slug)
    if len(clean) > MAX_TAGS:
        raise ValidationFailed.field("tags", _("At most %(n)d tags.") % {"n": MAX_TAGS})
    return [Tag.objects.get_or_create(account_id=account_id, name=n)[0] for n in clean]


def _author_actor(author: CustomerAccount | None, agent: User | None) -> Actor:
    if agent is not None:
        return Actor.agent(agent.pk)
    assert author is not None
    return Actor.contact(author.contact_id)


def do_ask(
    *, author: CustomerAccount, category: Category, title: object, body: object, tags: object = ""
) -> Question:
    if category.account_id != author.account_id:
        raise NotFound()
    title_text = _text(title, field="title", minimum=10, maximum=TITLE_MAX)
    body_text = _text(body, field="body", minimum=10, maximum=BODY_MAX)
    level = _limit_posting(author)
    title_text, title_reasons = _holds(
        account_id=author.account_id, text=title_text, staff=False, level=level
    )
    body_text, reasons = _holds(
        account_id=author.account_id, text=body_text, staff=False, level=level
    )
    reasons = sorted(set(reasons) | set(title_reasons))
    tag_rows = check_tags(account_id=author.account_id, names=tags)
    with transaction.atomic():
        question = Question.objects.create(
            account_id=author.account_id,
            category=category,
            author=author,
            title=title_text,
            body=body_text,
            body_html=render_chat_markdown(body_text),
            status=Status.HELD if reasons else Status.PUBLISHED,
            hold_reasons=reasons,
        )
        question.tags.set(tag_rows)
        reputation.count(author.pk, author.account_id, "questions")
        emit(
            account_id=author.account_id,
            name="forum.question_created",
            actor=Actor.contact(author.contact_id),
            subject=Subject("forum_question", question.pk),
            payload={
                "question_id": question.pk,
                "category_id": category.pk,
                "author_customer_id": author.pk,
                "title": question.title,
                "held": bool(reasons),
            },
        )
    return question


def mentioned(*, account_id: int, text: str) -> list[int]:
    names = {m.lower() for m in _MENTION.findall(text)}
    if not names:
        return []
    return list(
        CustomerAccount.objects.filter(
            account_id=account_id, display_name_key__in=list(names)[:10]
        ).values_list("pk", flat=True)
    )


def do_answer(
    *,
    question: Question,
    body: object,
    author: CustomerAccount | None = None,
    agent: User | None = None,
) -> Answer:
    """A customer's answer, or an agent's (official: shown with the verified badge; the
    outbound guard refuses one that asks for a secret)."""
    if (author is None) == (agent is None):
        raise ValueError("an answer has one author: a customer or an agent")
    if question.status != Status.PUBLISHED:
        raise NotFound()
    if agent is not None and agent.account_pk != question.account_id:
        raise NotFound()
    if author is not None and author.account_id != question.account_id:
        raise NotFound()
    text = _text(body, field="body", minimum=5, maximum=BODY_MAX)
    level = _limit_posting(author) if author is not None else levels.Level.LEADER
    text, reasons = _holds(
        account_id=question.account_id, text=text, staff=agent is not None, level=level
    )
    with transaction.atomic():
        answer = Answer.objects.create(
            account_id=question.account_id,
            question=question,
            author=author,
            agent=agent,
            body=text,
            body_html=render_chat_markdown(text),
            status=Status.HELD if reasons else Status.PUBLISHED,
            hold_reasons=reasons,
        )
        if not reasons:
            Question.objects.filter(pk=question.pk).update(
                answer_count=F("answer_count") + 1, last_activity_at=timezone.now()
            )
        if author is not None:
            reputation.count(author.pk, author.account_id, "answers")
        emit(
            account_id=question.account_id,
            name="forum.answer_created",
            actor=_author_actor(author, agent),
            subject=Subject("forum_question", question.pk),
            payload={
                "answer_id": answer.pk,
                "question_id": question.pk,
                "author_customer_id": author.pk if author else None,
                "official": agent is not None,
                "held": bool(reasons),
                "mentions": [] if reasons else mentioned(account_id=question.account_id, text=text),
            },
        )
    return answer


def do_comment(
    *,
    body: object,
    question: Question | None = None,
    answer: Answer | None = None,
    author: CustomerAccount | None = None,
    agent: User | None = None,
) -> Comment:
    target = question or (answer.question if answer else None)
    if target is None or target.status != Status.PUBLISHED:
        raise NotFound()
    account_id = target.account_id
    if author is not None:
        if author.account_id != account_id:
            raise NotFound()
        level = _limit_posting(author)
        post = question if question is not None else answer
        own = author.pk in (target.author_id, post.author_id if post else None)
        if level < levels.Level.BASIC and not own:
            raise Forbidden(_("Comment on others' posts from trust level Basic."))
    else:
        level = levels.Level.LEADER
    text = _text(body, field="body", minimum=2, maximum=COMMENT_MAX)
    text, reasons = _holds(account_id=account_id, text=text, staff=agent is not None, level=level)
    with transaction.atomic():
        return Comment.objects.create(
            account_id=account_id,
            question=question,
            answer=answer,
            author=author,
            agent=agent,
            body=text,
            status=Status.HELD if reasons else Status.PUBLISHED,
            hold_reasons=reasons,
        )


def do_accept(*, question: Question, answer: Answer, by: CustomerAccount) -> None:
    """Only the asker accepts; one accepted answer (changing it moves the points)."""
    if question.author_id != by.pk:
        raise Forbidden(_("Only the person who asked can accept an answer."))
    if answer.question_id != question.pk or answer.status != Status.PUBLISHED:
        raise NotFound()
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if locked.accepted_answer_id == answer.pk:
            return
        if locked.accepted_answer_id is not None:
            previous = Answer.objects.get(pk=locked.accepted_answer_id)
            reputation.remove_points(account_id=question.account_id, source=f"accept:{previous.pk}")
            if previous.author_id:
                reputation.count(previous.author_id, question.account_id, "accepted", -1)
        Question.objects.filter(pk=question.pk).update(accepted_answer=answer)
        question.accepted_answer = answer
        if answer.author_id and answer.author_id != by.pk:
            reputation.add_points(
                member_id=answer.author_id,
                account_id=question.account_id,
                category_id=question.category_id,
                points=levels.ACCEPTED_ANSWER,
                source=f"accept:{answer.pk}",
            )
            reputation.count(answer.author_id, question.account_id, "accepted")
            reputation.add_points(
                member_id=by.pk,
                account_id=question.account_id,
                category_id=question.category_id,
                points=levels.ACCEPTER,
                source=f"accepter:{question.pk}",
            )
        emit(
            account_id=question.account_id,
            name="forum.answer_accepted",
            actor=Actor.contact(by.contact_id),
            subject=Subject("forum_question", question.pk),
            payload={
                "answer_id": answer.pk,
                "question_id": question.pk,
                "author_customer_id": answer.author_id,
            },
        )


def do_moderate(*, actor: User, post: Question | Answer | Comment, status: str) -> None:
    """An agent publishes or removes a held or flagged post."""
    if post.account_id != actor.account_pk:
        raise NotFound()
    if status not in (Status.PUBLISHED, Status.REMOVED):
        raise ValidationFailed.field("status", _("Unknown status."))
    with transaction.atomic():
        was = post.status
        type(post).objects.filter(pk=post.pk).update(status=status)
        if isinstance(post, Answer) and was != status:
            delta = 1 if status == Status.PUBLISHED else (-1 if was == Status.PUBLISHED else 0)
            if delta:
                Question.objects.filter(pk=post.question_id).update(
                    answer_count=F("answer_count") + delta
                )
        if isinstance(post, Question):
            Flag.objects.filter(question=post).update(resolved=True)
        elif isinstance(post, Answer):
            Flag.objects.filter(answer=post).update(resolved=True)
    post.status = status


def do_create_category(
    *,
    account_id: int,
    language: str,
    slug: str,
    name: str,
    description: str = "",
    position: int = 0,
) -> Category:
    return Category.objects.create(
        account_id=account_id,
        language=language,
        slug=slugify(slug, allow_unicode=True),
        name=name,
        description=description,
        position=position,
    )


def tag_names(question: Question) -> Sequence[str]:
    return [t.name for t in question.tags.all()]
