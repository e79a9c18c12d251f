"""Keep query strings out of the logs.

Public pages take what a customer typed in the query string (`/verify/?value=…`,
`/help/<lang>/search/?q=…`), and a customer in trouble may type a seed phrase there. The
request line of an access log would keep it on disk, so every request line and path in
these loggers is logged without its query string.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# "?" up to the end of the URL: whitespace or a quote closes a request line in a message.
_QUERY_RE = re.compile(r"\?[^\s\"']*")

# Loggers that print request lines or paths: uvicorn's access log (args: client, method,
# path with query, HTTP version, status), Django's development server and request errors.
LOGGERS = ("uvicorn.access", "django.server", "django.request", "django.security")


def strip_query(text: str) -> str:
    return _QUERY_RE.sub("", text)


def _clean(value: Any) -> Any:
    return strip_query(value) if isinstance(value, str) and "?" in value else value


class DropQueryStrings(logging.Filter):
    """Rewrites the record in place (message and arguments) and always lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = strip_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _clean(arg) for key, arg in record.args.items()}
        return True


_FILTER = DropQueryStrings()


def install() -> None:
    """Attach the filter to every logger above; idempotent.

    Done in code rather than in settings.LOGGING: naming `uvicorn.access` there would make
    Django's logging set-up (run again when uvicorn loads the ASGI app) remove uvicorn's
    own access handler. A logger's filters survive both configurations."""
    for name in LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
