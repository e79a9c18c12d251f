"""workspace.forms.apply_error / saved: a service error ends up on the form, nothing dropped."""

from __future__ import annotations

from django import forms
from django.test import RequestFactory

from blockdesk.common.errors import ValidationFailed
from blockdesk.workspace.forms import apply_error, saved


class _NameForm(forms.Form):
    name = forms.CharField()


def test_messages_for_fields_the_form_lacks_are_shown_above_it_not_dropped():
    form = _NameForm({"name": "x"})
    assert form.is_valid()
    apply_error(
        form,
        ValidationFailed(
            "Name taken.",
            fields={"name": ["Name taken."], "handoff_keywords": ["Too many keywords."]},
        ),
    )
    assert form.errors["name"] == ["Name taken."]
    assert form.non_field_errors() == ["Too many keywords."]


def test_an_error_without_fields_shows_its_message():
    form = _NameForm({"name": "x"})
    assert form.is_valid()
    apply_error(form, ValidationFailed("The account is read-only."))
    assert form.non_field_errors() == ["The account is read-only."]


def test_saved_runs_the_service_once_for_a_valid_post_and_keeps_its_error():
    calls: list[dict[str, object]] = []

    def failing(data: dict[str, object]) -> None:
        calls.append(dict(data))  # the form drops a failed field from cleaned_data
        raise ValidationFailed.field("name", "Name taken.")

    post = RequestFactory().post("/", {"name": "x"})
    form = _NameForm(post.POST)
    assert saved(post, form, failing) is False
    assert calls == [{"name": "x"}]
    assert form.errors["name"] == ["Name taken."]

    get = RequestFactory().get("/")
    assert saved(get, _NameForm(), failing) is False
    assert len(calls) == 1
    assert saved(post, _NameForm(post.POST), lambda data: None) is True
