"""The test suite's flush (tests/support/fast_flush.py) keeps content types and permissions
and skips `post_migrate` only while no test changed them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models.signals import post_migrate

from blockdesk.accounts.models import Account

pytestmark = pytest.mark.django_db(transaction=True)


def _flush() -> int:
    """Flushes as a transactional test's end does; returns how many apps got post_migrate."""
    sent: list[object] = []

    def count(sender: object, **kwargs: object) -> None:
        sent.append(sender)

    post_migrate.connect(count)
    try:
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    finally:
        post_migrate.disconnect(count)
    return len(sent)


def test_an_untouched_flush_keeps_the_types_and_sends_no_post_migrate() -> None:
    _flush()  # whatever the tests before left
    permissions = set(Permission.objects.values_list("pk", flat=True))
    Account.objects.create(name="Gone after the flush")
    assert _flush() == 0
    assert not Account.objects.exists()
    assert set(Permission.objects.values_list("pk", flat=True)) == permissions


def test_a_test_that_changed_them_gets_djangos_own_end() -> None:
    _flush()
    model = ContentType.objects.get(app_label="accounts", model="account")
    Permission.objects.filter(content_type=model).delete()
    Permission.objects.create(content_type=model, codename="stray", name="A stray one")
    assert _flush() > 0
    # Emptied and written anew, as Django's flush does: new rows, the stray one gone.
    account_type = ContentType.objects.get(app_label="accounts", model="account")
    assert account_type.pk != model.pk
    codenames = Permission.objects.filter(content_type=account_type)
    assert set(codenames.values_list("codename", flat=True)) == {
        f"{verb}_account" for verb in ("add", "change", "delete", "view")
    }
