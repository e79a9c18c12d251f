"""Every string the widget's JavaScript shows. They are translated on the server (the
normal gettext catalogue) and handed to the page in a JSON script tag, so the scripts
stay static files and translators see the strings with everything else.

Placeholders use the Python `%(name)s` form so that compilemessages checks them."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

FRAME_STRINGS: dict[str, Promise] = {
    "you": _("You"),
    "support": _("Support"),
    "new_conversation": _("New conversation"),
    "conversation_n": _("Conversation #%(id)s"),
    "no_conversations": _("No conversations yet."),
    "elsewhere": _("Continues on %(channel)s"),
    "status_open": _("Open"),
    "status_pending": _("Waiting for your reply"),
    "status_snoozed": _("On hold"),
    "status_resolved": _("Resolved"),
    "handled_by": _("%(name)s is handling this"),
    "ev_opened": _("Conversation opened"),
    "ev_assigned": _("%(name)s is now handling your request"),
    "ev_status_open": _("Reopened"),
    "ev_status_pending": _("Waiting for your reply"),
    "ev_status_snoozed": _("On hold"),
    "ev_status_resolved": _("Resolved"),
    "ev_followup_email": _("You left an email for a follow-up"),
    "ev_secret_redacted": _(
        "We removed a seed phrase or private key from your message to protect your funds."
    ),
    "ev_other": _("Updated"),
    "timeline_empty": _("Nothing has happened yet."),
    "resolved_note": _("This conversation is resolved. Writing again opens a new one."),
    "sending": _("Sending…"),
    "queued": _("Waiting to send"),
    "failed": _("Not sent: %(reason)s"),
    "retry": _("Retry"),
    "discard": _("Discard"),
    "agent_typing": _("Agent is typing…"),
    "connecting": _("Connecting…"),
    "reconnecting": _("Connection lost. Reconnecting…"),
    "offline": _("You are offline. Your messages will be sent when you are back online."),
    "server_error": _("The server could not be reached. We will keep trying."),
    "rate_limited": _("Too many messages. Sending again in %(seconds)s s."),
    "too_long": _("Your message is too long: %(count)s characters (at most %(max)s)."),
    "chars_left": _("%(count)s characters left"),
    "file_too_large": _("The file “%(name)s” is larger than %(mb)s MB."),
    "file_type": _("Files like “%(name)s” cannot be sent. Send an image or a PDF."),
    "too_many_files": _("At most %(n)s files can be sent at once."),
    "remove_file": _("Remove %(name)s"),
    "attachment": _("Attachment"),
    "followup_thanks": _("Thanks! We will answer you at %(email)s."),
    "followup_invalid": _("Enter a valid email address."),
    "session_failed": _("The chat could not start. Please try again later."),
    "new_message": _("New message"),
    # The case's service record (static/records/widget-record.js).
    "rec_title": _("Service record"),
    "rec_intro": _(
        "Each step of your case is committed to a public log that we sign. Download the "
        "receipt to check it yourself."
    ),
    "rec_none": _("Nothing recorded yet."),
    "rec_erased": _("The records of this case were erased."),
    "rec_opened": _("Case opened"),
    "rec_assigned": _("Assigned to an agent"),
    "rec_unassigned": _("Back in the queue"),
    "rec_reply_agent": _("Reply from an agent"),
    "rec_reply_assistant": _("Reply from the assistant"),
    "rec_status": _("Status: %(status)s"),
    "rec_other": _("Recorded step"),
    "rec_view": _("View the public record"),
    "rec_download": _("Download receipt"),
    # "Continue on Telegram / Discord" (static/widget/continue.js).
    "continue_on": _("Continue on %(channel)s"),
    "continue_open": _("Open %(channel)s"),
    "continue_command": _("Send this message to our %(channel)s bot within %(minutes)s minutes:"),
    "continue_link": _(
        "The link works once, for %(minutes)s minutes. Your conversations there and here "
        "will be one history."
    ),
    "continue_copy": _("Copy"),
    "continue_copied": _("Copied"),
    # "Continue this case on Telegram" in an open case (static/widget/continue-case.js).
    "continue_case": _("Continue this case on %(channel)s"),
    "continue_case_link": _(
        "The link works once, for %(minutes)s minutes, and only for this case. Our answers "
        "will come to you there."
    ),
    # A case of the customer's on another channel, opened read-only (static/widget/elsewhere.js).
    "elsewhere_readonly": _(
        "This conversation continues by %(channel)s. Reply there: messages cannot be sent "
        "to it from this chat."
    ),
}

# The loader runs on the customer's site before the frame exists: its few strings
# go in both languages, and it picks one from the browser.
LOADER_STRINGS: dict[str, Promise] = {
    "open": _("Open chat"),
    "close": _("Close chat"),
    "title": _("Chat with us"),
    "unread": _("New message"),
}


def translated(strings: dict[str, Promise], language: str) -> dict[str, str]:
    with override(language):
        return {key: str(value) for key, value in strings.items()}
