"""The assistant settings form of one inbox. Per-language values (handoff keywords,
greeting, out-of-hours message) are one field per configured language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from blockdesk.assistant.models import AssistantSettings

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def languages() -> list[str]:
    return list(settings.KB_LANGUAGES) or ["en"]


def _language_label(code: str) -> str:
    return {"en": "English", "zh-hans": "中文"}.get(code, code)


class AssistantSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Assistant answers new conversations in this inbox"), required=False
    )
    risk_profile = forms.ChoiceField(
        label=_("Answer risk"),
        choices=AssistantSettings.Risk.choices,
        initial=AssistantSettings.Risk.PRECISION_FIRST,
        help_text=_(
            "Sets the two thresholds below from the assistant's calibrated confidence: "
            "precision first answers only where about 95 of 100 answers were right on "
            "held-out questions (balanced: 90, coverage first: 80). Choose custom to type "
            "the thresholds yourself."
        ),
    )
    answer_threshold = forms.FloatField(
        label=_("Answer when confidence is at least"),
        min_value=0.0,
        max_value=1.0,
        help_text=_(
            "Between 0 and 1. Higher: fewer but surer answers, more handoffs. "
            "Used as typed only with custom answer risk."
        ),
    )
    clarify_threshold = forms.FloatField(
        label=_("Ask a clarifying question when confidence is at least"),
        min_value=0.0,
        max_value=1.0,
        help_text=_("Below this the assistant hands the conversation to a person."),
    )
    resolution_timeout_minutes = forms.IntegerField(
        label=_("Count an answer as solved when the customer is silent for (minutes)"),
        min_value=1,
        max_value=7 * 24 * 60,
    )
    business_timezone = forms.CharField(label=_("Business hours time zone"), max_length=64)
    business_days = forms.TypedMultipleChoiceField(
        label=_("Business days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    business_start = forms.TimeField(label=_("Opens at"))
    business_end = forms.TimeField(label=_("Closes at"))
    generative_enabled = forms.BooleanField(
        label=_("Phrase answers with a language model (OpenAI-compatible endpoint)"),
        required=False,
        help_text=_(
            "Answers still come only from your articles, cite them and pass the same "
            "safety checks; when the endpoint fails the extractive answer is used."
        ),
    )
    generative_url = forms.URLField(
        label=_("Endpoint base URL"), required=False, max_length=300, assume_scheme="https"
    )
    generative_model = forms.CharField(label=_("Model name"), required=False, max_length=100)
    generative_api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the current key."),
    )
    clear_api_key = forms.BooleanField(label=_("Remove the stored API key"), required=False)
    generative_timeout = forms.FloatField(
        label=_("Timeout (seconds)"), min_value=0.5, max_value=60.0
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in languages():
            name = _language_label(code)
            self.fields[f"keywords_{code}"] = forms.CharField(
                label=_("Handoff keywords (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("One per line. A customer writing any of them is passed to a person."),
            )
            self.fields[f"greeting_{code}"] = forms.CharField(
                label=_("Greeting (%(language)s)") % {"language": name},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Empty: the built-in greeting."),
            )
            self.fields[f"out_of_hours_{code}"] = forms.CharField(
                label=_("Out-of-hours handoff message (%(language)s)") % {"language": name},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Empty: says when the team is back."),
            )

    @classmethod
    def initial_from(cls, config: AssistantSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(config, name)
            for name in (
                "enabled",
                "risk_profile",
                "answer_threshold",
                "clarify_threshold",
                "resolution_timeout_minutes",
                "business_timezone",
                "business_days",
                "business_start",
                "business_end",
                "generative_enabled",
                "generative_url",
                "generative_model",
                "generative_timeout",
            )
        }
        for code in languages():
            initial[f"keywords_{code}"] = "\n".join((config.handoff_keywords or {}).get(code, []))
            initial[f"greeting_{code}"] = (config.greeting or {}).get(code, "")
            initial[f"out_of_hours_{code}"] = (config.out_of_hours_message or {}).get(code, "")
        return initial

    def service_values(self) -> tuple[dict[str, Any], str | None]:
        """(values for do_update_settings, api_key: None = keep, "" = remove)."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            name: data[name]
            for name in (
                "enabled",
                "risk_profile",
                "answer_threshold",
                "clarify_threshold",
                "resolution_timeout_minutes",
                "business_timezone",
                "business_days",
                "business_start",
                "business_end",
                "generative_enabled",
                "generative_url",
                "generative_model",
                "generative_timeout",
            )
        }
        values["business_start"] = values["business_start"] or dt.time(9)
        values["business_end"] = values["business_end"] or dt.time(18)
        values["handoff_keywords"] = {
            code: [w.strip() for w in data.get(f"keywords_{code}", "").splitlines() if w.strip()]
            for code in languages()
        }
        values["greeting"] = {
            code: data[f"greeting_{code}"].strip()
            for code in languages()
            if data.get(f"greeting_{code}", "").strip()
        }
        values["out_of_hours_message"] = {
            code: data[f"out_of_hours_{code}"].strip()
            for code in languages()
            if data.get(f"out_of_hours_{code}", "").strip()
        }
        api_key: str | None = None
        if data.get("clear_api_key"):
            api_key = ""
        elif data.get("generative_api_key"):
            api_key = data["generative_api_key"]
        return values, api_key


class CorrectionForm(forms.Form):
    correct_key = forms.CharField(max_length=100)
