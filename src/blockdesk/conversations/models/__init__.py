from blockdesk.conversations.models.contact import Contact, ContactIdentity
from blockdesk.conversations.models.conversation import (
    CannedReply,
    Conversation,
    ConversationEvent,
    ConversationSequence,
    ReadMarker,
    Tag,
)
from blockdesk.conversations.models.inbox import Inbox
from blockdesk.conversations.models.message import Attachment, Message

__all__ = [
    "Attachment",
    "CannedReply",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationEvent",
    "ConversationSequence",
    "Inbox",
    "Message",
    "ReadMarker",
    "Tag",
]
