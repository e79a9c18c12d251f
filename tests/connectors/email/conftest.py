"""Fixtures of the email channel's tests: an email inbox, a REAL SMTP server on loopback
(aiosmtpd) and a REAL IMAP server (Dovecot from Debian, scripts/ensure-dovecot.sh) started
per test module in a temporary directory on a free loopback port, with a passwd-file user."""

from __future__ import annotations

import email
import email.policy
import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from blockdesk.accounts.models import Account, User
from blockdesk.common.email_url import SMTP_BACKEND
from blockdesk.connectors.email.models import EmailChannel
from blockdesk.connectors.email.services import do_create_email_inbox
from tests.conftest import require_or_skip
from tests.support.live_server import free_port, fresh_cache_namespace

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_USER = "support@demo-exchange.example"
IMAP_PASSWORD = "imap-test-password-1"


class Mailbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse_with: str | None = None  # e.g. "451 try later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Demo Support <support@demo-exchange.example>"
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _email_settings(settings: Any) -> None:
    fresh_cache_namespace(settings)  # the per-sender storm counter starts at zero
    settings.EMAIL_ALLOW_PRIVATE_HOSTS = True


@pytest.fixture
def email_channel(account: Account, agent: User) -> EmailChannel:
    return do_create_email_inbox(
        account=account,
        name="Support mail",
        members=[agent],
        from_address="support@demo-exchange.example",
        from_name="Demo Exchange Support",
        signature="Demo Exchange · support team",
    )


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    root: Path


def _dovecot_config(root: Path, port: int) -> str:
    if os.geteuid() == 0:
        # Dovecot refuses to run its login processes as root: its own service users.
        login, internal, group = "dovenull", "dovecot", "dovecot"
        uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    else:  # unprivileged: everything runs as the test's user
        login = internal = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        uid, gid = os.geteuid(), os.getegid()
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = blockdesk-test-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {group}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    require_or_skip(
        Path(DOVECOT).exists(), "Dovecot is not installed (bash scripts/ensure-dovecot.sh)"
    )
    # Not under pytest's private tmp (0700): Dovecot's own users must reach the mail dir.
    root = Path(tempfile.mkdtemp(prefix="blockdesk-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    (root / "mail").mkdir()
    (root / "dovecot.conf").write_text(_dovecot_config(root, port))
    (root / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    if os.geteuid() == 0:
        shutil.chown(root / "mail", "dovecot", "dovecot")
    conf = str(root / "dovecot.conf")
    # The daemon keeps inherited pipes open: its output goes to a file, not a pipe.
    with (root / "start.log").open("w") as out:
        started = subprocess.run(
            [DOVECOT, "-c", conf], stdout=out, stderr=subprocess.STDOUT, timeout=30
        )
    start_log = (root / "start.log").read_text()[-300:]
    require_or_skip(started.returncode == 0, f"Dovecot did not start: {start_log}")
    try:
        deadline = time.monotonic() + 15
        import socket

        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"Dovecot did not answer on port {port}: {log[-500:]}")
            time.sleep(0.1)
        yield Dovecot("127.0.0.1", port, IMAP_USER, IMAP_PASSWORD, root)
    finally:
        subprocess.run(
            [DOVECOT, "-c", conf, "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
        shutil.rmtree(root, ignore_errors=True)
