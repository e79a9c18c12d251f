"""EMAIL_URL parsing: every transport, decoding, defaults and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from blockdesk.common.email_url import SMTP_BACKEND, EmailUrlError, parse_email_url

DEFAULT = Path("/data/mail")


def test_unset_writes_files_in_the_data_directory():
    assert parse_email_url("", default_dir=DEFAULT) == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/data/mail",
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp://relay.internal", 25, False, False),
        ("smtp+tls://relay.internal", 587, True, False),
        ("smtps://relay.internal", 465, False, True),
        ("smtp+ssl://relay.internal:2465", 2465, False, True),
    ],
)
def test_smtp_transports(url, port, tls, ssl):
    got = parse_email_url(url, default_dir=DEFAULT)
    assert got["EMAIL_BACKEND"] == SMTP_BACKEND and got["EMAIL_HOST"] == "relay.internal"
    assert (got["EMAIL_PORT"], got["EMAIL_USE_TLS"], got["EMAIL_USE_SSL"]) == (port, tls, ssl)
    assert got["EMAIL_TIMEOUT"] == 10.0


def test_credentials_are_url_decoded_and_timeout_is_read():
    got = parse_email_url(
        "smtp+tls://bot%40ex.com:p%40ss%2Fw0rd@mx.ex.com:587?timeout=3", default_dir=DEFAULT
    )
    assert (got["EMAIL_HOST_USER"], got["EMAIL_HOST_PASSWORD"]) == ("bot@ex.com", "p@ss/w0rd")
    assert got["EMAIL_TIMEOUT"] == 3.0


def test_console_and_file():
    assert parse_email_url("console://", default_dir=DEFAULT)["EMAIL_BACKEND"].endswith(
        "console.EmailBackend"
    )
    assert parse_email_url("file:///tmp/out", default_dir=DEFAULT)["EMAIL_FILE_PATH"] == "/tmp/out"


@pytest.mark.parametrize("url", ["http://x", "smtp://", "smtp://host:notaport"])
def test_bad_urls_say_what_is_wrong(url):
    with pytest.raises(EmailUrlError, match="EMAIL_URL"):
        parse_email_url(url, default_dir=DEFAULT)
