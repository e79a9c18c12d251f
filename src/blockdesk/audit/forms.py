"""The audit log's filter (a GET form): every value is checked, so a hand-edited URL gets a
form error, never a 500 or a query on a value the database cannot hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blockdesk.audit.labels import event_label
from blockdesk.audit.selectors import SUBJECT_LABELS, AuditFilter
from blockdesk.events.models import ActorKind
from blockdesk.events.registry import event_types

MAX_ID = 2**63 - 1  # a BIGINT column
SECURITY = "group:security"
# Kinds whose actors have an id (the assistant and the system have none).
ACTOR_KINDS_WITH_ID = (ActorKind.AGENT, ActorKind.CONTACT, ActorKind.API_TOKEN)
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(9998, 12, 31)  # the day after must still be a date


def event_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("Every kind")),
        (SECURITY, _("Security-relevant changes")),
        *sorted(((t.name, event_label(t.name)) for t in event_types()), key=lambda c: c[1]),
    ]


def subject_choices() -> list[tuple[str, Any]]:
    return [("", _("Any object")), *SUBJECT_LABELS.items()]


class AuditFilterForm(forms.Form):
    actor_kind = forms.ChoiceField(
        label=_("Actor"),
        required=False,
        choices=[("", _("Anyone")), *ActorKind.choices],
    )
    actor_id = forms.IntegerField(
        label=_("Actor id"), required=False, min_value=1, max_value=MAX_ID
    )
    event = forms.ChoiceField(label=_("Kind"), required=False, choices=event_choices)
    subject_type = forms.ChoiceField(label=_("Object"), required=False, choices=subject_choices)
    subject_id = forms.IntegerField(
        label=_("Object id"), required=False, min_value=1, max_value=MAX_ID
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    # The keyset cursor: show events older than this id.
    before = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )

    def _clean_date(self, name: str) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                _("Choose a date between %(first)s and %(last)s."),
                params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )
        return value

    def clean_date_from(self) -> dt.date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._clean_date("date_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("actor_id") is not None:
            if not data.get("actor_kind"):
                self.add_error("actor_id", _("Choose the kind of actor too."))
            elif data["actor_kind"] not in ACTOR_KINDS_WITH_ID:
                self.add_error("actor_id", _("This kind of actor has no id."))
        if data.get("subject_id") is not None and not data.get("subject_type"):
            self.add_error("subject_id", _("Choose the kind of object too."))
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> AuditFilter:
        """The filter of a valid form; dates are whole days in the current time zone."""
        data = self.cleaned_data
        event = data.get("event") or ""
        start, end = data.get("date_from"), data.get("date_to")
        return AuditFilter(
            actor_kind=data.get("actor_kind") or None,
            actor_id=data.get("actor_id"),
            name=event if event and event != SECURITY else None,
            security_only=event == SECURITY,
            subject_type=data.get("subject_type") or None,
            subject_id=data.get("subject_id"),
            since=_midnight(start) if start else None,
            until=_midnight(end + dt.timedelta(days=1)) if end else None,
        )


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
