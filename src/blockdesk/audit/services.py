"""Writes of the administrators' oversight pages. The event log sits below accounts (every
app emits), so the admin check of its page lives here, above both."""

from __future__ import annotations

from blockdesk.accounts.models import User
from blockdesk.accounts.services import check_admin
from blockdesk.events.services import do_requeue_dead


def do_retry_dead_events(*, actor: User) -> int:
    """Settings → Event consumers: an administrator retries their account's dead events."""
    check_admin(actor=actor)
    return do_requeue_dead(account_id=actor.account_pk)
