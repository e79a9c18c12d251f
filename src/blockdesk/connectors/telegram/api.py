"""The Bot API, through python-telegram-bot's `Bot` (docs/telegram.md says why that
library), called from synchronous code: the webhook view, the delivery task, the polling
loop. Each call gets its own short-lived `Bot` and event loop, so nothing is shared
between threads or loops. `TELEGRAM_API_BASE_URL` points it elsewhere (a local Bot API
server, or the tests' stand-in)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from django.conf import settings
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

T = TypeVar("T")

# PTB 22.x warns, when it builds a RetryAfter, that retry_after becomes a timedelta in a
# future major version; `_seconds` reads either.
warnings.filterwarnings("ignore", message=r".*retry_after.*", module=r"telegram\..*")

__all__ = [
    "ApiFailure",
    "BadRequest",
    "Bot",
    "Forbidden",
    "call",
    "failure_of",
]


class ApiFailure(Exception):
    """A Bot API call failed. `retryable`: worth trying again (network, 5xx, 429);
    `retry_after`: Telegram's own wait in seconds. The message never holds the token."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason[:300]
        self.retryable = retryable
        self.retry_after = retry_after


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def failure_of(exc: TelegramError) -> ApiFailure:
    if isinstance(exc, RetryAfter):
        wait = _seconds(exc.retry_after)
        return ApiFailure(f"Telegram 429: retry after {wait:g} s", retryable=True, retry_after=wait)
    if isinstance(exc, InvalidToken):
        return ApiFailure("Telegram: the bot token was refused", retryable=False)
    if isinstance(exc, TimedOut | NetworkError) and not isinstance(exc, BadRequest):
        # NetworkError also covers Telegram's 5xx answers (PTB maps them so).
        return ApiFailure(f"Telegram unreachable: {exc.message}", retryable=True)
    if isinstance(exc, Forbidden | BadRequest | ChatMigrated | Conflict):
        return ApiFailure(f"Telegram: {exc.message}", retryable=False)
    return ApiFailure(f"Telegram: {exc.message}", retryable=True)


def _bot(token: str, *, read_timeout: float) -> Bot:
    base = settings.TELEGRAM_API_BASE_URL.rstrip("/")
    timeout = settings.TELEGRAM_API_TIMEOUT
    return Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(
            connection_pool_size=2,
            connect_timeout=timeout,
            read_timeout=read_timeout,
            write_timeout=timeout,
            media_write_timeout=timeout * 4,
        ),
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=read_timeout),
    )


async def _run(token: str, work: Callable[[Bot], Awaitable[T]], read_timeout: float) -> T:
    bot = _bot(token, read_timeout=read_timeout)
    try:
        return await work(bot)
    finally:
        await bot.shutdown()


def call(
    token: str, work: Callable[[Bot], Awaitable[T]], *, read_timeout: float | None = None
) -> T:
    """Runs `work(bot)` to completion; raises ApiFailure for any Bot API error."""
    timeout = read_timeout if read_timeout is not None else settings.TELEGRAM_API_TIMEOUT
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    try:
        if not in_loop:
            return asyncio.run(_run(token, work, timeout))
        # Called from a thread that runs a loop (an async caller): another thread's loop.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, _run(token, work, timeout)).result()
    except TelegramError as exc:
        raise failure_of(exc) from None
