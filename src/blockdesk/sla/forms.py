"""Forms of the SLA settings and report pages. Choices are limited to the admin's own
account; the services check every object again."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from blockdesk.accounts.models import Team, User
from blockdesk.conversations.models import Conversation, Inbox, Tag
from blockdesk.sla.ics import MAX_BYTES
from blockdesk.sla.models import SlaPolicy, Target
from blockdesk.sla.reports import GROUPS
from blockdesk.sla.services import POLICY_FIELDS

SPAN_HELP = _("Intervals like 09:00-12:00, 13:00-17:00; empty: closed.")


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class HoursForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Whole account (default)"),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    def __init__(self, *args: Any, account_id: int, with_team: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.filter(account_id=account_id).order_by("name")
        if not with_team:
            del self.fields["team"]
        for day in range(7):
            self.fields[f"day_{day}"] = forms.CharField(
                label=WEEKDAYS[day],
                required=False,
                max_length=200,
                help_text=SPAN_HELP if day == 0 else "",
            )


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    interval = forms.CharField(
        label=_("Closed (empty: the whole day)"),
        max_length=20,
        required=False,
        help_text=_("For example 13:00-24:00 for an afternoon."),
    )
    yearly = forms.BooleanField(label=_("Every year"), required=False)


class IcsForm(forms.Form):
    file = forms.FileField(label=_("Calendar file (.ics)"))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        data: bytes = upload.read()
        return data


class PolicyForm(forms.ModelForm):
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), *Conversation.Priority.choices],
    )
    channel_kind = forms.ChoiceField(label=_("Channel"), required=False)

    class Meta:
        model = SlaPolicy
        fields = list(POLICY_FIELDS)
        labels = {
            "first_response_minutes": _("First response (minutes)"),
            "next_response_minutes": _("Next response (minutes)"),
            "resolution_minutes": _("Resolution (minutes)"),
            "breach_reassign_to": _("At a breach, reassign to"),
            "breach_escalate_team": _("At a breach, escalate to team"),
            "inbox": _("Inbox"),
            "tag": _("Tag"),
        }
        help_texts = {
            "customer_tier": _("Matches the contact attribute “tier” (e.g. vip)."),
            "position": _("Policies are tried in this order; the first that matches applies."),
            "business_hours": _("Off: calendar hours, around the clock."),
        }

    def __init__(self, *args: Any, account_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        querysets: dict[str, Any] = {
            "inbox": Inbox.objects.filter(account_id=account_id),
            "tag": Tag.objects.filter(account_id=account_id),
            "breach_reassign_to": User.objects.filter(account_id=account_id, is_active=True),
            "breach_escalate_team": Team.objects.filter(account_id=account_id),
        }
        for name, qs in querysets.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs
        kinds = sorted(
            set(Inbox.objects.filter(account_id=account_id).values_list("channel_kind", flat=True))
        )
        channel = self.fields["channel_kind"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = [("", _("Any")), *((k, k) for k in kinds)]


class ReportForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Per"),
        choices=[
            ("policy", _("Policy")),
            ("team", _("Team")),
            ("agent", _("Agent")),
            ("channel", _("Channel")),
        ],
        initial="policy",
    )
    target = forms.ChoiceField(
        label=_("Target"), required=False, choices=[("", _("All targets")), *Target.choices]
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def range(self) -> tuple[dt.datetime, dt.datetime]:
        """Local dates, the end inclusive; the last 30 days by default."""
        today = timezone.localdate()
        until = self.cleaned_data.get("until") or today
        since = self.cleaned_data.get("since") or until - dt.timedelta(days=29)
        tz = timezone.get_current_timezone()
        return (
            dt.datetime.combine(since, dt.time(), tz),
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tz),
        )


assert set(GROUPS) == {"policy", "team", "agent", "channel"}
