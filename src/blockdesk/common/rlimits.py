"""The server's open-files limit. Every WebSocket (and every HTTP keep-alive connection)
holds one descriptor, so the limit caps the sockets a node can hold. Many systems start
processes with a soft limit of 1,024 (systemd's default for services) under a much higher
hard one: a server left there refuses connections past ~1,000 sockets (`accept()` fails
with EMFILE and uvicorn stops accepting for a while). A process may raise its own soft
limit up to the hard one, as nginx's `worker_rlimit_nofile` and Go's runtime do."""

from __future__ import annotations

import logging
import resource

logger = logging.getLogger(__name__)

# Below this, warn: a few thousand sockets is an ordinary day for a busy widget.
LOW_OPEN_FILES = 16_384


def raise_open_files_limit() -> tuple[int, int]:
    """Raises this process's soft RLIMIT_NOFILE to its hard limit; returns (soft, hard).
    Children (uvicorn's workers, the task worker) inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):  # e.g. an unlimited hard limit the kernel refuses
            logger.warning("could not raise the open-files limit from %s to %s", soft, hard)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < LOW_OPEN_FILES:
        logger.warning(
            "open-files limit is %s: each WebSocket holds one, so this node refuses "
            "connections past about that many; raise the hard limit (ulimit -Hn, "
            "systemd LimitNOFILE=, docker --ulimit nofile=)",
            soft,
        )
    return soft, hard
