"""Editing posts: who may edit what, and the edit itself.

- The author edits their own question (title, body, tags), answer or comment.
- Members at trust level Regular edit others' questions and answers (not comments, and not
  staff posts: an official answer speaks for the business).
- Agents of the account (staff, moderators) edit any post.

An edit passes the same safety pipeline as a new post (`services._holds`: secret guard,
outbound guard, lookalike links, posing as support, a new member's links). A published post
whose edit is caught goes back to `held`; a held post stays held (editing does not get
around the moderator). A removed post is not editable. The previous text is kept as a
`Revision`, and the change and its `forum.post_edited` event are one transaction. Mentions
added by an edit notify nobody (an edit must not be a way to mail people again)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.customers.models import CustomerAccount
from blockdesk.events.registry import Subject
from blockdesk.events.services import emit
from blockdesk.forum import levels, reputation, selectors, services
from blockdesk.forum.models import Answer, Comment, Question, Revision
from blockdesk.forum.models.posts import BODY_MAX, COMMENT_MAX, TITLE_MAX, Status
from blockdesk.kb.markdown import render_chat_markdown

EDITS_PER_HOUR_NEW = 10
EDITS_PER_HOUR = 60
EDITS_PER_HOUR_STAFF = 300

Editable = Question | Answer | Comment


@dataclass(frozen=True)
class Editor:
    """Who edits: a signed-in member or an agent (exactly one)."""

    member: CustomerAccount | None = None
    agent: User | None = None

    @property
    def account_id(self) -> int | None:
        if self.agent is not None:
            return self.agent.account_pk
        return self.member.account_id if self.member is not None else None


def kind_of(post: Editable) -> str:
    return {Question: "question", Answer: "answer", Comment: "comment"}[type(post)]


def question_of(post: Editable) -> Question:
    return post if isinstance(post, Question) else selectors.question_of(post)


def may_edit(*, post: Editable, member: CustomerAccount | None, level: int, staff: bool) -> bool:
    """Whether this viewer may edit (for showing the link; `check_can_edit` enforces)."""
    if post.status == Status.REMOVED:
        return False
    if staff:
        return True
    if member is None or member.account_id != post.account_id:
        return False
    if post.author_id == member.pk:
        return True
    if post.status != Status.PUBLISHED or isinstance(post, Comment) or post.agent_id:
        return False
    return level >= levels.Level.REGULAR


def check_can_edit(*, post: Editable, editor: Editor) -> int:
    """Raises NotFound (another account's post, a removed post, someone else's held post)
    or Forbidden (not the author and below Regular); returns the editor's level."""
    if (editor.member is None) == (editor.agent is None):
        raise ValueError("an edit has one editor: a member or an agent")
    if editor.account_id != post.account_id or post.status == Status.REMOVED:
        raise NotFound()
    if editor.agent is not None:
        return levels.Level.LEADER
    member = editor.member
    assert member is not None
    if post.author_id == member.pk:
        return reputation.level_of(member)
    if post.status != Status.PUBLISHED:
        raise NotFound()  # someone else's held post: not even its existence is shown
    if isinstance(post, Comment):
        raise Forbidden(_("Only the author can edit a comment."))
    if post.agent_id:
        raise Forbidden(_("Only staff can edit an official answer."))
    level = reputation.level_of(member)
    if level < levels.Level.REGULAR:
        raise Forbidden(_("Edit others' posts from trust level Regular."))
    return level


def _limit(editor: Editor, level: int) -> None:
    if editor.agent is not None:
        key, limit = f"agent:{editor.agent.pk}", EDITS_PER_HOUR_STAFF
    else:
        assert editor.member is not None
        key = f"member:{editor.member.pk}"
        limit = EDITS_PER_HOUR_NEW if level == levels.Level.NEW else EDITS_PER_HOUR
    check_rate_limit(scope="forum-edit", key=key, limit=limit, window=3600)


def _tags_text(question: Question) -> str:
    return " ".join(sorted(t.name for t in question.tags.all()))


def do_edit(
    *,
    post: Editable,
    editor: Editor,
    body: object,
    title: object = None,
    tags: object = None,
) -> Revision | None:
    """Edits a post; returns the revision that keeps the previous text, or None when
    nothing changed. `title` and `tags` apply to questions only."""
    level = check_can_edit(post=post, editor=editor)
    staff = editor.agent is not None
    account_id = post.account_id
    maximum = COMMENT_MAX if isinstance(post, Comment) else BODY_MAX
    minimum = {"question": 10, "answer": 5, "comment": 2}[kind_of(post)]
    text = services._text(body, field="body", minimum=minimum, maximum=maximum)
    _limit(editor, level)
    text, reasons = services._holds(account_id=account_id, text=text, staff=staff, level=level)
    new_title, tag_rows, new_tags = "", None, ""
    if isinstance(post, Question):
        new_title = services._text(title, field="title", minimum=10, maximum=TITLE_MAX)
        new_title, title_reasons = services._holds(
            account_id=account_id, text=new_title, staff=staff, level=level
        )
        reasons = sorted(set(reasons) | set(title_reasons))
        tag_rows = services.check_tags(account_id=account_id, names=tags or "")
        new_tags = " ".join(sorted(t.name for t in tag_rows))
    old_tags = _tags_text(post) if isinstance(post, Question) else ""
    old_title = post.title if isinstance(post, Question) else ""
    if text == post.body and new_title == old_title and new_tags == old_tags:
        return None
    with transaction.atomic():
        locked = type(post).objects.select_for_update().get(pk=post.pk)
        if locked.status == Status.REMOVED:
            raise NotFound()
        was = locked.status
        status = Status.HELD if reasons else was
        revision = Revision.objects.create(
            account_id=account_id,
            question=post if isinstance(post, Question) else None,
            answer=post if isinstance(post, Answer) else None,
            comment=post if isinstance(post, Comment) else None,
            editor=editor.member,
            editor_agent=editor.agent,
            title=old_title,
            body=locked.body,
            tags=old_tags,
        )
        post.body = text
        post.status = status
        post.edited_at = timezone.now()
        if reasons:
            post.hold_reasons = sorted(set(locked.hold_reasons or []) | set(reasons))
        fields = ["body", "status", "edited_at", "hold_reasons"]
        if not isinstance(post, Comment):
            post.body_html = render_chat_markdown(text)
            fields.append("body_html")
        if isinstance(post, Question):
            post.title = new_title
            fields.append("title")
            post.tags.set(tag_rows or [])
        post.save(update_fields=fields)
        if isinstance(post, Answer) and was == Status.PUBLISHED and status == Status.HELD:
            Question.objects.filter(pk=post.question_id).update(answer_count=F("answer_count") - 1)
        question = question_of(post)
        emit(
            account_id=account_id,
            name="forum.post_edited",
            actor=services._author_actor(editor.member, editor.agent),
            subject=Subject("forum_question", question.pk),
            payload={
                "kind": kind_of(post),
                "post_id": post.pk,
                "question_id": question.pk,
                "revision_id": revision.pk,
                "editor_customer_id": editor.member.pk if editor.member else None,
                "by_staff": staff,
                "held": status == Status.HELD,
            },
        )
    return revision
