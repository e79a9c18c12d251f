"""Forum test helpers: an isolated cache (rate-limit counters), categories, members at a
given trust level and signed-in clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from blockdesk.accounts.models import Account
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import levels, services
from blockdesk.forum.models import Category, MemberStats, Question
from tests.customers.conftest import make_customer, signed_in_client


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"forum-tests-{uuid.uuid4().hex}",
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KB_LANGUAGES = ["en", "zh-hans"]
    yield


@pytest.fixture
def category(account: Account) -> Category:
    return services.do_create_category(
        account_id=account.pk, language="en", slug="deposits", name="Deposits"
    )


_counter = iter(range(1, 10**6))


def member(account: Account, level: int = 0, name: str = "") -> CustomerAccount:
    n = next(_counter)
    customer = make_customer(account, email=f"m{n}@example.com", name=name or f"member {n}")
    reputation = 0 if level == 0 else levels.THRESHOLDS[levels.Level(level)]
    MemberStats.objects.update_or_create(
        member=customer,
        defaults={"account_id": account.pk, "reputation": reputation, "trust_level": level},
    )
    return customer


def client_for(customer: CustomerAccount) -> Client:
    return signed_in_client(customer)


def ask(author: CustomerAccount, category: Category, title: str = "", body: str = "") -> Question:
    return services.do_ask(
        author=author,
        category=category,
        title=title or "My deposit has not arrived yet",
        body=body or "I sent USDT on Tron two hours ago and it is not in my balance.",
    )
