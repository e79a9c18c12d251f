"""Writes for conversations, following Zulip's shape: `check_*` validates and
authorises, `do_*` mutates in one transaction and emits events after commit.

One module per responsibility; this package re-exports every name other code imports, so
`from blockdesk.conversations import services` keeps working. Code inside the package
imports from the defining module. A test that monkeypatches a name must patch the module
that uses it (e.g. `services.messages`), not this re-export.
"""

from blockdesk.conversations.services._common import (
    BOT_HANDLES_CONVERSATION,
    BOT_HANDLES_INBOX,
    Status,
    _publish_conversation,
    _record_event,
    check_agent_can_access,
    require_agent,
)
from blockdesk.conversations.services.assignment import _assign, do_assign
from blockdesk.conversations.services.conversations import (
    do_create_conversation,
    do_leave_followup_email,
    do_record_event,
)
from blockdesk.conversations.services.messages import (
    SentMessage,
    check_attachment,
    check_content,
    check_outbound,
    do_send_agent_message,
    do_send_assistant_message,
    do_send_contact_message,
    do_send_system_message,
)
from blockdesk.conversations.services.priority import do_change_priority
from blockdesk.conversations.services.read_state import (
    _mark_read,
    do_mark_read,
    do_mark_read_by_contact,
)
from blockdesk.conversations.services.status import (
    _set_status,
    check_status_change,
    do_change_status,
    do_reopen_due_snoozed,
)
from blockdesk.conversations.services.tags import do_set_tags

__all__ = [
    "BOT_HANDLES_CONVERSATION",
    "BOT_HANDLES_INBOX",
    "SentMessage",
    "Status",
    "_assign",
    "_mark_read",
    "_publish_conversation",
    "_record_event",
    "_set_status",
    "check_agent_can_access",
    "check_attachment",
    "check_content",
    "check_outbound",
    "check_status_change",
    "do_assign",
    "do_change_priority",
    "do_change_status",
    "do_create_conversation",
    "do_leave_followup_email",
    "do_mark_read",
    "do_mark_read_by_contact",
    "do_record_event",
    "do_reopen_due_snoozed",
    "do_send_agent_message",
    "do_send_assistant_message",
    "do_send_contact_message",
    "do_send_system_message",
    "do_set_tags",
    "require_agent",
]
