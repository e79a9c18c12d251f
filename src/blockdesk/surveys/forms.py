"""The settings form (Settings → Surveys)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.surveys.models import SurveySettings
from blockdesk.surveys.services import SETTINGS_FIELDS


class NamesField(forms.CharField):
    """Comma-separated names, shown and read as one line."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return sorted({n.strip().lower() for n in str(text).split(",") if n.strip()})


class SurveySettingsForm(forms.ModelForm):
    followup_tags = NamesField(
        label=_("for conversations tagged"),
        required=False,
        help_text=_("Tags, separated by commas (e.g. withdrawal-delay, security)."),
    )
    followup_intents = NamesField(
        label=_("or with the intents"),
        required=False,
        help_text=_("Intents the assistant recognised, separated by commas."),
    )

    class Meta:
        model = SurveySettings
        fields = list(SETTINGS_FIELDS)
        widgets = {"followup_message": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "followup_message": _(
                "Empty: a standard check-in. %(number)s is replaced by the case number."
            ),
        }
