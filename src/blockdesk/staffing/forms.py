from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class StaffingForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    weeks = forms.IntegerField(label=_("Weeks of history"), min_value=1, max_value=52, initial=8)
    aht_seconds = forms.FloatField(
        label=_("Average handle time (seconds)"),
        min_value=1,
        max_value=86_400,
        required=False,
        help_text=_("Empty: measured from resolved conversations of the channel."),
    )
    service_level = forms.FloatField(
        label=_("Target service level"), min_value=0.01, max_value=0.99, initial=0.8
    )
    answer_within_seconds = forms.FloatField(
        label=_("Answered within (seconds)"), min_value=0, max_value=7 * 86_400, initial=20
    )
    shrinkage = forms.FloatField(label=_("Shrinkage"), min_value=0, max_value=0.95, initial=0.3)
    concurrency = forms.IntegerField(
        label=_("Chats per agent at once"), min_value=1, max_value=20, initial=1
    )
    patience_seconds = forms.FloatField(
        label=_("Customer patience (seconds)"),
        min_value=1,
        max_value=86_400,
        required=False,
        help_text=_("Set it to use Erlang A (customers who give up); empty: Erlang C."),
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, required=False)
    scheduled = forms.CharField(
        label=_("Agents scheduled per hour"),
        required=False,
        max_length=2_000,
        help_text=_("24 numbers (every day alike) or 168 (Monday 00:00 to Sunday 23:00)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        channel_kinds: list[str],
        default_zone: zoneinfo.ZoneInfo | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Empty: the account's time zone (its business hours), as surge detection counts.
        self.default_zone = default_zone
        if default_zone is not None:
            self.fields["time_zone"].widget.attrs["placeholder"] = default_zone.key
        choices = [("", _("All channels"))] + [(k, k) for k in channel_kinds]
        self.fields["channel"].choices = choices  # type: ignore[attr-defined]

    def clean_time_zone(self) -> zoneinfo.ZoneInfo:
        default = self.default_zone.key if self.default_zone is not None else settings.TIME_ZONE
        name = self.cleaned_data.get("time_zone") or default
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(_("Unknown time zone.")) from exc

    def clean_scheduled(self) -> list[int] | None:
        from blockdesk.common.errors import ValidationFailed
        from blockdesk.staffing.schedules import parse_schedule

        try:
            return parse_schedule(self.cleaned_data.get("scheduled", ""))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields["scheduled"]) from exc
