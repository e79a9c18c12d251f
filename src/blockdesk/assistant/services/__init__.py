"""Writes of the assistant, the assistant as an actor in conversations.

One module per responsibility; this package re-exports every name other code imports, so
`from blockdesk.assistant import services` keeps working. Code inside the package imports
from the defining module, and a test that monkeypatches a name patches the module that
uses it (e.g. `services.replies`), not this re-export.

- `actor`: the entry points and the decision (answer, clarify, diagnose or hand off);
- `replies`: the replies that keep the case (answer, clarifying question, diagnosis);
- `handing_off`: handing a case to a person, and the fail-safe;
- `lifecycle`: awaiting confirmation, resolving, stepping back;
- `_context`: what the steps share (the message being handled, the turn record).
"""

from blockdesk.assistant.services._context import (
    QUICK_MORE_HELP,
    QUICK_NONE,
    QUICK_PICK,
    QUICK_SOLVED,
)
from blockdesk.assistant.services.actor import do_handle_customer_message, do_quick_reply
from blockdesk.assistant.services.lifecycle import (
    _resolve_one,
    do_note_agent_activity,
    do_resolve_timed_out,
    do_take_over,
)

__all__ = [
    "QUICK_MORE_HELP",
    "QUICK_NONE",
    "QUICK_PICK",
    "QUICK_SOLVED",
    "_resolve_one",
    "do_handle_customer_message",
    "do_note_agent_activity",
    "do_quick_reply",
    "do_resolve_timed_out",
    "do_take_over",
]
