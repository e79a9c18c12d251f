"""Synonym groups edited by admins; search reads them as query expansion (see
kb.search.synonyms.set_synonym_source, wired in KbConfig.ready)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Stored joined by this separator; terms never contain a comma (the parser splits on them).
TERMS_SEPARATOR = ", "


class Synonym(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="kb_synonyms"
    )
    # Two or more terms, any languages mixed: "充值, deposit, top up".
    terms = models.TextField(_("terms"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["terms", "id"]
        constraints = [
            # A group of one term expands nothing.
            models.CheckConstraint(
                condition=models.Q(terms__contains=","), name="kb_synonym_two_terms"
            ),
        ]

    def __str__(self) -> str:
        return self.terms

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.split(",") if t.strip()]
