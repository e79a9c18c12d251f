"""Forms parse and shape input; the services validate and authorise it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.conversations.models import Conversation

PRIORITY_CHOICES = [
    ("urgent", _("Urgent")),
    ("high", _("High")),
    ("normal", _("Normal")),
    ("low", _("Low")),
]
SNOOZE_PRESETS = [
    ("1h", _("1 hour")),
    ("4h", _("4 hours")),
    ("tomorrow", _("Tomorrow morning")),
    ("week", _("Next week")),
]


def apply_error(form: forms.Form, exc: BlockdeskError) -> None:
    """Shows a service error on the form: each message on the field it names, or above the
    form when the form has no such field (a model-level or ``__all__`` error), so none is lost."""
    shown = False
    for name, messages in exc.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
            shown = True
    if not shown:
        form.add_error(None, exc.message)


def saved(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], object]) -> bool:
    """True once a POSTed form is valid and ``save`` (one service call, given the cleaned
    data) succeeded; a service error is put on the form, to be shown again."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except BlockdeskError as exc:
        apply_error(form, exc)
        return False
    return True


def form_error(form: forms.Form) -> ValidationFailed:
    """A bound, invalid form as the one error shape."""
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    first = next(iter(fields.values()), [""])[0]
    return ValidationFailed(first or None, fields=fields)


# --- conversation actions ---------------------------------------------------------


class ReplyForm(forms.Form):
    content = forms.CharField(required=False, strip=True, max_length=settings.MESSAGE_MAX_LENGTH)
    note = forms.BooleanField(required=False)
    idempotency_key = forms.CharField(required=False, max_length=64)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Conversation.Status.choices)
    snooze = forms.ChoiceField(choices=[("", "—"), *SNOOZE_PRESETS], required=False)
    # A datetime-local value (no zone) or an ISO time with an offset.
    snoozed_until = forms.CharField(required=False, max_length=40)
    # Minutes east of UTC of the browser, sent by the script for datetime-local values.
    tz_offset = forms.IntegerField(required=False, min_value=-24 * 60, max_value=24 * 60)

    def until(self, *, now: dt.datetime | None = None) -> dt.datetime | None:
        if self.cleaned_data["status"] != Conversation.Status.SNOOZED:
            return None
        now = now or timezone.now()
        preset = self.cleaned_data.get("snooze") or ""
        if preset == "1h":
            return now + dt.timedelta(hours=1)
        if preset == "4h":
            return now + dt.timedelta(hours=4)
        if preset in ("tomorrow", "week"):
            local = timezone.localtime(now)
            days = 1 if preset == "tomorrow" else 7 - local.weekday()
            day = (local + dt.timedelta(days=days)).replace(
                hour=9, minute=0, second=0, microsecond=0
            )
            return day
        raw = (self.cleaned_data.get("snoozed_until") or "").strip()
        if not raw:
            return None
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError as exc:
            raise ValidationFailed.field(
                "snoozed_until", _("Enter a valid date and time.")
            ) from exc
        if timezone.is_naive(value):
            offset = self.cleaned_data.get("tz_offset")
            zone = (
                dt.timezone(dt.timedelta(minutes=offset))
                if offset is not None
                else timezone.get_current_timezone()
            )
            value = value.replace(tzinfo=zone)
        return value


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=PRIORITY_CHOICES)


class AssignForm(forms.Form):
    # "" nobody, "me", or an agent id; the team likewise "" or an id.
    assignee = forms.CharField(required=False, max_length=20)
    team = forms.CharField(required=False, max_length=20)


class TagsForm(forms.Form):
    # Not "action": a field of that name would shadow form.action in the browser.
    op = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove"), ("set", "set")])
    tag = forms.CharField(required=False, max_length=200)

    def names(self, current: list[str]) -> list[str]:
        raw = self.cleaned_data.get("tag") or ""
        given = [t.strip().lower().lstrip("#") for t in raw.replace(",", " ").split()]
        given = [t for t in given if t]
        op = self.cleaned_data["op"]
        if op == "add":
            return sorted(set(current) | set(given))
        if op == "remove":
            return sorted(set(current) - set(given))
        return sorted(set(given))


class ContactNotesForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.Textarea, strip=True)


# --- settings ---------------------------------------------------------------------


def _agents_field(account_id: int, label: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(account_id=account_id, is_active=True).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=label,
    )


class AgentCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    display_name = forms.CharField(label=_("Display name"), max_length=120, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Share it with the agent over a safe channel; they can change it later."),
    )


class AgentEditForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Deactivated agents cannot sign in and are not offered for assignment."),
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)

    def __init__(self, *args: Any, account_id: int, with_leads: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["members"] = _agents_field(account_id, _("Members"))
        if with_leads:
            self.fields["leads"] = _agents_field(account_id, _("Team leads"))
            self.fields["leads"].help_text = _(
                "Leads hear about SLA escalations and low ratings of the team's cases, and see "
                "its agents' reports. A lead must be a member."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        leads, members = data.get("leads"), data.get("members")
        if leads is not None and members is not None and set(leads) - set(members):
            self.add_error("leads", _("A team lead must be a member of the team."))
        return data


class InboxCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    website_url = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    welcome_title = forms.CharField(label=_("Welcome title"), max_length=120, required=False)
    welcome_tagline = forms.CharField(label=_("Welcome tagline"), max_length=255, required=False)
    allowed_origins = forms.CharField(
        label=_("Websites allowed to show the chat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.com"}),
        help_text=_(
            "One origin per line, like https://www.example.com. Only these sites can embed "
            "the widget; when empty, no other site can. A line with just * allows any "
            "site, including look-alike phishing sites: not recommended."
        ),
    )

    def __init__(self, *args: Any, account_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"] = _agents_field(account_id, _("Agents with access"))


class InboxEditForm(InboxCreateForm):
    color = forms.CharField(
        label=_("Widget colour"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class CannedReplyForm(forms.Form):
    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=40,
        help_text=_("Letters, digits, - and _. Agents type /shortcut in the reply box."),
    )
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 5}))


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)


class SecurityForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor login for every agent"),
        required=False,
        help_text=_(
            "Agents without an authenticator are asked to set one up the next time they "
            "open the console."
        ),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=120,
        required=False,
        help_text=_("Customers see this name on your replies."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Browser default")), *settings.LANGUAGES],
    )
