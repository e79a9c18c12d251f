"""Forms of Settings → Triage. They parse; the services validate and authorise."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.triage.models import TriageRule, TriageSettings
from blockdesk.triage.rules import MOODS, PRIORITIES

MOOD_LABELS = {
    "angry": _("angry"),
    "distressed": _("distressed"),
    "negative": _("negative"),
    "neutral": _("neutral"),
    "positive": _("positive"),
}
PRIORITY_LABELS = {"urgent": _("Urgent"), "high": _("High"), "normal": _("Normal"), "low": _("Low")}


def _words(raw: str) -> list[str]:
    return [w.strip() for w in raw.replace("\n", ",").split(",") if w.strip()]


class SettingsForm(forms.Form):
    reference_prices = forms.CharField(
        label=_("Reference prices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One token a line: SYMBOL = price of one unit (e.g. BTC = 60000)."),
        max_length=10_000,
    )
    reference_currency = forms.CharField(label=_("Reference currency"), max_length=12)
    vip_tiers = forms.CharField(
        label=_("VIP tiers"),
        required=False,
        max_length=1000,
        help_text=_("Values of the contact attribute “tier” that count as VIP, comma-separated."),
    )
    urgent_at = forms.IntegerField(label=_("Urgent from score"), min_value=1, max_value=100)
    high_at = forms.IntegerField(label=_("High from score"), min_value=1, max_value=100)
    set_priority = forms.BooleanField(label=_("Raise the priority from the score"), required=False)

    @staticmethod
    def initial_from(row: TriageSettings) -> dict[str, Any]:
        return {
            "reference_prices": "\n".join(
                f"{k} = {v}" for k, v in sorted((row.reference_prices or {}).items())
            ),
            "reference_currency": row.reference_currency,
            "vip_tiers": ", ".join(row.vip_tiers or []),
            "urgent_at": row.urgent_at,
            "high_at": row.high_at,
            "set_priority": row.set_priority,
        }

    def clean_reference_prices(self) -> dict[str, str]:
        prices: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["reference_prices"].splitlines(), 1):
            if not line.strip():
                continue
            symbol, sep, price = line.partition("=")
            if not sep:
                raise forms.ValidationError(
                    _("Line %(n)d: write SYMBOL = price."), params={"n": number}
                )
            prices[symbol.strip()] = price.strip()
        return prices

    def clean_vip_tiers(self) -> list[str]:
        return _words(self.cleaned_data["vip_tiers"])


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    position = forms.IntegerField(
        label=_("Order"), required=False, min_value=0, max_value=10_000, initial=0
    )
    # Conditions
    intent = forms.CharField(label=_("Topic (intent) is"), required=False, max_length=2000)
    amount_gte = forms.DecimalField(
        label=_("Funds at stake at least"),
        required=False,
        min_value=Decimal(0),
        max_digits=30,
        decimal_places=8,
    )
    chain = forms.CharField(label=_("Chain is"), required=False, max_length=1000)
    mood = forms.MultipleChoiceField(
        label=_("Mood is"),
        required=False,
        choices=[(m, MOOD_LABELS[m]) for m in MOODS],
        widget=forms.CheckboxSelectMultiple,
    )
    tier = forms.CharField(label=_("Customer tier is"), required=False, max_length=1000)
    channel = forms.CharField(label=_("Channel is"), required=False, max_length=500)
    inbox = forms.MultipleChoiceField(label=_("Inbox is"), required=False, choices=[])
    keyword = forms.CharField(label=_("Message contains"), required=False, max_length=2000)
    security = forms.BooleanField(label=_("Security signal"), required=False)
    # Actions
    priority = forms.ChoiceField(
        label=_("Set priority"),
        required=False,
        choices=[("", "—"), *((p, PRIORITY_LABELS[p]) for p in PRIORITIES)],
    )
    team_id = forms.TypedChoiceField(
        label=_("Assign team"), required=False, coerce=int, empty_value=None, choices=[]
    )
    tags = forms.CharField(label=_("Add tags"), required=False, max_length=1000)

    def __init__(
        self,
        *args: Any,
        inboxes: list[tuple[int, str]],
        teams: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        inbox_field = self.fields["inbox"]
        assert isinstance(inbox_field, forms.MultipleChoiceField)
        inbox_field.choices = [(str(pk), name) for pk, name in inboxes]
        team_field = self.fields["team_id"]
        assert isinstance(team_field, forms.TypedChoiceField)
        team_field.choices = [("", "—"), *((str(pk), name) for pk, name in teams)]

    @staticmethod
    def initial_from(rule: TriageRule) -> dict[str, Any]:
        c, a = rule.conditions or {}, rule.actions or {}
        return {
            "name": rule.name,
            "enabled": rule.enabled,
            "position": rule.position,
            **{k: ", ".join(c.get(k) or []) for k in ("intent", "chain", "tier", "channel")},
            "keyword": ", ".join(c.get("keyword") or []),
            "amount_gte": c.get("amount_gte"),
            "mood": c.get("mood") or [],
            "inbox": [str(i) for i in c.get("inbox") or []],
            "security": bool(c.get("security")),
            "priority": a.get("priority") or "",
            "team_id": a.get("team_id") or "",
            "tags": ", ".join(a.get("tags") or []),
        }

    def conditions(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {
            k: _words(d[k]) for k in ("intent", "chain", "tier", "channel", "keyword") if d[k]
        }
        if d["amount_gte"] is not None:
            out["amount_gte"] = str(d["amount_gte"])
        if d["mood"]:
            out["mood"] = list(d["mood"])
        if d["inbox"]:
            out["inbox"] = [int(i) for i in d["inbox"]]
        if d["security"]:
            out["security"] = True
        return out

    def actions(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {}
        if d["priority"]:
            out["priority"] = d["priority"]
        if d["team_id"]:
            out["team_id"] = d["team_id"]
        if d["tags"]:
            out["tags"] = _words(d["tags"])
        return out
