"""Shared fixtures. The suite runs against SQLite by default and against PostgreSQL
when DATABASE_URL points there (`make test` runs both)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations.models import Contact
from tests.support import fast_flush

fast_flush.install()

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery-9"


# Fixtures that reach the database; a test with none of them (and no service marker) gives
# the same result on either database.
_DB_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)


def pytest_configure(config: pytest.Config) -> None:
    """This process imports blockdesk.asgi to drive it, but is no server: its collector
    keeps its usual behaviour (every test's objects die in cycles and would stay if a
    full collection froze them; common/collector.py). Servers the tests start, and
    tests/common/test_collector.py's interpreters, have the policy as configured."""
    from django.conf import settings

    settings.GC_FREEZE_SURVIVORS = False


# Live-server and browser tests start servers on the configured database: marked slow/browser.
_SERVICE_MARKERS = frozenset({"django_db", "postgres", "redis", "browser", "slow"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With BLOCKDESK_TEST_DB_ONLY=1 (make test's PostgreSQL pass) run only the tests that
    touch the database or a service: the pure ones already ran in the SQLite pass. With
    BLOCKDESK_TEST_PASS=sqlite (make test's SQLite pass, run beside the PostgreSQL one)
    leave out the `postgres_pass` tests: that pass runs them."""
    if os.environ.get("BLOCKDESK_TEST_PASS") == "sqlite":
        paired = {i for i in items if i.get_closest_marker("postgres_pass")}
        if paired:
            config.hook.pytest_deselected(items=list(paired))
            items[:] = [i for i in items if i not in paired]
    if os.environ.get("BLOCKDESK_TEST_DB_ONLY") != "1":
        return
    keep: list[pytest.Item] = []
    pure: list[pytest.Item] = []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        markers = {m.name for m in item.iter_markers()}
        if "embedded_only" in markers:
            pure.append(item)
            continue
        needs = bool(fixtures & _DB_FIXTURES) or bool(markers & _SERVICE_MARKERS)
        (keep if needs else pure).append(item)
    if pure:
        config.hook.pytest_deselected(items=pure)
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Each test process's database starts as a copy of one migrated once per set of
    migrations (tests/support/test_databases.py), where each xdist worker spent a minute
    or more migrating its own."""
    from tests.support import test_databases

    test_databases.use_migrated_template()


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A plain `pytest` run must not write KB indexes, assistant models, mail or uploads into
    the developer's var/, where `make run`'s server reads them (scripts/run-tests.sh gives
    each pass its own BLOCKDESK_DATA_DIR instead). These paths are read at use time."""
    if os.environ.get("BLOCKDESK_DATA_DIR"):
        yield
        return
    root = tmp_path_factory.mktemp("data")
    with override_settings(
        DATA_DIR=root, MEDIA_ROOT=root / "media", EMAIL_FILE_PATH=str(root / "mail")
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache_namespace() -> Iterator[None]:
    """Each test starts with empty rate-limit counters and cached values, without
    `cache.clear()` (on Redis that would flush what other processes use): a key prefix of
    its own. A worker runs many tests in one process, and ids repeat across tests, so a
    counter such as "posts by member 4 this hour" would otherwise carry over."""
    import uuid

    from django.conf import settings as django_settings

    default = dict(django_settings.CACHES["default"])
    default["KEY_PREFIX"] = f"{default.get('KEY_PREFIX', '')}t{uuid.uuid4().hex[:10]}"
    with override_settings(CACHES={**django_settings.CACHES, "default": default}):
        yield


@pytest.fixture
def steady_rate_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits count in fixed windows (a minute, an hour): a test that makes limit + 1
    requests sees the last one counted afresh whenever the wall clock crosses a window's
    end between them (a flake seen in CI). With this fixture the limiter's clock stands
    still in the middle of a window. Only for tests that do not mix the limiter's clock
    with another module's (a lock's end, a bucket computed by the test)."""
    from types import SimpleNamespace

    from blockdesk.common import ratelimit

    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request through the test client leaves
    the language its LocaleMiddleware chose active in the thread, and with the suite spread
    over workers a Chinese page could make the next test in that worker speak Chinese."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher() -> Iterator[None]:
    """One PBKDF2 iteration instead of a million (tests/support/hashers.py): hashing was
    most of the CPU time of the database tests, and no test is about the iteration count."""
    with override_settings(
        PASSWORD_HASHERS=["tests.support.hashers.OneIterationPBKDF2PasswordHasher"]
    ):
        yield


def require_or_skip(condition: bool, reason: str) -> None:
    """Outside CI a missing service skips with a reason; in CI it fails."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def only_in_postgresql_pass() -> None:
    """For a test about PostgreSQL itself (row locks, snapshots, concurrent writers). make test
    runs every database test twice, on SQLite and on PostgreSQL: on SQLite such a test skips,
    in CI too, because the PostgreSQL pass (which CI requires) runs it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-only: runs in make test's PostgreSQL pass")


@pytest.fixture
def account(db: None) -> Account:
    return Account.objects.create(name="Test Exchange")


@pytest.fixture
def other_account(db: None) -> Account:
    return Account.objects.create(name="Other Exchange")


@pytest.fixture
def admin_user(account: Account) -> User:
    return do_create_agent(
        account=account,
        username="root",
        email="root@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )


@pytest.fixture
def agent(account: Account) -> User:
    return do_create_agent(
        account=account, username="alice", email="alice@example.com", password=PASSWORD
    )


@pytest.fixture
def outsider(account: Account) -> User:
    """An agent of the same account with no access to the test inbox."""
    return do_create_agent(
        account=account, username="bob", email="bob@example.com", password=PASSWORD
    )


@pytest.fixture
def channel(account: Account, agent: User) -> WebWidgetChannel:
    return do_create_web_widget_inbox(account=account, name="Website", members=[agent])


@pytest.fixture
def contact(account: Account) -> Contact:
    return Contact.objects.create(account=account, name="Carol", email="carol@example.com")


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Path, settings: object) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    yield
