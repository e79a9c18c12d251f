"""Texts kept per language ({"en": ..., "zh-hans": ...}): the customer's own, else the
installation's default, else any."""

from __future__ import annotations

from django.conf import settings


def pick_text(values: object, language: str | None) -> str:
    if not isinstance(values, dict) or not values:
        return ""
    for code in (language or "", (language or "").split("-")[0], settings.LANGUAGE_CODE, "en"):
        if code and isinstance(values.get(code), str):
            return str(values[code])
    first = next(iter(values.values()))
    return first if isinstance(first, str) else ""
