"""The server raises its own open-files limit: one descriptor per WebSocket, and a soft
limit of 1,024 (systemd's default for services) would cap a node at about that many."""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from blockdesk.common.rlimits import raise_open_files_limit
from tests.support.live_server import (
    MANAGE,
    LiveServer,
    free_port,
    migrate,
    run_django,
    server_env,
    sqlite_url,
    wait_for_healthz,
)


def test_raise_open_files_limit_lifts_the_soft_limit_to_the_hard_one() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = 256 if hard == resource.RLIM_INFINITY else min(256, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))
    try:
        assert raise_open_files_limit() == (hard, hard)
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


SOCKETS = 300  # more than the soft limit the server is started with
START_SOFT = 200

SEED = f"""
import json
from blockdesk.accounts.models import Account
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.widget.services import do_start_visitor_session
account = Account.objects.create(name="Many Sockets")
channel = do_create_web_widget_inbox(account=account, name="Website", members=[])
tokens = [do_start_visitor_session(channel=channel, locale="en")[1] for _ in range({SOCKETS})]
print(json.dumps({{"public": channel.public_token, "tokens": tokens}}))
"""


def _low_soft_limit() -> None:  # runs in the child before exec
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (START_SOFT, hard))


def _soft_limit_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no open-files line")


async def _open_all(server: LiveServer, public: str, tokens: list[str]) -> int:
    sem = asyncio.Semaphore(50)
    sockets = []

    async def one(token: str) -> None:
        async with sem:
            ws = await connect(
                server.ws_url(f"/ws/widget/{public}/"),
                origin=server.origin,  # type: ignore[arg-type]
                open_timeout=30,
                ping_interval=None,
            )
            sockets.append(ws)
            await ws.send(json.dumps({"type": "auth", "token": token}))
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            assert frame["type"] == "ready", frame

    try:
        await asyncio.gather(*(one(t) for t in tokens))
        return len(sockets)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


@pytest.mark.slow
@pytest.mark.embedded_only
@pytest.mark.timeout(600)
def test_server_started_with_a_low_soft_limit_holds_more_sockets_than_it(tmp_path: Path) -> None:
    env = server_env(database_url=sqlite_url(tmp_path / "db.sqlite3"), data_dir=tmp_path)
    migrate(env)
    seeded = json.loads(run_django(env, SEED, timeout=300).strip().splitlines()[-1])
    port = free_port()
    env = {**env, "BLOCKDESK_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "serve", "--no-worker", "--port", str(port)],
            env=env,
            cwd=MANAGE.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_low_soft_limit,
        )
    server = LiveServer(host="127.0.0.1", port=port, process=process, log_path=log_path, env=env)
    try:
        wait_for_healthz(server, timeout=60)
        assert _soft_limit_of(process.pid) == resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        opened = asyncio.run(_open_all(server, seeded["public"], seeded["tokens"]))
        assert opened == SOCKETS
    finally:
        server.stop()
