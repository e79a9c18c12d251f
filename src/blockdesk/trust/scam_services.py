"""Writes: confirmed scams (phishing domains, impersonating handles, scam addresses).

An administrator confirms the account's own reports; the peering app adds and withdraws
the reports of trusted peers through `do_sync_peer_scam` / `do_withdraw_peer_scams`, so
every row, whoever asked, is validated and recorded (events) here."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict, ValidationFailed
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.safety.fields import check_no_secret, redact_free_text
from blockdesk.trust.models import ReportedScam
from blockdesk.trust.normalize import NormalizeError, Parsed, parse_any
from blockdesk.trust.scam_match import scam_kind
from blockdesk.trust.services import check_can_manage

NOTE_MAX = 200


def check_scam_value(*, value: str, account_id: int | None = None) -> tuple[str, Parsed]:
    """(kind, parsed) for a link, mailbox, handle, phone number or address."""
    check_no_secret(value, field="value", account_id=account_id)
    try:
        parsed = parse_any(value)
    except NormalizeError as exc:
        raise ValidationFailed.field("value", str(exc)) from exc
    kind = scam_kind(parsed)
    if kind is None:
        raise ValidationFailed.field(
            "value", _("Enter a domain, an email address, a handle, a phone number or an address.")
        )
    return kind, parsed


def _facts(scam: ReportedScam) -> dict[str, object]:
    return {
        "id": scam.pk,
        "kind": scam.kind,
        "value": scam.display,
        "note": scam.note,
        "source": scam.source,
        "confirmed_on": scam.confirmed_on,
    }


def _emit(name: str, scam: ReportedScam, actor: User | None) -> None:
    emit(
        account_id=scam.account_id,
        name=name,
        payload={"scam": _facts(scam)},
        actor=Actor.agent(actor.pk) if actor is not None else Actor.system(),
        subject=Subject("reported_scam", scam.pk),
    )


def _clean_note(note: str, account_id: int) -> str:
    text, _found = redact_free_text(" ".join(note.split()), account_id=account_id)
    return text[:NOTE_MAX]


def _save(scam: ReportedScam) -> ReportedScam:
    try:
        scam.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    try:
        with transaction.atomic():
            scam.save()
    except IntegrityError as exc:
        raise Conflict(_("This scam is already in the list."), code="duplicate") from exc
    return scam


def do_report_scam(
    *,
    account_id: int,
    actor: User,
    value: str,
    note: str = "",
    confirmed_on: dt.date | None = None,
) -> ReportedScam:
    """An administrator confirms a scam of the account's own."""
    check_can_manage(actor=actor, account_id=account_id)
    kind, parsed = check_scam_value(value=value, account_id=account_id)
    if ReportedScam.objects.filter(
        account_id=account_id, kind=kind, value=parsed.value, source_ref=""
    ).exists():
        raise Conflict(_("This scam is already in the list."), code="duplicate")
    scam = ReportedScam(
        account_id=account_id,
        kind=kind,
        value=parsed.value[:255],
        display=parsed.display[:255],
        note=_clean_note(note, account_id),
        confirmed_on=confirmed_on or timezone.localdate(),
        created_by=actor,
    )
    with transaction.atomic():
        _save(scam)
        _emit("scam.reported", scam, actor)
    return scam


def do_withdraw_scam(*, scam: ReportedScam, actor: User) -> None:
    """An administrator removes a report (their own, or a peer's they disagree with)."""
    check_can_manage(actor=actor, account_id=scam.account_id)
    with transaction.atomic():
        _emit("scam.withdrawn", scam, actor)
        scam.delete()


def do_sync_peer_scam(
    *,
    account_id: int,
    source: str,
    source_ref: str,
    value: str,
    note: str = "",
    confirmed_on: dt.date | None = None,
) -> ReportedScam:
    """Adds or updates one report from a trusted peer's feed (`source_ref` names the feed
    item). A value that changed at the source replaces the old row."""
    if not source or not source_ref:
        raise ValidationFailed.field("source", _("A peer's report names its source."))
    kind, parsed = check_scam_value(value=value, account_id=account_id)
    with transaction.atomic():
        old = list(
            ReportedScam.objects.select_for_update().filter(
                account_id=account_id, source_ref=source_ref[:200]
            )
        )
        scam = next((s for s in old if s.kind == kind and s.value == parsed.value), None)
        for stale in old:
            if stale is not scam:
                _emit("scam.withdrawn", stale, None)
                stale.delete()
        created = scam is None
        if scam is None:
            scam = ReportedScam(
                account_id=account_id, kind=kind, value=parsed.value[:255], source_ref=source_ref
            )
        scam.display = parsed.display[:255]
        scam.note = _clean_note(note, account_id)
        scam.source = source[:120]
        scam.confirmed_on = confirmed_on or timezone.localdate()
        _save(scam)
        if created:
            _emit("scam.reported", scam, None)
    return scam


def do_withdraw_peer_scams(*, account_id: int, source_ref_prefix: str) -> int:
    """Removes the reports of one feed item (or, with a prefix, of a whole peer)."""
    if not source_ref_prefix:
        return 0
    with transaction.atomic():
        rows = list(
            ReportedScam.objects.select_for_update().filter(
                account_id=account_id, source_ref__startswith=source_ref_prefix
            )
        )
        for scam in rows:
            _emit("scam.withdrawn", scam, None)
            scam.delete()
    return len(rows)
