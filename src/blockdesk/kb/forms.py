from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.kb import selectors
from blockdesk.kb.services import TranslationInput


def _language_choices() -> list[tuple[str, str]]:
    return [(c, selectors.language_name(c)) for c in selectors.kb_languages()]


class TranslationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.CharField(
        label=_("Slug"),
        max_length=120,
        required=False,
        help_text=_("Part of the address. Changing it keeps the old address as a redirect."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences that answer the question directly."),
    )
    body = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "kb-markdown", "spellcheck": "true"}),
    )
    example_questions = forms.CharField(
        label=_("Example questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: how customers actually ask (helps search and the assistant)."),
    )

    def to_input(self) -> TranslationInput:
        d = self.cleaned_data
        return TranslationInput(
            title=d["title"],
            summary=d.get("summary") or "",
            body=d.get("body") or "",
            example_questions=tuple((d.get("example_questions") or "").splitlines()),
            slug=d.get("slug") or "",
        )


class NewArticleForm(TranslationForm):
    key = forms.CharField(
        label=_("Identifier"),
        max_length=80,
        help_text=_("Stable id shared by all languages, e.g. deposit-not-arrived."),
    )
    category = forms.ChoiceField(label=_("Category"))
    language = forms.ChoiceField(label=_("Language"))

    field_order = ["key", "category", "language", "title", "slug", "summary", "body"]

    def _set_choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_choices("category", categories)
        self._set_choices("language", _language_choices())


class ArticleSettingsForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    related = forms.CharField(
        label=_("Related articles"),
        required=False,
        help_text=_("Identifiers, separated by commas, in the order to show them."),
    )

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = categories

    def related_keys(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data.get("related", "").split(",") if k.strip()]


class AssetForm(forms.Form):
    file = forms.FileField(label=_("Image"), help_text=_("PNG, JPEG, GIF or WebP, up to 5 MB."))


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns: question,answer,language,category")
    )
