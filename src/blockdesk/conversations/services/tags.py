"""Tags on a case."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations import emitting
from blockdesk.conversations.models import (
    Conversation,
    ConversationEvent,
    Tag,
)
from blockdesk.conversations.services._common import (
    _publish_conversation,
    _record_event,
    check_agent_can_access,
)
from blockdesk.safety.fields import check_no_secret


def do_set_tags(
    *,
    actor: User | None,
    conversation: Conversation,
    names: Sequence[str],
    event_extra: dict[str, object] | None = None,
) -> Conversation:
    if actor is not None:
        check_agent_can_access(user=actor, conversation=conversation)
    cleaned = sorted({n.strip().lower() for n in names if n.strip()})
    for name in cleaned:
        # A tag is a label, not text to redact: one holding a secret (a Chinese seed phrase
        # fits in a slug) is refused.
        check_no_secret(name, field="tags", account_id=conversation.account_id)
    tags = []
    with transaction.atomic():
        for name in cleaned:
            tag = Tag(account_id=conversation.account_id, name=name)
            try:
                tag.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise ValidationFailed.field(
                    "tags", _("“%(t)s” is not a valid tag.") % {"t": name}
                ) from exc
            tags.append(Tag.objects.get_or_create(account_id=conversation.account_id, name=name)[0])
        before = sorted(t.name for t in conversation.tags.all())
        if before == cleaned:
            return conversation
        conversation.tags.set(tags)
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.TAGS_CHANGED,
            actor=actor,
            data={"from": before, "to": cleaned},
            event_extra=event_extra,
        )
        emitting.emit_conversation(
            conversation,
            "conversation.tags_changed",
            actor=emitting.actor_of(actor, event_extra),
            tags=cleaned,
            old=before,
            new=cleaned,
        )
        _publish_conversation(conversation)
    return conversation
