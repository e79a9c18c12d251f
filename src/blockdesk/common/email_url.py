"""``EMAIL_URL`` to Django email settings. One variable names the transport:

- ``smtp://user:password@host:25`` plain SMTP (loopback relays)
- ``smtp+tls://user:password@host:587`` SMTP with STARTTLS
- ``smtps://user:password@host:465`` SMTP over TLS
- ``file:///path/to/dir`` one ``.eml`` file per message (the embedded default: ``var/mail``)
- ``console://`` printed to standard output (development only: it prints customer text)

User and password are URL-decoded, so ``%40`` stands for ``@``. The password lives only in
the environment, never in the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class EmailUrlError(ValueError):
    pass


def parse_email_url(url: str, *, default_dir: Path) -> dict[str, Any]:
    """Django settings (EMAIL_BACKEND, EMAIL_HOST, ...) for ``url``; raises EmailUrlError."""
    if not url.strip():
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(default_dir),
        }
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        path = unquote(parts.path) or str(default_dir)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": path,
        }
    if scheme not in ("smtp", "smtp+tls", "smtps", "smtp+ssl"):
        raise EmailUrlError(f"EMAIL_URL: unknown scheme {scheme!r}")
    if not parts.hostname:
        raise EmailUrlError("EMAIL_URL: no host")
    implicit_tls = scheme in ("smtps", "smtp+ssl")
    try:
        port = parts.port or (465 if implicit_tls else 587 if scheme == "smtp+tls" else 25)
    except ValueError as exc:
        raise EmailUrlError("EMAIL_URL: bad port") from exc
    query = parse_qs(parts.query)
    timeout = float(query.get("timeout", ["10"])[0])
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_TIMEOUT": timeout,
    }
