"""Online sessions and webinars: registration by signed-in customers, the reminder before
the start (periodic job → one task per registration), the ICS calendar file (the
`icalendar` package), and the recording's link afterwards."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from blockdesk.conversations.models import Contact
from blockdesk.education.models import Registration, Session
from blockdesk.education.tasks import send_session_reminder
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.safety.fields import redact_free_text

SESSION_FIELDS = (
    "title",
    "description",
    "language",
    "starts_at",
    "duration_minutes",
    "join_url",
    "recording_url",
    "capacity",
    "published",
)


def do_save_session(
    *, actor: User, values: dict[str, object], session_id: int | None = None
) -> Session:
    if not actor.is_account_admin:
        raise Forbidden()
    unknown = set(values) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("Unknown field."))
    with transaction.atomic():
        if session_id is None:
            session = Session(account_id=actor.account_pk)
        else:
            found = Session.objects.select_for_update().filter(
                pk=session_id, account_id=actor.account_pk
            )
            session = found.first()  # type: ignore[assignment]
            if session is None:
                raise NotFound()
        for name, value in values.items():
            if name in ("title", "description") and isinstance(value, str):
                value = redact_free_text(value.strip(), account_id=actor.account_pk)[0]
            setattr(session, name, value)
        try:
            session.full_clean(exclude=["account"])
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        session.save()
    return session


def public_session(*, account_id: int, session_id: int) -> Session:
    found = Session.objects.filter(pk=session_id, account_id=account_id, published=True).first()
    if found is None:
        raise NotFound()
    return found


def ends_at(session: Session) -> dt.datetime:
    return session.starts_at + dt.timedelta(minutes=session.duration_minutes)


def do_register(*, session: Session, contact: Contact, now: dt.datetime | None = None) -> bool:
    """True when newly registered; registering twice is the same registration."""
    now = now or timezone.now()
    if contact.account_id != session.account_id or not session.published:
        raise NotFound()
    if ends_at(session) <= now:
        raise Conflict(_("This session is over."))
    try:
        with transaction.atomic():
            Session.objects.select_for_update().filter(pk=session.pk).first()
            if Registration.objects.filter(session=session, contact=contact).exists():
                return False
            taken = Registration.objects.filter(session=session).count()
            if session.capacity and taken >= session.capacity:
                raise Conflict(_("This session is full."))
            Registration.objects.create(session=session, contact=contact)
            emit(
                account_id=session.account_id,
                name="education.session_registered",
                payload={"session_id": session.pk, "contact_id": contact.pk},
                actor=Actor.contact(contact.pk),
                subject=Subject("session", session.pk),
            )
            return True
    except IntegrityError:
        return False


def do_unregister(*, session: Session, contact: Contact) -> bool:
    deleted, _rows = Registration.objects.filter(session=session, contact=contact).delete()
    return bool(deleted)


def do_send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Periodic job: each registration for a session starting within the reminder window
    gets one task; the task claims the row, so queuing it twice sends once."""
    now = now or timezone.now()
    window = now + dt.timedelta(hours=settings.EDUCATION_REMINDER_HOURS)
    due = list(
        Registration.objects.filter(
            reminded_at__isnull=True, session__starts_at__gt=now, session__starts_at__lte=window
        ).values_list("pk", flat=True)[:1000]
    )
    for registration_id in due:
        send_session_reminder.enqueue(registration_id)
    return len(due)


def ics(session: Session) -> bytes:
    from icalendar import Calendar, Event  # on use: web workers start without it

    calendar = Calendar()
    calendar.add("prodid", "-//Blockdesk//education//EN")
    calendar.add("version", "2.0")
    event = Event()
    domain = settings.PUBLIC_URL.split("//")[-1].split("/")[0] or "localhost"
    event.add("uid", f"session-{session.pk}@{domain}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", ends_at(session))
    event.add("summary", session.title)
    page = settings.PUBLIC_URL.rstrip("/") + reverse("education_public:session", args=[session.pk])
    event.add("description", f"{session.description}\n\n{page}".strip())
    event.add("url", page)
    if session.join_url:
        event.add("location", session.join_url)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
