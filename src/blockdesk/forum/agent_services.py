"""What agents do with the forum through the owners' services: a question becomes a support
conversation (conversations' services), an answer a KB article draft with attribution
(kb's services), and official answers (forum services, outbound guard applied)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation, Inbox
from blockdesk.forum.models import Answer, Question
from blockdesk.kb import selectors as kb_selectors
from blockdesk.kb import services as kb_services
from blockdesk.kb.models import ArticleTranslation
from blockdesk.kb.models import Category as KbCategory


def _absolute(path: str) -> str:
    return kb_selectors.absolute(path)


def do_open_conversation(
    *, agent: User, question: Question, inbox: Inbox | None = None
) -> Conversation:
    """A support conversation with the asker (the same contact as in the widget), holding
    the question as a private note; the question remembers it (one per question)."""
    if question.account_id != agent.account_pk:
        raise NotFound()
    if question.author is None:
        raise ValidationFailed(_("Staff questions have no customer to talk to."))
    if question.conversation_id:
        raise Conflict(_("A conversation was already opened for this question."))
    inbox = inbox or Inbox.objects.filter(account_id=agent.account_pk).order_by("pk").first()
    if inbox is None:
        raise ValidationFailed(_("Create an inbox first."))
    url = _absolute(f"/community/{question.category.language}/q/{question.pk}/")
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if locked.conversation_id:
            raise Conflict(_("A conversation was already opened for this question."))
        conversation = conversation_services.do_create_conversation(
            inbox=inbox, contact=question.author.contact, subject=question.title, actor=agent
        )
        conversation_services.do_send_agent_message(
            agent=agent,
            conversation=conversation,
            private=True,
            content=_("From the community forum: %(url)s") % {"url": url}
            + "\n\n"
            + question.title
            + "\n\n"
            + question.body,
        )
        Question.objects.filter(pk=question.pk).update(conversation_id=conversation.pk)
    question.conversation_id = conversation.pk
    return conversation


def do_draft_article(*, agent: User, answer: Answer) -> ArticleTranslation:
    """A KB draft from a community answer: the question is the title and the first example
    question, the answer the body, with attribution to its author and a link back."""
    if answer.account_id != agent.account_pk:
        raise NotFound()
    question = answer.question
    author = (
        _("our support team")
        if answer.agent_id
        else answer.author.display_name
        if answer.author
        else "?"
    )
    url = _absolute(f"/community/{question.category.language}/q/{question.pk}/")
    attribution = _("Based on a community answer by %(author)s: %(url)s") % {
        "author": author,
        "url": url,
    }
    language = question.category.language
    if language not in kb_selectors.kb_languages():
        language = kb_selectors.default_language()
    key = f"community-{answer.pk}"
    category = kb_selectors.agent_categories(user=agent).first()
    with transaction.atomic():
        if category is None:
            category = KbCategory.objects.create(
                account_id=agent.account_pk, key="community", names={"en": "Community"}
            )
        return kb_services.do_create_article(
            actor=agent,
            key=key,
            category=category,
            language=language,
            data=kb_services.TranslationInput(
                title=question.title[:200],
                body=answer.body + "\n\n---\n\n" + attribution,
                example_questions=(question.title[:500],),
                slug=key,
            ),
        )
