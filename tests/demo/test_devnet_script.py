"""scripts/demo-devnet.sh, the part `make run` calls: starts, seeds and stops a real ganache
with its state under the data directory, and says in one line when it cannot run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import require_or_skip
from tests.support.evm_node import ganache_unavailable_reason
from tests.support.live_server import free_port, migrate, sqlite_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "demo-devnet.sh"


def script(command: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", str(SCRIPT), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def env_for(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {
        **env,
        "BLOCKDESK_DATA_DIR": str(tmp_path),
        "BLOCKDESK_DEVNET_PORT": str(port),
        "PY": sys.executable,
        **extra,
    }


def chain_id(port: int) -> int:
    body = httpx.post(
        f"http://127.0.0.1:{port}",
        json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        timeout=5,
    ).json()
    return int(body["result"], 16)


def test_switched_off_or_port_taken_it_says_so_in_one_line(tmp_path):
    port = free_port()
    off = script("start", env_for(tmp_path, port, BLOCKDESK_DEVNET="false"))
    assert off == "Demo devnet skipped (BLOCKDESK_DEVNET=false).\n"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        taken = script("start", env_for(tmp_path, port))
    if ganache_unavailable_reason() is None:
        assert taken == f"Demo devnet skipped: port {port} is in use (set BLOCKDESK_DEVNET_PORT).\n"
    else:
        assert taken.startswith("Demo devnet skipped: Node.js or ganache is missing")


def test_a_failed_switch_off_is_reported_and_does_not_stop_make_run(tmp_path):
    # A stand-in for the interpreter whose `seed_devnet --off` fails: the script must say so
    # (it used to swallow the error) and still exit 0, since the server works without it.
    failing = tmp_path / "python"
    failing.write_text(
        "#!/bin/sh\necho 'Traceback ...' >&2\necho 'CommandError: disk full' >&2\nexit 1\n"
    )
    failing.chmod(0o755)
    env = {**env_for(tmp_path, free_port(), BLOCKDESK_DEVNET="false"), "PY": str(failing)}
    done = subprocess.run(
        ["bash", str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout == "Demo devnet skipped (BLOCKDESK_DEVNET=false).\n"
    assert done.stderr == (
        "Warning: the demo devnet chain could not be switched off: CommandError: disk full\n"
    )


@pytest.mark.slow
@pytest.mark.embedded_only
def test_start_seeds_a_persistent_node_and_stop_ends_it(tmp_path):
    reason = ganache_unavailable_reason()
    require_or_skip(reason is None, reason or "")
    port = free_port()
    env = env_for(tmp_path, port)
    # The embedded database, copied from the suite's migrated template (a real `migrate`
    # costs ~30 s of CPU, minutes on a loaded CI machine), then the demo data.
    migrate({**env, "DATABASE_URL": sqlite_url(tmp_path / "blockdesk.sqlite3")})
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "seed_demo"], env=env, check=True, timeout=300
    )

    out = script("start", env)
    assert "Demo devnet seeded: 8 transactions sent" in out, out
    pid = int((tmp_path / "devnet" / "ganache.pid").read_text())
    assert chain_id(port) == 1337
    script("stop", env)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not (tmp_path / "devnet" / "ganache.pid").exists()

    # The chain state survived: nothing to send again.
    try:
        assert script("start", env) == "Demo devnet already seeded.\n"
    finally:
        script("stop", env)
    # Started without its node, the demo no longer lists a chain nobody answers on.
    off = script("start", {**env, "BLOCKDESK_DEVNET": "off"})
    assert off == (
        "Demo devnet skipped (BLOCKDESK_DEVNET=off).\n"
        "The demo devnet chain is switched off until its node runs.\n"
    )
