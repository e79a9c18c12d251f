"""Reads for calls, scoped by who asks."""

from __future__ import annotations

from blockdesk.accounts.models import User
from blockdesk.calls.models import CallRecording
from blockdesk.common.errors import NotFound
from blockdesk.conversations import selectors as conv_selectors


def get_recording_for_agent(*, user: User, recording_id: int) -> CallRecording:
    """A recording of a call in a conversation `user` can see (the same rule as the
    conversation and its attachments); NotFound otherwise."""
    recording = (
        CallRecording.objects.select_related("call__conversation")
        .filter(pk=recording_id, account_id=user.account_pk)
        .first()
    )
    if recording is None or not conv_selectors.agent_can_access_inbox(
        user=user, inbox_id=recording.call.conversation.inbox_id
    ):
        raise NotFound()
    return recording
