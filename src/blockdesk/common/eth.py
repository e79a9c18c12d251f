"""eth_account, imported without its side effect on the interpreter.

eth_account imports py_ecc, whose package `__init__` raises the recursion limit to
100,000 for the whole process. C code that recurses per nesting level (json.loads, repr,
pickle) then overflows a thread's stack and kills the server (SIGSEGV) before any
RecursionError. Every module that needs eth_account imports it from here; the limit is put
back as soon as the import is done. What Blockdesk uses (secp256k1 signing and recovery via
eth_keys) does not recurse deeply, so the default limit is enough.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger(__name__)

# CPython's default. Raising it only moves the crash from RecursionError to the C stack.
DEFAULT_RECURSION_LIMIT = 1000
# Above this, a thread's C stack (8 MiB by default) may overflow before RecursionError.
MAX_SAFE_RECURSION_LIMIT = 5000


def ensure_safe_recursion_limit() -> int:
    """Lowers a recursion limit that some import raised past the safe bound; returns the
    limit in force. Called once at the server's start-up (asgi.py)."""
    limit = sys.getrecursionlimit()
    if limit > MAX_SAFE_RECURSION_LIMIT:
        logger.warning(
            "The recursion limit was raised to %d (by an imported library); reset to %d.",
            limit,
            DEFAULT_RECURSION_LIMIT,
        )
        sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
        return DEFAULT_RECURSION_LIMIT
    return limit


_limit_before = sys.getrecursionlimit()
try:
    from eth_account import Account
    from eth_account.messages import encode_defunct
    from eth_account.signers.local import LocalAccount
    from eth_keys.exceptions import BadSignature
finally:
    # Back to what the host process had: a tool that imports this module (mypy's Django
    # plugin raises its own limit on purpose) keeps its limit; the server checks at start-up.
    sys.setrecursionlimit(_limit_before)

__all__ = [
    "DEFAULT_RECURSION_LIMIT",
    "Account",
    "BadSignature",
    "LocalAccount",
    "encode_defunct",
    "ensure_safe_recursion_limit",
]
