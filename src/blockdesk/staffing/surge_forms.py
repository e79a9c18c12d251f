from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.staffing.models import SurgeSettings


class SurgeSettingsForm(forms.ModelForm):
    class Meta:
        model = SurgeSettings
        fields = [
            "auto_detect",
            "factor",
            "min_arrivals",
            "window_minutes",
            "calm_minutes",
            "aht_seconds",
            "incident_answer_en",
            "incident_answer_zh",
            "widget_notice_en",
            "widget_notice_zh",
        ]
        widgets = {
            "incident_answer_en": forms.Textarea(attrs={"rows": 4}),
            "incident_answer_zh": forms.Textarea(attrs={"rows": 4}),
        }


class StartSurgeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
