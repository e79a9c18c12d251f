"""Console writes that have no home in the core services yet."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.conversations.services import check_agent_can_access

CONTACT_NOTES_MAX = 10_000


def do_update_contact_notes(*, actor: User, conversation: Conversation, notes: str) -> Contact:
    """Agents edit the notes of a customer they are serving, reached through one of the
    customer's conversations that they may open."""
    check_agent_can_access(user=actor, conversation=conversation)
    notes = notes.replace("\x00", "").strip()
    if len(notes) > CONTACT_NOTES_MAX:
        raise ValidationFailed.field(
            "notes", _("Notes can be at most %(max)d characters long.") % {"max": CONTACT_NOTES_MAX}
        )
    with transaction.atomic():
        Contact.objects.filter(pk=conversation.contact_id).update(notes=notes)
    conversation.contact.notes = notes
    return conversation.contact
