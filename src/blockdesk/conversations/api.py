"""REST endpoints for contacts, conversations, messages and inboxes (/api/v1/).

Handlers are thin: check the token's scope, call one selector or service, shape the
answer. Scoping to the token's account lives in blockdesk.api.selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from blockdesk.api import selectors
from blockdesk.api import services as api_services
from blockdesk.api.auth import ApiPrincipal, principal
from blockdesk.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    ContactCreateIn,
    ContactOut,
    ContactPage,
    ContactQuery,
    ContactUpdateIn,
    ConversationCreatedOut,
    ConversationCreateIn,
    ConversationOut,
    ConversationPage,
    ConversationQuery,
    ConversationUpdateIn,
    IdentityIn,
    InboxOut,
    MessageCreateIn,
    MessageOut,
    MessagePage,
    MessageQuery,
    PathId,
)
from blockdesk.common.errors import NotFound
from blockdesk.conversations import contact_services
from blockdesk.conversations.models import Conversation
from blockdesk.conversations.serializers import conversation_dict, message_dict
from blockdesk.events.registry import Actor

router = Router()
T = TypeVar("T")

CONTACTS_READ = "contacts:read"
CONTACTS_WRITE = "contacts:write"
CONVERSATIONS_READ = "conversations:read"
CONVERSATIONS_WRITE = "conversations:write"
INBOXES_READ = "inboxes:read"


def _actor(p: ApiPrincipal) -> Actor:
    """Who the event log names: the API token, else the signed-in agent."""
    if p.token is not None:
        return Actor.api_token(p.token.pk)
    if p.user is not None:
        return Actor.agent(p.user.pk)
    return Actor.system()


def _created(created: bool) -> int:
    # A replayed idempotent request answers 200 with what the first one created.
    return 201 if created else 200


# --- contacts ---------------------------------------------------------------------


@router.get("/contacts", response={200: ContactPage, **ERRORS}, tags=["contacts"])
def list_contacts(request: HttpRequest, filters: Query[ContactQuery]) -> dict[str, Any]:
    """Contacts, newest first. Search by name, email or identity value."""
    p = principal(request)
    p.require(CONTACTS_READ)
    items, next_cursor = selectors.page_contacts(principal=p, query=filters)
    return {"items": [selectors.contact_out(c) for c in items], "next_cursor": next_cursor}


@router.post("/contacts", response={201: ContactOut, **WRITE_ERRORS}, tags=["contacts"])
def create_contact(request: HttpRequest, payload: ContactCreateIn) -> Status[dict[str, Any]]:
    """Create a contact, optionally with identities (409 if one belongs to another)."""
    p = principal(request)
    p.require(CONTACTS_WRITE)
    contact = contact_services.do_create_contact(
        account_id=p.account_id,
        name=payload.name,
        email=payload.email,
        locale=payload.locale,
        attributes=payload.attributes,
        notes=payload.notes,
        identities=[
            contact_services.IdentitySpec(kind=i.kind, value=i.value) for i in payload.identities
        ],
        actor=_actor(p),
    )
    return Status(201, selectors.contact_out(contact))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def get_contact(request: HttpRequest, contact_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(CONTACTS_READ)
    return selectors.contact_out(selectors.get_contact(principal=p, contact_id=contact_id))


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **WRITE_ERRORS}, tags=["contacts"]
)
def update_contact(
    request: HttpRequest, contact_id: PathId, payload: ContactUpdateIn
) -> dict[str, Any]:
    """Change the fields sent; `attributes` are merged (null removes a key)."""
    p = principal(request)
    p.require(CONTACTS_WRITE)
    contact = selectors.get_contact(principal=p, contact_id=contact_id)
    contact_services.do_update_contact(
        contact=contact, changes=payload.model_dump(exclude_unset=True)
    )
    return selectors.contact_out(selectors.get_contact(principal=p, contact_id=contact_id))


@router.post(
    "/contacts/{contact_id}/identities",
    response={201: ContactOut, 200: ContactOut, **WRITE_ERRORS},
    tags=["contacts"],
)
def add_contact_identity(
    request: HttpRequest, contact_id: PathId, payload: IdentityIn
) -> Status[dict[str, Any]]:
    """Attach an identity (e.g. your own user id as `external`); 409 if taken."""
    p = principal(request)
    p.require(CONTACTS_WRITE)
    contact = selectors.get_contact(principal=p, contact_id=contact_id)
    _identity, created = contact_services.do_add_contact_identity(
        contact=contact,
        spec=contact_services.IdentitySpec(kind=payload.kind, value=payload.value),
        actor=_actor(p),
    )
    contact = selectors.get_contact(principal=p, contact_id=contact_id)
    return Status(_created(created), selectors.contact_out(contact))


# --- conversations ----------------------------------------------------------------


@router.get("/conversations", response={200: ConversationPage, **ERRORS}, tags=["conversations"])
def list_conversations(request: HttpRequest, filters: Query[ConversationQuery]) -> dict[str, Any]:
    """Most recently active first, with a stable cursor (`next_cursor`)."""
    p = principal(request)
    p.require(CONVERSATIONS_READ)
    items, next_cursor = selectors.page_conversations(principal=p, query=filters)
    return {"items": [_with_channel(c) for c in items], "next_cursor": next_cursor}


def _with_channel(conv: Conversation) -> dict[str, Any]:
    """conversation_dict plus the channel kind; `conv` has its inbox loaded (the API's
    selectors select it), so this costs no query."""
    return {**conversation_dict(conv), "channel": conv.inbox.channel_kind}


@router.post(
    "/conversations",
    response={201: ConversationCreatedOut, 200: ConversationCreatedOut, **WRITE_ERRORS},
    tags=["conversations"],
)
def create_conversation(
    request: HttpRequest, payload: ConversationCreateIn
) -> Status[dict[str, Any]]:
    """Open a conversation on behalf of a contact, with their first message."""
    p = principal(request)
    p.require(CONVERSATIONS_WRITE)
    inbox = _body_ref(
        lambda: selectors.get_inbox(principal=p, inbox_id=payload.inbox_id), "inbox_id"
    )
    contact = _body_ref(
        lambda: selectors.find_contact(principal=p, contact_id=payload.contact_id), "contact_id"
    )
    sent = api_services.do_api_create_conversation(
        principal=p,
        inbox=inbox,
        contact=contact,
        content=payload.content,
        subject=payload.subject,
        idempotency_key=payload.idempotency_key,
    )
    if sent.created:
        # The case as it was just written (contact, inbox and team held, no tags yet): the
        # same dict a fresh read gives, without reading it back.
        conversation = sent.message.conversation
    else:  # a replay: the case as it is now
        conversation = selectors.get_conversation(
            principal=p, conversation_id=sent.message.conversation_id
        )
    body = {
        "conversation": conversation_dict(conversation, tags=[] if sent.created else None),
        "message": message_dict(sent.message),
    }
    return Status(_created(sent.created), body)


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **ERRORS},
    tags=["conversations"],
)
def get_conversation(request: HttpRequest, conversation_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(CONVERSATIONS_READ)
    return _with_channel(selectors.get_conversation(principal=p, conversation_id=conversation_id))


@router.patch(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **WRITE_ERRORS},
    tags=["conversations"],
)
def update_conversation(
    request: HttpRequest, conversation_id: PathId, payload: ConversationUpdateIn
) -> dict[str, Any]:
    """Change status (with `snoozed_until`), assignee, team, priority or tags; only the
    fields sent change, all or nothing. The timeline records the token as the actor."""
    p = principal(request)
    p.require(CONVERSATIONS_WRITE)
    conversation = selectors.get_conversation(principal=p, conversation_id=conversation_id)
    updated = api_services.do_api_update_conversation(
        principal=p, conversation=conversation, changes=payload.model_dump(exclude_unset=True)
    )
    return conversation_dict(updated)


# --- messages ---------------------------------------------------------------------


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: MessagePage, **ERRORS},
    tags=["messages"],
)
def list_messages(
    request: HttpRequest, conversation_id: PathId, filters: Query[MessageQuery]
) -> dict[str, Any]:
    """Oldest first; page on with `after_id`. Private notes are included and flagged."""
    p = principal(request)
    p.require(CONVERSATIONS_READ)
    conversation = selectors.get_conversation_brief(principal=p, conversation_id=conversation_id)
    items, next_after_id = selectors.conversation_messages(
        conversation=conversation, after_id=filters.after_id, limit=filters.limit
    )
    return {"items": [message_dict(m) for m in items], "next_after_id": next_after_id}


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: MessageOut, 200: MessageOut, **WRITE_ERRORS},
    tags=["messages"],
)
def create_message(
    request: HttpRequest, conversation_id: PathId, payload: MessageCreateIn
) -> Status[dict[str, Any]]:
    """Write as the customer (`contact`) or as an agent with access to the inbox
    (`agent` + `agent_id`; `private` makes an internal note). A customer writing to a
    resolved conversation opens a new one, as in the widget."""
    p = principal(request)
    p.require(CONVERSATIONS_WRITE)
    conversation = selectors.get_conversation_brief(principal=p, conversation_id=conversation_id)
    sent = api_services.do_api_send_message(
        principal=p,
        conversation=conversation,
        sender=payload.sender,
        content=payload.content,
        agent_id=payload.agent_id,
        private=payload.private,
        idempotency_key=payload.idempotency_key,
    )
    return Status(_created(sent.created), message_dict(sent.message))


# --- inboxes ----------------------------------------------------------------------


@router.get("/inboxes", response={200: list[InboxOut], **ERRORS}, tags=["inboxes"])
def list_inboxes(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(INBOXES_READ)
    return [selectors.inbox_out(i) for i in selectors.list_inboxes(principal=p)]


@router.get("/inboxes/{inbox_id}", response={200: InboxOut, **ERRORS}, tags=["inboxes"])
def get_inbox(request: HttpRequest, inbox_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(INBOXES_READ)
    return selectors.inbox_out(selectors.get_inbox(principal=p, inbox_id=inbox_id))


def _body_ref(load: Callable[[], T], field: str) -> T:
    """An id in the body that the account does not have is a 404 naming the field."""
    try:
        return load()
    except NotFound as exc:
        raise api_services.not_found_field(field, exc.message or _("Not found.")) from exc
