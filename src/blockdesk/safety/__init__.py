"""Wallet-secret safety: redact seed phrases and private keys from inbound messages
(`scan_inbound`) and block outbound messages that ask for them (`scan_outbound`).

Pure functions: no database, no network, nothing logged but failures without values.
"""

from blockdesk.safety.outbound_guard import (
    DEFAULT_PATTERNS,
    OutboundGuard,
    OutboundResult,
    RequestKind,
    scan_outbound,
)
from blockdesk.safety.secret_guard import (
    MARKERS,
    Finding,
    GuardResult,
    SecretKind,
    marker_label,
    scan_inbound,
    warning,
)

__all__ = [
    "DEFAULT_PATTERNS",
    "MARKERS",
    "Finding",
    "GuardResult",
    "OutboundGuard",
    "OutboundResult",
    "RequestKind",
    "SecretKind",
    "marker_label",
    "scan_inbound",
    "scan_outbound",
    "warning",
]
