"""The demo data loads and shows every forum feature."""

from __future__ import annotations

from django.test import Client

from blockdesk.accounts.models import Account, User
from blockdesk.demo import seed_forum
from blockdesk.forum import selectors
from blockdesk.forum.models import Answer, Question
from blockdesk.forum.models.posts import Status
from blockdesk.trust.models import OfficialChannel


def test_demo_seed(account: Account, agent: User) -> None:
    OfficialChannel.objects.create(
        account=account,
        kind="domain",
        value="demo-exchange.example",
        display="demo-exchange.example",
    )
    seed_forum.seed(account=account, agent=agent)
    assert Question.objects.filter(accepted_answer__isnull=False).exists()
    assert Answer.objects.filter(agent=agent).exists()
    assert Answer.objects.filter(status=Status.HELD).exists()
    assert selectors.leaderboard(account_id=account.pk, period="week")
    assert "充值" in Client().get("/community/zh-hans/").content.decode()
