"""Structured logs: one JSON object per line (`BLOCKDESK_LOG_FORMAT=json`).

A formatter only: the secret-redacting filters (`common/logfilters.py`, query strings
dropped) sit on the loggers and rewrite each record before any handler formats it, so
they apply to JSON lines exactly as to plain ones.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

# uvicorn's access line: '%s - "%s %s HTTP/%s" %d' with (client, method, path, version, status).
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            "thread": record.threadName,
        }
        if (
            record.name == "uvicorn.access"
            and isinstance(record.args, tuple)
            and len(record.args) == len(_ACCESS_FIELDS)
        ):
            body.update(zip(_ACCESS_FIELDS, record.args, strict=True))
        status = getattr(record, "status_code", None)
        if status is not None:  # django.request's records carry the response status
            body["status"] = status
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            body["stack"] = self.formatStack(record.stack_info)
        return json.dumps(body, ensure_ascii=False, default=str)
