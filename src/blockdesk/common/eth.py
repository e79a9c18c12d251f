"""eth_account, imported without its side effect on the interpreter.

eth_account imports py_ecc, whose package `__init__` raises the recursion limit to
100,000 for the whole process. C code that recurses per nesting level (json.loads, repr,
pickle) then overflows a thread's stack and kills the server (SIGSEGV) before any
RecursionError. Every module that needs eth_account reads it from here (`eth.Account`, at
call time); the limit is put back as soon as the import is done. What Blockdesk uses
(secp256k1 signing and recovery via eth_keys) does not recurse deeply, so the default
limit is enough.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import TYPE_CHECKING, Any

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


_EXPORTS = {
    "Account": ("eth_account", "Account"),
    "encode_defunct": ("eth_account.messages", "encode_defunct"),
    "LocalAccount": ("eth_account.signers.local", "LocalAccount"),
    "BadSignature": ("eth_keys.exceptions", "BadSignature"),
}

if TYPE_CHECKING:
    from eth_account import Account
    from eth_account.messages import encode_defunct
    from eth_account.signers.local import LocalAccount
    from eth_keys.exceptions import BadSignature


def __getattr__(name: str) -> Any:
    """eth_account on first use (PEP 562), not at start-up: with its dependencies it weighs
    ~40 MB, and most web workers never verify a signature (docs/benchmarks.md, "Memory")."""
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    limit_before = sys.getrecursionlimit()
    try:
        value = getattr(importlib.import_module(target[0]), target[1])
    finally:
        # Back to what the host process had: a tool that imports this module (mypy's Django
        # plugin raises its own limit on purpose) keeps its limit; the server checks at
        # start-up.
        sys.setrecursionlimit(limit_before)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_RECURSION_LIMIT",
    "Account",
    "BadSignature",
    "LocalAccount",
    "encode_defunct",
    "ensure_safe_recursion_limit",
]
