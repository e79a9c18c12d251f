"""Replies by email for customers who left a follow-up address in the widget.

A public reply (agent, assistant or system) schedules a send ``REPLY_EMAIL_DELAY`` seconds
later; replies arriving meanwhile go in the same email, and replies the customer saw in the
open widget are left out. A send claims its row with a lease first (one email even with
several workers or a duplicate task), raises nothing to its caller on SMTP failure but
retries with backoff, and after ``REPLY_EMAIL_MAX_ATTEMPTS`` records an event for the agents.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blockdesk.common.tasks import enqueue_on_commit
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation, ConversationEvent, Message
from blockdesk.notifications import selectors
from blockdesk.notifications.models import ReplyEmail
from blockdesk.notifications.rendering import mask_email, reply_email

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
BACKOFF = (30, 120, 600, 1800, 3600)  # seconds after the 1st, 2nd, ... failure
SWEEP_GRACE = dt.timedelta(minutes=2)


def _enqueue(conversation_id: int, *, run_after: dt.datetime) -> None:
    """A backend that cannot wait leaves it to ``do_send_due_reply_emails``."""
    from blockdesk.notifications.tasks import send_reply_email

    enqueue_on_commit(send_reply_email, conversation_id, run_after=run_after)


def wants_email(message: Message) -> bool:
    conversation = message.conversation
    return (
        not message.is_private
        and message.sender_type in selectors.REPLY_SENDERS
        and bool(conversation.followup_email)
    )


def do_schedule_reply_email(*, message: Message, now: dt.datetime | None = None) -> bool:
    """Called by the reply-email consumer of the event log (event_consumers.py) for each
    public reply. True when a send is due."""
    if not wants_email(message):
        return False
    due = (now or timezone.now()) + dt.timedelta(seconds=settings.REPLY_EMAIL_DELAY)
    with transaction.atomic():
        state, _created = ReplyEmail.objects.select_for_update().get_or_create(
            conversation_id=message.conversation_id
        )
        if state.due_at is None or state.due_at > due:
            state.due_at = due
            state.save(update_fields=["due_at"])
        _enqueue(message.conversation_id, run_after=state.due_at)
    return True


def _describe(exc: BaseException) -> str:
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"[:200]


def do_send_reply_email(*, conversation_id: int, now: dt.datetime | None = None) -> str:
    """One send (the task body). Returns what happened: sent, nothing_new, skipped, retry,
    failed."""
    now = now or timezone.now()
    claimed = ReplyEmail.objects.filter(conversation_id=conversation_id, due_at__lte=now).update(
        due_at=now + LEASE
    )
    if not claimed:
        return "skipped"  # not due, already sent, or another worker holds it
    state = ReplyEmail.objects.get(conversation_id=conversation_id)
    conversation = Conversation.objects.select_related("contact", "account", "inbox").get(
        pk=conversation_id
    )
    replies = selectors.unseen_replies(
        conversation=conversation, after=state.last_emailed_message_id
    )
    if not replies or not conversation.followup_email:
        ReplyEmail.objects.filter(pk=state.pk).update(due_at=None)
        return "nothing_new"
    try:
        reply_email(conversation=conversation, messages=replies).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(state, conversation, exc, now)
    with transaction.atomic():
        state = ReplyEmail.objects.select_for_update().get(pk=state.pk)
        state.last_emailed_message_id = replies[-1].pk
        state.attempts = 0
        state.sent_count += 1
        state.last_sent_at = now
        state.last_error = ""
        more = selectors.unseen_replies(conversation=conversation, after=replies[-1].pk)
        if not more:
            state.due_at = None  # else: a newer reply keeps its own due time (or the lease)
        state.save()
        conversation_services.do_record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.REPLY_EMAILED,
            data={"to": mask_email(conversation.followup_email), "count": len(replies)},
        )
    logger.info("reply email for conversation %s: %d message(s)", conversation_id, len(replies))
    return "sent"


def _failed(
    state: ReplyEmail, conversation: Conversation, exc: BaseException, now: dt.datetime
) -> str:
    attempts = state.attempts + 1
    error = _describe(exc)
    with transaction.atomic():
        if attempts >= settings.REPLY_EMAIL_MAX_ATTEMPTS:
            ReplyEmail.objects.filter(pk=state.pk).update(
                attempts=attempts, due_at=None, last_error=error
            )
            conversation_services.do_record_event(
                conversation=conversation,
                kind=ConversationEvent.Kind.REPLY_EMAIL_FAILED,
                data={"to": mask_email(conversation.followup_email), "error": error},
            )
            logger.error(
                "reply email for conversation %s given up after %d attempts: %s",
                conversation.pk,
                attempts,
                error,
            )
            return "failed"
        due = now + dt.timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])
        ReplyEmail.objects.filter(pk=state.pk).update(
            attempts=attempts, due_at=due, last_error=error
        )
        _enqueue(conversation.pk, run_after=due)
    logger.warning(
        "reply email for conversation %s failed (attempt %d): %s", conversation.pk, attempts, error
    )
    return "retry"


def do_send_due_reply_emails(*, now: dt.datetime | None = None) -> int:
    """Periodic sweep: sends that are overdue (a lost task, an expired lease, a backend that
    cannot defer). The claim in ``do_send_reply_email`` makes overlaps harmless."""
    from blockdesk.notifications.tasks import send_reply_email

    now = now or timezone.now()
    cutoff = now - SWEEP_GRACE if send_reply_email.get_backend().supports_defer else now
    ids = list(
        ReplyEmail.objects.filter(due_at__lte=cutoff).values_list("conversation_id", flat=True)[
            :200
        ]
    )
    for conversation_id in ids:
        do_send_reply_email(conversation_id=conversation_id, now=now)
    return len(ids)
