"""Fixtures of the Telegram channel's tests: the Bot API stand-in on loopback
(standin.py: the real Telegram cannot be reached from here) and a Telegram inbox whose
bot was checked against it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from blockdesk.accounts.models import Account, User
from blockdesk.connectors.telegram.models import TelegramChannel
from blockdesk.connectors.telegram.services import do_create_telegram_inbox
from tests.support.live_server import fresh_cache_namespace

from .standin import TOKEN, BotApiStandIn

__all__ = ["TOKEN"]


@pytest.fixture
def bot_api(settings: Any) -> Iterator[BotApiStandIn]:
    api = BotApiStandIn(TOKEN).start()
    settings.TELEGRAM_API_BASE_URL = api.base_url
    settings.TELEGRAM_API_TIMEOUT = 5
    fresh_cache_namespace(settings)
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def tg_channel(account: Account, agent: User, bot_api: BotApiStandIn) -> TelegramChannel:
    return do_create_telegram_inbox(
        account=account, name="Telegram", members=[agent], bot_token=TOKEN, mode="webhook"
    )
