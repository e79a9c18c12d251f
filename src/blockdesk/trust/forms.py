"""Forms parse and shape input; the services validate and authorise it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.trust.models import OfficialChannel
from blockdesk.trust.normalize import MAX_INPUT


class OfficialChannelForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OfficialChannel.Kind.choices)
    value = forms.CharField(
        label=_("Value"),
        max_length=MAX_INPUT,
        help_text=_(
            "A domain (example.com), an email address, @handle or link (t.me/…, "
            "discord.gg/…, x.com/…), a phone number in +country format, or an address."
        ),
    )
    label = forms.CharField(label=_("Note for customers"), max_length=120, required=False)
    include_subdomains = forms.BooleanField(
        label=_("Includes subdomains (domains only)"), required=False
    )
    chain = forms.ChoiceField(
        label=_("Chain (addresses only)"),
        choices=[("", _("Any / not specified")), *OfficialChannel.CHAIN_CHOICES],
        required=False,
    )
    since = forms.DateField(
        label=_("Official since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if editing:
            # The kind of an entry does not change: delete it and add another instead.
            self.fields["kind"].disabled = True
