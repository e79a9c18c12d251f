"""Admin-edited synonym groups: writes, reads, and the source the search engine polls.

The search keeps one synonym table per process (kb.search.synonyms); a write drops it after
commit, and other processes pick the change up within RELOAD_SECONDS.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.kb.models import Synonym
from blockdesk.kb.models.synonym import TERMS_SEPARATOR
from blockdesk.kb.search.synonyms import invalidate_synonyms

MAX_TERMS = 30
MAX_TERM_LENGTH = 60
# Latin and CJK list separators: admins type "充值，deposit、top up" as readily as commas.
_SPLIT = re.compile(r"[,，、;；\n]+")


def parse_terms(raw: str) -> list[str]:
    """Distinct terms in the order given, whitespace collapsed, case kept for display."""
    seen: dict[str, str] = {}
    for part in _SPLIT.split(raw or ""):
        term = " ".join(part.split())
        if term and term.casefold() not in seen:
            seen[term.casefold()] = term
    return list(seen.values())


def check_synonym_admin(*, actor: User) -> None:
    if not actor.is_account_admin:
        raise Forbidden()


def check_terms(raw: str) -> str:
    terms = parse_terms(raw)
    if len(terms) < 2:
        raise ValidationFailed.field("terms", _("Enter at least two terms, separated by commas."))
    if len(terms) > MAX_TERMS:
        raise ValidationFailed.field(
            "terms", _("A group can have at most %(n)d terms.") % {"n": MAX_TERMS}
        )
    if any(len(t) > MAX_TERM_LENGTH for t in terms):
        raise ValidationFailed.field(
            "terms", _("Each term can be at most %(n)d characters long.") % {"n": MAX_TERM_LENGTH}
        )
    return TERMS_SEPARATOR.join(terms)


def _save(synonym: Synonym) -> None:
    try:
        synonym.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    with transaction.atomic():
        synonym.save()
        transaction.on_commit(invalidate_synonyms)


def account_synonyms(*, actor: User) -> QuerySet[Synonym]:
    return Synonym.objects.filter(account_id=actor.account_pk)


def get_synonym(*, actor: User, synonym_id: int) -> Synonym:
    synonym = account_synonyms(actor=actor).filter(pk=synonym_id).first()
    if synonym is None:
        raise NotFound()
    return synonym


def do_create_synonym(*, actor: User, terms: str) -> Synonym:
    check_synonym_admin(actor=actor)
    synonym = Synonym(account_id=actor.account_pk, terms=check_terms(terms))
    _save(synonym)
    return synonym


def do_update_synonym(*, actor: User, synonym: Synonym, terms: str) -> Synonym:
    check_synonym_admin(actor=actor)
    if synonym.account_id != actor.account_pk:
        raise NotFound()
    synonym.terms = check_terms(terms)
    _save(synonym)
    return synonym


def do_delete_synonym(*, actor: User, synonym: Synonym) -> None:
    check_synonym_admin(actor=actor)
    if synonym.account_id != actor.account_pk:
        raise NotFound()
    with transaction.atomic():
        synonym.delete()
        transaction.on_commit(invalidate_synonyms)


def synonym_groups() -> list[list[str]]:
    """Every stored group, for kb.search.synonyms. The search table is installation-wide
    (the engine has no account parameter), so groups of every account apply."""
    return [
        [t.strip() for t in terms.split(",") if t.strip()]
        for terms in Synonym.objects.values_list("terms", flat=True)
    ]
