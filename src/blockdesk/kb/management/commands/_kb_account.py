from __future__ import annotations

from django.core.management.base import CommandError

from blockdesk.accounts.models import Account


def resolve_account(account_id: int | None) -> Account:
    """The given account, or the installation's first one (the help center's)."""
    qs = Account.objects.order_by("pk")
    account = qs.filter(pk=account_id).first() if account_id else qs.first()
    if account is None:
        raise CommandError("No such account." if account_id else "Create an account first.")
    return account
