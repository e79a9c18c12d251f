"""CPU of the real-time pushes a process without a server loop makes on the scale-out
channel layer (Redis): the task worker, where the assistant's replies are written from.

    .venv/bin/python bench/worker_push_cpu.py [--redis redis://127.0.0.1:6379/14] [--pushes 200]

Each push is one message's: the inbox's group and the customer's, as `publish_on_commit`
sends them, from a plain thread with no running loop, a pause between pushes so that each
is its own burst. Prints the process CPU (every thread: the sender's and the publisher's
loop) and the wall time per push, and the Redis connections open at the end. Issue 17:
`async_to_sync` per group made a loop and a Redis connection per push (3.2 ms a message);
`common/realtime.py` now starts one loop thread of its own for such a process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    p.add_argument("--pushes", type=int, default=200)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bd-push-") as tmp:
        os.environ["BLOCKDESK_DATA_DIR"] = tmp
        os.environ["REDIS_URL"] = args.redis
        os.environ.setdefault("BLOCKDESK_SECRET_KEY", "bench-" + uuid.uuid4().hex)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")
        import django

        django.setup()
        import redis

        from blockdesk.common import realtime

        # (no flush before the publisher had a loop of its own: each push was sent at once)
        flush = getattr(realtime._publisher, "flush", lambda timeout: None)
        event = {"type": "message.created", "message": {"id": 1, "content": "x" * 400}}
        groups = ["inbox.1", "contact.1"]
        for _ in range(20):  # warm-up: the layer, the connection
            realtime._send(groups, event)
        flush(5)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.pushes):
            realtime._send(groups, event)
            time.sleep(0.001)
        flush(5)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall - args.pushes * 0.001
        clients = redis.Redis.from_url(args.redis).info("clients")["connected_clients"]
        print(
            f"per message's pushes (2 groups) from a loop-less thread: "
            f"{1000 * cpu / args.pushes:.2f} ms CPU, {1000 * wall / args.pushes:.2f} ms wall; "
            f"Redis clients connected: {clients}"
        )


if __name__ == "__main__":
    main()
