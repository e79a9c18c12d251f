"""Welcome sequences: the steps an administrator configured (delay after sign-up, text
per language), sent to each enrolled customer by email in their language, with a one-click
unsubscribe (link and List-Unsubscribe headers).

The periodic job finds due steps and creates one `WelcomeSend` per (customer, step) — the
unique constraint makes a second pass or a second node a no-op — and queues its task; the
task claims the row (queued → sent) so a retried task sends once."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from blockdesk.common.errors import NotFound
from blockdesk.education import tokens
from blockdesk.education.models import WelcomeEnrollment, WelcomeSend, WelcomeStep
from blockdesk.education.tasks import send_welcome_step

Status = WelcomeSend.Status
# A step found much later than due (the customer had no address then) is skipped, not sent
# weeks late out of order.
STALE_AFTER = dt.timedelta(days=7)
MAX_PER_PASS = 500


def do_queue_due_steps(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    queued = 0
    enrollments = WelcomeEnrollment.objects.filter(
        finished=False, unsubscribed_at__isnull=True
    ).select_related("contact")
    for enrollment in enrollments.order_by("started_at")[:MAX_PER_PASS]:
        steps = list(WelcomeStep.objects.filter(account_id=enrollment.account_id, active=True))
        done = set(
            WelcomeSend.objects.filter(enrollment=enrollment).values_list("step_id", flat=True)
        )
        pending = [s for s in steps if s.pk not in done]
        if not pending:
            WelcomeEnrollment.objects.filter(pk=enrollment.pk).update(finished=True)
            continue
        for step in pending:
            due = enrollment.started_at + dt.timedelta(hours=step.delay_hours)
            if due > now:
                continue
            if not enrollment.contact.email and now - due < STALE_AFTER:
                continue  # no address yet: wait a little for one
            status = Status.QUEUED if enrollment.contact.email else Status.SKIPPED
            if now - due >= STALE_AFTER:
                status = Status.SKIPPED
            try:
                with transaction.atomic():
                    send = WelcomeSend.objects.create(
                        enrollment=enrollment, step=step, status=status
                    )
                    if status == Status.QUEUED:
                        transaction.on_commit(
                            lambda pk=send.pk: send_welcome_step.enqueue(pk)  # type: ignore[misc]
                        )
                        queued += 1
            except IntegrityError:
                continue  # another pass took it
    return queued


def do_unsubscribe(*, token: str) -> WelcomeEnrollment:
    enrollment_id = tokens.read_unsubscribe_token(token)
    enrollment = WelcomeEnrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None:
        raise NotFound()
    if enrollment.unsubscribed_at is None:
        enrollment.unsubscribed_at = timezone.now()
        enrollment.save(update_fields=["unsubscribed_at"])
        WelcomeSend.objects.filter(enrollment=enrollment, status=Status.QUEUED).update(
            status=Status.SKIPPED
        )
    return enrollment
