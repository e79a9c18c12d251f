"""Follow-up after resolution: for cases of the chosen types (tags, or intents the assistant
recognised), a check-in message N days after the resolution, sent through the conversation's
channel as a system message and recorded on the timeline. A reopened case cancels it; the
next resolution schedules a new one."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation
from blockdesk.surveys.models import CaseIntent, FollowUp
from blockdesk.surveys.services import settings_for


def default_message() -> str:
    return _(
        "Hello again! A few days ago we resolved your case #%(number)s. Is everything "
        "working as expected now? If not, just reply here and we will pick it up."
    )


def do_schedule_followup(
    *,
    conversation_id: int,
    account_id: int,
    tags: list[str],
    resolved_at: dt.datetime,
    event_id: int,
) -> FollowUp | None:
    config = settings_for(account_id)
    if not config.followup_enabled:
        return None
    wanted_tags = set(config.followup_tags or [])
    wanted_intents = set(config.followup_intents or [])
    matched_tags = sorted(wanted_tags & {t.lower() for t in tags})
    matched_intents: list[str] = []
    if wanted_intents:
        matched_intents = sorted(
            CaseIntent.objects.filter(
                conversation_id=conversation_id, intent__in=wanted_intents
            ).values_list("intent", flat=True)
        )
    if not matched_tags and not matched_intents:
        return None
    if FollowUp.objects.filter(resolve_event_id=event_id).exists():
        return None
    return FollowUp.objects.create(
        account_id=account_id,
        conversation_id=conversation_id,
        resolve_event_id=event_id,
        due_at=resolved_at + dt.timedelta(days=config.followup_days),
        reason={"tags": matched_tags, "intents": matched_intents},
    )


def do_cancel_followups(*, conversation_id: int) -> int:
    return FollowUp.objects.filter(
        conversation_id=conversation_id, status=FollowUp.Status.SCHEDULED
    ).update(status=FollowUp.Status.CANCELLED)


def _text(conversation: Conversation, template: str) -> str:
    language = conversation.contact.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        text = template or default_message()
        try:
            return text % {"number": conversation.display_id}
        except (KeyError, ValueError, TypeError):  # an admin's text with a stray %
            return text


def do_send_due_followups(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Periodic job. The row lock and the status claim send each check-in once."""
    now = now or timezone.now()
    due = list(
        FollowUp.objects.filter(status=FollowUp.Status.SCHEDULED, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            item = (
                FollowUp.objects.select_for_update()
                .filter(pk=pk, status=FollowUp.Status.SCHEDULED)
                .first()
            )
            if item is None:
                continue
            conversation = Conversation.objects.select_related("contact", "inbox").get(
                pk=item.conversation_id
            )
            if conversation.status != Conversation.Status.RESOLVED:
                item.status = FollowUp.Status.CANCELLED
                item.save(update_fields=["status"])
                continue
            config = settings_for(item.account_id)
            message = conversation_services.do_send_system_message(
                conversation=conversation, content=_text(conversation, config.followup_message)
            )
            item.status, item.sent_at, item.message_id = FollowUp.Status.SENT, now, message.pk
            item.save(update_fields=["status", "sent_at", "message_id"])
            conversation_services.do_record_event(
                conversation=conversation,
                kind="followup_sent",
                data={"days": config.followup_days, **item.reason},
            )
            sent += 1
    return sent
