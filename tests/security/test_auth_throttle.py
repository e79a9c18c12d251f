"""Wrong two-factor codes lock the agent's second step (whatever the address), and wrong
passwords are limited per username as well as per address. Counted in the shared cache:
LocMem on SQLite runs, Redis when REDIS_URL is set (the PostgreSQL pass)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client

from blockdesk.accounts.models import TotpDevice, User
from blockdesk.accounts.services import do_start_totp_enrolment
from tests.conftest import PASSWORD, require_or_skip
from tests.support.live_server import redis_available

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
SETUP = "/accounts/two-factor/setup/"


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    # Overrides tests/security/conftest.py's per-test LocMem cache: these tests run on the
    # configured cache, which is Redis in the PostgreSQL pass (REDIS_URL).
    yield


def _forget(user: User) -> None:
    pk = user.pk
    cache.delete_many([f"lock:2fa:{pk}", f"lf:2fa:{pk}", f"lvl:2fa:{pk}"])


@pytest.fixture
def enrolled(agent: User) -> Iterator[tuple[User, pyotp.TOTP]]:
    device, _uri = do_start_totp_enrolment(user=agent)
    TotpDevice.objects.filter(pk=device.pk).update(confirmed=True)
    _forget(agent)
    yield agent, pyotp.TOTP(device.secret)
    _forget(agent)


def _password_step(client: Client, user: User, ip: str = "10.0.0.1") -> None:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_uses_the_shared_cache_backend(settings):
    # The PostgreSQL pass sets REDIS_URL: the throttle must then live in Redis.
    backend = settings.CACHES["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend == "django.core.cache.backends.redis.RedisCache"


def test_every_node_sees_the_lock(enrolled, settings, tmp_path):
    """The lock lives in Redis: another process (another node) refuses the agent too."""
    require_or_skip(redis_available(REDIS_URL), f"Redis is needed at {REDIS_URL}")
    prefix = f"bd2fa{uuid.uuid4().hex[:10]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    agent, _totp = enrolled
    client = Client()
    _password_step(client, agent)
    for _n in range(5):
        last = client.post(VERIFY, {"code": "000000"})
    assert last.status_code == 429
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        REDIS_URL=REDIS_URL,
        BLOCKDESK_REDIS_PREFIX=prefix,
        BLOCKDESK_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="blockdesk.settings",
    )
    code = (
        "import django; django.setup()\n"
        "from blockdesk.common.errors import RateLimited\n"
        "from blockdesk.common.ratelimit import check_lock\n"
        "try:\n"
        f"    check_lock(scope='2fa', key='{agent.pk}')\n"
        "except RateLimited as exc:\n"
        "    print('locked', exc.retry_after)\n"
        "else:\n"
        "    print('open')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    word, seconds = done.stdout.split()
    assert word == "locked" and 1 <= int(seconds) <= 60
    cache.delete_many([f"lock:2fa:{agent.pk}", f"lvl:2fa:{agent.pk}", f"lf:2fa:{agent.pk}"])


def test_five_wrong_codes_lock_the_second_step_from_any_address(enrolled, caplog):
    agent, totp = enrolled
    client = Client()
    _password_step(client, agent)
    caplog.set_level(logging.WARNING, logger="blockdesk.accounts.services")
    for n in range(4):
        response = client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR=f"10.1.0.{n}")
        assert response.status_code == 200
        assert "That code is not valid" in response.content.decode()
    fifth = client.post(VERIFY, {"code": "000001"}, REMOTE_ADDR="10.1.0.9")
    assert fifth.status_code == 429
    assert 1 <= int(fifth["Retry-After"]) <= 60
    assert "Try again in" in fifth.content.decode()

    # Locked for the agent: another session, another address, even the right code.
    other = Client()
    _password_step(other, agent, ip="192.0.2.77")
    refused = other.post(VERIFY, {"code": totp.now()}, REMOTE_ADDR="192.0.2.77")
    assert refused.status_code == 429
    assert "Try again in" in refused.content.decode()
    assert other.get("/app/")["Location"] == VERIFY  # still only half logged in
    assert other.get(VERIFY).status_code == 429  # the page says so before any code

    locks = [r for r in caplog.records if "two-factor locked" in r.getMessage()]
    assert len(locks) == 1
    message = locks[0].getMessage()
    assert str(agent.pk) in message and "10.1.0.9" in message
    assert "000001" not in message and "000000" not in message


def test_parallel_guesses_beyond_the_limit_are_never_checked(enrolled, monkeypatch):
    """A burst sent at once must not get every guess checked before the first failure is
    stored: each attempt takes its slot atomically before its code is looked at."""
    from blockdesk.accounts import services
    from blockdesk.common.errors import RateLimited

    agent, _totp = enrolled
    checked: list[str] = []
    lock = threading.Lock()

    def slow_wrong(*, user: User, code: str, confirm: bool = False) -> bool:
        with lock:
            checked.append(code)
        time.sleep(0.05)  # every guess of the burst is in flight at once
        return False

    monkeypatch.setattr(services, "verify_totp", slow_wrong)
    refused: list[int] = []
    barrier = threading.Barrier(40)

    def guess(n: int) -> None:
        barrier.wait()
        try:
            services.do_verify_second_factor(user=agent, code=f"{n:06d}", ip="198.51.100.7")
        except RateLimited:
            with lock:
                refused.append(n)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5 and len(refused) == 35
    with pytest.raises(RateLimited):
        services.check_two_factor_unlocked(user=agent)


def test_a_right_code_after_the_lock_expires_works(enrolled, settings):
    settings.TWO_FACTOR_LOCK_SECONDS = 1
    agent, totp = enrolled
    client = Client()
    _password_step(client, agent)
    for _n in range(5):
        client.post(VERIFY, {"code": "000000"})
    assert client.post(VERIFY, {"code": totp.now(), "next": "/app/"}).status_code == 429
    time.sleep(1.2)
    response = client.post(VERIFY, {"code": totp.now(), "next": "/app/"})
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert client.get("/app/").status_code == 200


def test_the_lock_grows_with_each_lock(enrolled, settings):
    settings.TWO_FACTOR_LOCK_SECONDS = 1
    agent, _totp = enrolled
    client = Client()
    _password_step(client, agent)
    for _n in range(5):
        first = client.post(VERIFY, {"code": "000000"})
    assert first.status_code == 429 and int(first["Retry-After"]) == 1
    time.sleep(1.2)
    for _n in range(5):
        second = client.post(VERIFY, {"code": "000000"})
    assert second.status_code == 429 and int(second["Retry-After"]) == 2


def test_a_right_code_before_the_limit_resets_the_count(enrolled):
    agent, totp = enrolled
    client = Client()
    _password_step(client, agent)
    for _n in range(4):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 200
    assert client.post(VERIFY, {"code": totp.now(), "next": "/app/"}).status_code == 302
    again = Client()
    _password_step(again, agent)
    for _n in range(4):
        assert again.post(VERIFY, {"code": "000000"}).status_code == 200


def test_the_setup_step_is_throttled_too(agent):
    _forget(agent)
    client = Client()
    response = client.post(LOGIN, {"username": agent.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(SETUP).status_code == 200
    try:
        for _n in range(4):
            assert client.post(SETUP, {"code": "000000"}).status_code == 200
        locked = client.post(SETUP, {"code": "000000"})
        assert locked.status_code == 429
        assert "Try again in" in locked.content.decode()
        secret = TotpDevice.objects.get(user=agent).secret
        refused = client.post(SETUP, {"code": pyotp.TOTP(secret).now()})
        assert refused.status_code == 429
        assert not TotpDevice.objects.get(user=agent).confirmed
        assert client.get(SETUP).status_code == 429
    finally:
        _forget(agent)


# --- passwords: per username as well as per address --------------------------------


@pytest.fixture
def user_window(settings) -> Iterator[None]:
    settings.LOGIN_USER_FAILURE_LIMIT = 3
    settings.LOGIN_USER_FAILURE_WINDOW = 8
    settings.LOGIN_RATE_LIMIT = 100
    yield


def _wait_for_a_fresh_window(window: int) -> None:
    # Fixed windows: start the test just after a boundary so it cannot straddle one.
    time.sleep(window - time.time() % window + 0.05)


def test_wrong_passwords_lock_the_username_from_any_address(agent, user_window, caplog):
    _wait_for_a_fresh_window(8)
    caplog.set_level(logging.WARNING, logger="blockdesk.accounts.services")
    for n in range(3):
        response = Client().post(
            LOGIN, {"username": "ALICE", "password": "nope"}, REMOTE_ADDR=f"10.9.0.{n}"
        )
        assert response.status_code == 400
    # Even the right password, from a new address, waits for the window to end.
    refused = Client().post(
        LOGIN, {"username": agent.username, "password": PASSWORD}, REMOTE_ADDR="10.9.1.1"
    )
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) <= 8
    assert "Try again in" in refused.content.decode()
    assert any("login refused for username 'alice'" in r.getMessage() for r in caplog.records)
    # By email it is the same account, so the same count.
    by_email = Client().post(LOGIN, {"username": agent.email, "password": PASSWORD})
    assert by_email.status_code == 429
    # Other agents are not affected.
    assert Client().post(LOGIN, {"username": "mallory", "password": "x"}).status_code == 400
    # Time-bound: the next window lets the agent in.
    _wait_for_a_fresh_window(8)
    ok = Client().post(LOGIN, {"username": agent.username, "password": PASSWORD})
    assert ok.status_code == 302


def test_the_per_address_limit_still_holds(agent, settings):
    settings.LOGIN_RATE_LIMIT = 3
    if time.time() % 60 > 57:
        _wait_for_a_fresh_window(60)
    ip = f"10.77.{int(time.time()) % 250}.{int(time.time() * 1000) % 250}"
    codes = [
        Client().post(LOGIN, {"username": f"u{n}", "password": "x"}, REMOTE_ADDR=ip).status_code
        for n in range(4)
    ]
    assert codes[:3] == [400, 400, 400] and codes[3] == 429
