from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.accounts.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("Where the token is used, e.g. “CRM sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give the token only what the integration needs."),
    )
