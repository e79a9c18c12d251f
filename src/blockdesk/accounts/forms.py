from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username or email"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
