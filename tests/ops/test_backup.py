"""`backup` while writes continue, `restore` into a fresh data directory: every
conversation, message and attachment of the copy is there, byte for byte."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support.live_server import MANAGE, REPO, migrate, run_django, server_env, sqlite_url

SEED = """
from blockdesk.accounts.models import Account
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations.models import Contact
account = Account.objects.create(name="Backup")
channel = do_create_web_widget_inbox(account=account, name="Site")
contact = Contact.objects.create(account=account, name="Carol")
print(channel.inbox.pk, contact.pk)
"""

WRITER = """
import sys, time
from django.core.files.uploadedfile import SimpleUploadedFile
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Inbox
inbox = Inbox.objects.get(pk={inbox})
contact = Contact.objects.get(pk={contact})
conversation = None
import pathlib
stop = pathlib.Path({stop!r})
deadline = time.monotonic() + 240
i = 0
while time.monotonic() < deadline and not stop.exists():
    files = []
    if i % 3 == 0:
        data = f"file {{i}}".encode()
        files = [SimpleUploadedFile(f"f{{i}}.txt", data, content_type="text/plain")]
    sent = services.do_send_contact_message(
        contact=contact, inbox=inbox, conversation=conversation if i % 10 else None,
        content=f"message {{i}}", attachments=files)
    conversation = sent.message.conversation
    i += 1
print(i)
"""

REPORT = """
import hashlib, json
from blockdesk.conversations.models import Attachment, Conversation, Message
out = {
    "conversations": sorted(Conversation.objects.values_list("pk", flat=True)),
    "messages": {m.pk: m.content for m in Message.objects.all()},
    "attachments": {},
}
for att in Attachment.objects.all():
    with att.file.open("rb") as fh:
        out["attachments"][att.pk] = [att.message_id, fh.read().decode()]
print(json.dumps(out))
"""


def _message_count(db) -> int:
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return raw.execute("SELECT count(*) FROM conversations_message").fetchone()[0]
    finally:
        raw.close()


def _wait_for_messages(db, n: int) -> None:
    deadline = time.monotonic() + 180
    while _message_count(db) < n:
        assert time.monotonic() < deadline, "the writer wrote nothing"
        time.sleep(0.5)


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.embedded_only
@pytest.mark.timeout(600)
def test_backup_while_writing_then_restore_elsewhere(tmp_path):
    live = tmp_path / "live"
    env = server_env(database_url=sqlite_url(live / "db.sqlite3"), data_dir=live)
    migrate(env)
    inbox, contact = run_django(env, SEED).split()
    stop = tmp_path / "stop-writing"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django\ndjango.setup()\n"
            + WRITER.format(inbox=inbox, contact=contact, stop=str(stop)),
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_messages(live / "db.sqlite3", 20)
        backup = _manage(env, "backup", "--output", str(tmp_path / "backup"))
        assert backup.returncode == 0, backup.stderr
        assert writer.poll() is None, "the writer must still be writing during the backup"
        before = _message_count(live / "db.sqlite3")
        _wait_for_messages(live / "db.sqlite3", before + 3)
    finally:
        stop.touch()
        _out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["counts"]["conversations_message"] > 0
    assert manifest["counts"]["conversations_attachment"] > 0

    fresh = tmp_path / "fresh"
    env2 = server_env(database_url=sqlite_url(fresh / "db.sqlite3"), data_dir=fresh)
    env2.pop("BLOCKDESK_SECRET_KEY")  # the restored install uses the backed-up key
    restore = _manage(env2, "restore", str(tmp_path / "backup"))
    assert restore.returncode == 0, restore.stderr
    restored = json.loads(run_django(env2, REPORT).strip().splitlines()[-1])
    original = json.loads(run_django(env, REPORT).strip().splitlines()[-1])

    counts = manifest["counts"]
    assert len(restored["conversations"]) == counts["conversations_conversation"]
    assert len(restored["messages"]) == counts["conversations_message"]
    assert len(restored["attachments"]) == counts["conversations_attachment"]
    # The copy is a prefix of what the live install holds now: nothing invented, nothing
    # half-written, and each attachment's bytes are there.
    assert set(restored["conversations"]) <= set(original["conversations"])
    for pk, content in restored["messages"].items():
        assert original["messages"][pk] == content
    for pk, (message_id, data) in restored["attachments"].items():
        assert original["attachments"][pk] == [message_id, data]
        assert str(message_id) in restored["messages"]
    assert len(original["messages"]) > len(restored["messages"])  # writes went on

    # A damaged backup is refused.
    (tmp_path / "backup" / "blockdesk.sqlite3").write_bytes(b"broken")
    again = _manage(env2, "restore", "--force", str(tmp_path / "backup"))
    assert again.returncode != 0 and "damaged" in again.stderr
