"""`make run`'s demo shows shared knowledge: the demo exchange follows a partner's feed."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from blockdesk.accounts.models import Account
from blockdesk.peering.models import Publisher, ReceivedItem, Subscription
from blockdesk.trust import selectors as trust_selectors

pytestmark = pytest.mark.slow


@pytest.mark.django_db
def test_the_demo_follows_a_trusted_partner_and_publishes_its_own_feed() -> None:
    call_command("seed_demo", verbosity=0)
    demo = Account.objects.get(name="Blockdesk Demo Exchange")
    sub = Subscription.objects.get(account=demo)
    assert sub.status == "active" and sub.trusted and sub.cursor > 0
    pending = ReceivedItem.objects.filter(account=demo, state="pending")
    assert [i.item_type for i in pending] == ["kb.article"]
    result = trust_selectors.check_value(
        account_id=demo.pk, value="https://blockdesk-wallet-restore.example/"
    )
    assert result.verdict == "no" and result.reported is not None
    assert result.reported.source == "Demo Partner Wallet"
    own = Publisher.objects.get(account=demo)
    assert own.enabled and own.entries.filter(item_type="kb.article").count() == 3
