"""Console forms: an inbox's routing, an agent's capacity and skills, one's presence."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.routing.models import AgentRouting, InboxRouting


def split_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()]


class InboxRoutingForm(forms.Form):
    mode = forms.ChoiceField(label=_("Auto-assignment"), choices=InboxRouting.Mode.choices)
    silence_minutes = forms.IntegerField(
        label=_("Reassign when the assignee stays silent for (minutes)"),
        min_value=0,
        max_value=7 * 24 * 60,
        help_text=_("0: never. Only automatic assignments are taken back."),
    )
    handle_minutes = forms.IntegerField(
        label=_("Typical handling time (minutes)"),
        min_value=1,
        max_value=24 * 60,
        help_text=_("For the wait the customer is shown while queued."),
    )
    show_queue_in_widget = forms.BooleanField(
        label=_("Show customers their place in the queue"), required=False
    )

    @staticmethod
    def initial_from(config: InboxRouting) -> dict[str, Any]:
        return {
            "mode": config.mode,
            "silence_minutes": config.silence_minutes,
            "handle_minutes": config.handle_minutes,
            "show_queue_in_widget": config.show_queue_in_widget,
        }


class AgentRoutingForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Capacity (open cases at once)"), min_value=0, max_value=200
    )
    channel_capacity = forms.CharField(
        label=_("Capacity per channel"),
        required=False,
        help_text=_('JSON, e.g. {"web_widget": 3, "email": 10}. Empty: the total only.'),
    )
    languages = forms.CharField(
        label=_("Languages"), required=False, help_text=_("Comma separated: en, zh")
    )
    chains = forms.CharField(
        label=_("Chains"), required=False, help_text=_("Comma separated: tron, ethereum")
    )
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        help_text=_(
            "Comma separated: assistant topics, handoff reasons or tags "
            "(withdrawal-delay, funds_stolen_or_missing)."
        ),
    )

    @staticmethod
    def initial_from(row: AgentRouting) -> dict[str, Any]:
        return {
            "capacity": row.capacity,
            "channel_capacity": json.dumps(row.channel_capacity) if row.channel_capacity else "",
            "languages": ", ".join(row.languages),
            "chains": ", ".join(row.chains),
            "topics": ", ".join(row.topics),
        }

    def clean_channel_capacity(self) -> dict[str, object]:
        raw = self.cleaned_data.get("channel_capacity") or ""
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(_("Not valid JSON.")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_('An object, e.g. {"email": 10}.'))
        return value

    def lists(self) -> dict[str, list[str]]:
        return {
            name: split_list(self.cleaned_data.get(name) or "")
            for name in ("languages", "chains", "topics")
        }


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(choices=AgentRouting.Presence.choices)
