"""Blockdesk: a customer-support platform for crypto businesses."""

import sys

# httpx imports its command-line tool (rich, pygments, click: ~6 MB per process) whenever
# those happen to be installed; Blockdesk never runs that tool. A None entry makes httpx
# take its own "CLI not installed" branch (docs/benchmarks.md, "Memory"). Set before
# any module imports httpx; a process that imported it already keeps what it has.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
