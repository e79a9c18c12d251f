"""Agents merge two customer profiles or split one identity off a profile, in one click
(docs/identity.md). Each move is recorded three times: the event log (`contact.merged`
with `via="agent"`, `contact.split`: the audit log and webhooks read it), a line on the
timeline of every conversation that moved, and the live update of the agents' lists.

Authorisation: the agent must see every conversation of each profile involved
(contact_selectors.check_agent_can_manage_contact); anything else is a 404. Profiles of
two accounts can never meet: every lookup is scoped to the agent's account."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations import contact_selectors, contact_services
from blockdesk.conversations import event_types as et
from blockdesk.conversations.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    Message,
)
from blockdesk.conversations.services._common import _record_event
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit


def _contact_label(contact: Contact) -> str:
    return str(contact.display_name)[:160]


def _record_moves(
    conversation_ids: Sequence[int], *, kind: str, actor: User, data: dict[str, object]
) -> None:
    """The timeline line (internal) on every conversation that changed hands."""
    for conversation in Conversation.objects.filter(pk__in=conversation_ids):
        _record_event(conversation=conversation, kind=kind, actor=actor, data=data)


def check_merge(*, actor: User, source: Contact, target: Contact) -> None:
    contact_selectors.check_agent_can_manage_contact(user=actor, contact=source)
    contact_selectors.check_agent_can_manage_contact(user=actor, contact=target)
    if source.pk == target.pk:
        raise ValidationFailed.field("contact", _("A profile cannot be merged into itself."))
    if contact_selectors.MERGED_KEY in (source.attributes or {}):
        raise ValidationFailed.field("contact", _("This profile was already merged."))


def do_agent_merge_contacts(*, actor: User, source: Contact, target: Contact) -> list[int]:
    """Moves everything of `source` (identities, conversations, messages) to `target`;
    `source` stays, empty, pointing at `target`. Returns the moved conversations' ids."""
    check_merge(actor=actor, source=source, target=target)
    with transaction.atomic():
        # Locked in id order, so two agents merging the same pair both ways cannot deadlock.
        locked = {
            c.pk: c
            for c in Contact.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if contact_selectors.MERGED_KEY in (source.attributes or {}):
            raise ValidationFailed.field("contact", _("This profile was already merged."))
        moved = contact_services.do_merge_contacts(
            source=source,
            target=target,
            actor=Actor.agent(actor.pk),
            every_identity=True,
            via="agent",
        )
        data = {
            "source_contact_id": source.pk,
            "source_name": _contact_label(source),
            "target_contact_id": target.pk,
            "target_name": _contact_label(target),
        }
        _record_moves(moved, kind=ConversationEvent.Kind.CONTACT_MERGED, actor=actor, data=data)
    return moved


def do_split_identity(
    *,
    actor: User,
    identity: ContactIdentity,
    conversation_ids: Sequence[int] | None = None,
    acted_from_display_id: int | None = None,
) -> Contact:
    """Moves `identity` to a new profile, with the conversations that came through it
    (`conversation_ids`, else contact_selectors.identity_conversations) and the
    customer's messages in them. Returns the new contact.

    With no conversation to move it is an *unlink* (an identity linked by mistake leaves
    the profile, its history stays): the timeline line then goes on the case the agent
    acted from (`acted_from_display_id`, when it is this profile's)."""
    source = identity.contact
    contact_selectors.check_agent_can_manage_contact(user=actor, contact=source)
    with transaction.atomic():
        source = Contact.objects.select_for_update().get(pk=source.pk)
        identity = ContactIdentity.objects.select_for_update().get(pk=identity.pk)
        if identity.contact_id != source.pk:
            raise ValidationFailed.field("identity", _("This identity moved meanwhile."))
        if ContactIdentity.objects.filter(contact=source).count() < 2:
            raise ValidationFailed.field(
                "identity", _("A profile's only identity cannot be split off.")
            )
        if conversation_ids is None:
            ids = [c.pk for c in contact_selectors.identity_conversations(identity=identity)]
        else:
            ids = list(
                Conversation.objects.filter(
                    contact=source, pk__in=list(conversation_ids)
                ).values_list("pk", flat=True)
            )
            if len(ids) != len(set(conversation_ids)):
                raise ValidationFailed.field(
                    "conversations", _("Choose conversations of this customer only.")
                )
        is_email = identity.kind == ContactIdentity.Kind.EMAIL
        agent = Actor.agent(actor.pk)
        new = contact_services.do_create_contact(
            account_id=source.account_id,
            email=identity.value if is_email else "",
            locale=source.locale,
            actor=agent,
            source="split",
        )
        if is_email and source.email.lower() == identity.value:
            source.email = ""
            source.save(update_fields=["email"])
        contact_services.do_move_identity(identity=identity, contact=new, actor=agent)
        Conversation.objects.filter(pk__in=ids).update(contact=new)
        Message.objects.filter(conversation_id__in=ids, sender_contact=source).update(
            sender_contact=new
        )
        data = {
            "source_contact_id": source.pk,
            "source_name": _contact_label(source),
            "new_contact_id": new.pk,
            "identity_kind": identity.kind,
            "identity_label": str(identity.get_kind_display()),
        }
        noted = ids
        if not ids and acted_from_display_id is not None:
            noted = list(
                Conversation.objects.filter(
                    account_id=source.account_id, display_id=acted_from_display_id, contact=source
                ).values_list("pk", flat=True)
            )
        _record_moves(noted, kind=ConversationEvent.Kind.CONTACT_SPLIT, actor=actor, data=data)
        contact_services.publish_moved_conversations(ids)
        emit(
            account_id=source.account_id,
            name="contact.split",
            actor=agent,
            subject=Subject("contact", source.pk),
            payload=et.ContactSplit(
                source_contact_id=source.pk,
                new_contact_id=new.pk,
                identity_id=identity.pk,
                kind=identity.kind,
                conversation_ids=ids,
            ),
        )
    return new
