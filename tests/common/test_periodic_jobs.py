"""Periodic jobs come from the apps' ready(): each once, whatever imported what first."""

from __future__ import annotations

from blockdesk.assistant.services import do_resolve_timed_out
from blockdesk.chain.services import do_purge_old_sightings, do_requeue_due_watches
from blockdesk.common.periodic import jobs
from blockdesk.conversations.services import do_reopen_due_snoozed
from blockdesk.events.services import do_purge_events
from blockdesk.notifications.services import do_send_due_reply_emails
from blockdesk.wallet_auth.services import do_purge_expired_nonces
from blockdesk.webhooks.services import do_requeue_due_deliveries


def test_every_app_job_is_registered_once() -> None:
    listed = jobs()
    for job in (
        do_reopen_due_snoozed,
        do_requeue_due_deliveries,
        do_purge_expired_nonces,
        do_purge_events,
        do_requeue_due_watches,
        do_purge_old_sightings,
        do_send_due_reply_emails,
        do_resolve_timed_out,
    ):
        assert listed.count(job) == 1, job.__name__
    assert len(listed) == len(set(listed))
