"""Reads for the REST API. Everything is scoped to the principal's account (a token
sees its whole account; an agent's session only the inboxes they belong to), so an
id from another account is simply not found."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from blockdesk.accounts.models import ApiToken, Team, User
from blockdesk.api.auth import ApiPrincipal
from blockdesk.api.schemas import MAX_ID, ContactQuery, ConversationQuery
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.plain_sql import fetch_one
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations.channel_registry import channel_choices
from blockdesk.conversations.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Inbox,
    Message,
)
from blockdesk.conversations.serializers import PRIORITY_BY_NAME

# Conversation.display_id is a PositiveIntegerField (32-bit on PostgreSQL).
DISPLAY_ID_MAX = 2**31 - 1

# --- scoping ----------------------------------------------------------------------


def account_inboxes(*, principal: ApiPrincipal) -> QuerySet[Inbox]:
    if principal.user is not None:
        return conv_selectors.visible_inboxes(user=principal.user)
    return Inbox.objects.filter(account_id=principal.account_id)


def account_conversations(*, principal: ApiPrincipal) -> QuerySet[Conversation]:
    if principal.user is not None:
        return conv_selectors.visible_conversations(user=principal.user)
    return Conversation.objects.filter(account_id=principal.account_id)


def _with_relations(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return qs.select_related("contact", "assignee", "inbox", "team").prefetch_related("tags")


def get_conversation(*, principal: ApiPrincipal, conversation_id: int) -> Conversation:
    conv = _with_relations(account_conversations(principal=principal)).filter(pk=conversation_id)
    found = conv.first()
    if found is None:
        raise NotFound(_("No such conversation."))
    return found


def get_conversation_brief(*, principal: ApiPrincipal, conversation_id: int) -> Conversation:
    """The conversation with its contact and inbox, for a call that writes to it or reads
    below it (messages): no tags or assignee, which only its own representation shows.
    For a token (the whole account) in SQL built once (common/plain_sql.fetch_one): every
    message posted through the API reads it, and building the ORM's join cost more CPU
    than the rest of the call's reads."""
    found: Conversation | None
    if principal.user is None:
        found = fetch_one(
            Conversation,
            where={"pk": conversation_id, "account": principal.account_id},
            related=("contact", "inbox"),
        )
    else:
        conv = account_conversations(principal=principal).select_related("contact", "inbox")
        found = conv.filter(pk=conversation_id).first()
    if found is None:
        raise NotFound(_("No such conversation."))
    return found


def get_inbox(*, principal: ApiPrincipal, inbox_id: int) -> Inbox:
    inbox: Inbox | None
    if principal.user is None:  # a token: the account's inboxes (SQL built once)
        inbox = fetch_one(Inbox, where={"pk": inbox_id, "account": principal.account_id})
    else:
        inbox = account_inboxes(principal=principal).filter(pk=inbox_id).first()
    if inbox is None:
        raise NotFound(_("No such inbox."))
    return inbox


def list_inboxes(*, principal: ApiPrincipal) -> list[Inbox]:
    return list(account_inboxes(principal=principal).prefetch_related("members"))


# --- conversations ----------------------------------------------------------------


def filter_conversations(
    *, principal: ApiPrincipal, query: ConversationQuery
) -> QuerySet[Conversation]:
    """The console's filters (conversations.selectors.filter_conversations) for an
    account-wide principal; status is not defaulted, so no filter means every case."""
    qs = account_conversations(principal=principal)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.inbox_id:
        qs = qs.filter(inbox_id=query.inbox_id)
    if query.assignee_id:
        qs = qs.filter(assignee_id=query.assignee_id)
    if query.priority:
        qs = qs.filter(priority=PRIORITY_BY_NAME[query.priority])
    if query.tag:
        qs = qs.filter(tags__name=query.tag.strip().lower())
    if query.contact_id:
        qs = qs.filter(contact_id=query.contact_id)
    if query.channel:
        if query.channel not in dict(channel_choices()):
            raise ValidationFailed.field("channel", _("Unknown channel."))
        qs = qs.filter(inbox__channel_kind=query.channel)
    if query.q and query.q.strip():
        term = query.q.strip()
        match = Q(contact__name__icontains=term) | Q(contact__email__icontains=term)
        match |= Q(subject__icontains=term)
        match |= Q(
            Exists(Message.objects.filter(conversation=OuterRef("pk"), content__icontains=term))
        )
        number = _small_int(term.lstrip("#"), limit=DISPLAY_ID_MAX)
        if number is not None:
            match |= Q(display_id=number)
        qs = qs.filter(match)
    return _with_relations(qs)


def _small_int(text: str, *, limit: int) -> int | None:
    """`text` as an int when it is ASCII digits within the column's range, else None
    (str.isdigit also accepts "²", which int() refuses; a huge number overflows SQL)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= limit else None


def _check_conversation_cursor(cursor: str) -> None:
    """A cursor that no page ever issued is a 422 before any query runs."""
    conv_selectors.decode_cursor(cursor)


def page_conversations(
    *, principal: ApiPrincipal, query: ConversationQuery
) -> tuple[list[Conversation], str | None]:
    if query.cursor:
        _check_conversation_cursor(query.cursor)
    qs = filter_conversations(principal=principal, query=query)
    return conv_selectors.paginate_conversations(qs, cursor=query.cursor, limit=query.limit)


def conversation_messages(
    *, conversation: Conversation, after_id: int, limit: int
) -> tuple[list[Message], int | None]:
    """Oldest first from `after_id`; the API is internal to the business, so private
    notes are included (flagged)."""
    items = conv_selectors.conversation_messages(
        conversation=conversation, include_private=True, after_id=after_id, limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    return items, (items[-1].pk if more else None)


# --- contacts ---------------------------------------------------------------------


def _scoped_contacts(*, principal: ApiPrincipal) -> QuerySet[Contact]:
    qs = Contact.objects.filter(account_id=principal.account_id)
    if principal.user is not None and not principal.user.is_account_admin:
        # An agent sees the customers of the inboxes they work in.
        qs = qs.filter(
            conversations__in=conv_selectors.visible_conversations(user=principal.user)
        ).distinct()
    return qs


def _contacts(*, principal: ApiPrincipal) -> QuerySet[Contact]:
    # Visitor identities hold hashed widget tokens: they are never listed.
    shown = ContactIdentity.objects.exclude(kind=ContactIdentity.Kind.WEB_VISITOR).order_by("id")
    return _scoped_contacts(principal=principal).prefetch_related(
        Prefetch("identities", queryset=shown, to_attr="shown_identities")
    )


def find_contact(*, principal: ApiPrincipal, contact_id: int) -> Contact:
    """The contact alone (no identities), for a call that writes on their behalf."""
    contact: Contact | None
    if principal.user is None:  # a token: the account's contacts (SQL built once)
        contact = fetch_one(Contact, where={"pk": contact_id, "account": principal.account_id})
    else:
        contact = _scoped_contacts(principal=principal).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No such contact."))
    return contact


def get_contact(*, principal: ApiPrincipal, contact_id: int) -> Contact:
    contact = _contacts(principal=principal).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No such contact."))
    return contact


def _decode_id_cursor(cursor: str) -> int:
    number = _small_int(cursor, limit=MAX_ID)
    if number is None:
        raise ValidationFailed.field("cursor", _("The cursor is not valid."))
    return number


def page_contacts(
    *, principal: ApiPrincipal, query: ContactQuery
) -> tuple[list[Contact], str | None]:
    """Newest first, keyset on id: contacts created while paging never shift a page."""
    qs = _contacts(principal=principal)
    if query.q and query.q.strip():
        term = query.q.strip()
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(email__icontains=term)
            | Q(
                Exists(
                    ContactIdentity.objects.filter(contact=OuterRef("pk"), value=term).exclude(
                        kind=ContactIdentity.Kind.WEB_VISITOR
                    )
                )
            )
        )
    if query.identity_kind or query.identity_value:
        if not (query.identity_kind and query.identity_value):
            raise ValidationFailed.field(
                "identity_value", _("Give both identity_kind and identity_value.")
            )
        qs = qs.filter(
            identities__kind=query.identity_kind, identities__value=query.identity_value.strip()
        )
    if query.cursor:
        qs = qs.filter(pk__lt=_decode_id_cursor(query.cursor))
    items = list(qs.order_by("-pk")[: query.limit + 1])
    more = len(items) > query.limit
    items = items[: query.limit]
    return items, (str(items[-1].pk) if more else None)


def contact_out(contact: Contact) -> dict[str, Any]:
    identities = getattr(contact, "shown_identities", None)
    if identities is None:
        identities = list(
            contact.identities.exclude(kind=ContactIdentity.Kind.WEB_VISITOR).order_by("id")
        )
    return {
        "id": contact.pk,
        "name": contact.name,
        "display_name": str(contact.display_name),
        "email": contact.email,
        "locale": contact.locale,
        "attributes": contact.attributes,
        "notes": contact.notes,
        "created_at": contact.created_at,
        "last_seen_at": contact.last_seen_at,
        "identities": [{"kind": i.kind, "value": i.value} for i in identities],
    }


# --- agents and teams -------------------------------------------------------------


def _agents(*, principal: ApiPrincipal) -> QuerySet[User]:
    return (
        User.objects.filter(account_id=principal.account_id)
        .prefetch_related("teams")
        .order_by("username")
    )


def list_agents(*, principal: ApiPrincipal) -> list[User]:
    return list(_agents(principal=principal))


def get_agent(*, principal: ApiPrincipal, agent_id: int) -> User:
    agent = _agents(principal=principal).filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(_("No such agent."))
    return agent


def find_agent(*, account_id: int, agent_id: int) -> User | None:
    """An active agent of the account (the writer an API reply names): SQL built once."""
    return fetch_one(User, where={"pk": agent_id, "account": account_id, "is_active": True})


def find_team(*, account_id: int, team_id: int) -> Team | None:
    return Team.objects.filter(account_id=account_id, pk=team_id).first()


def agent_out(agent: User) -> dict[str, Any]:
    return {
        "id": agent.pk,
        "username": agent.username,
        "name": agent.public_name,
        "email": agent.email,
        "role": agent.role,
        "is_active": agent.is_active,
        "team_ids": sorted(t.pk for t in agent.teams.all()),
    }


def inbox_out(inbox: Inbox) -> dict[str, Any]:
    return {
        "id": inbox.pk,
        "name": inbox.name,
        "channel_kind": inbox.channel_kind,
        "member_ids": sorted(m.pk for m in inbox.members.all()),
        "default_team_id": inbox.default_team_id,
        "created_at": inbox.created_at,
    }


# --- token settings page ----------------------------------------------------------


def account_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(account_id=user.account_pk)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
    )
