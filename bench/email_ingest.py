"""Email ingest: messages per second on one core, and an IMAP first sync of 10,000 mails.

    .venv/bin/python bench/email_ingest.py [--mails 2000] [--imap 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/email_ingest.py

A fresh database (temp SQLite file, or a new PostgreSQL database next to DATABASE_URL),
migrated. The mix: 60 % new threads from 1 in 5 distinct senders, 25 % replies carrying
our case token (threaded into their case), 10 % GBK-encoded Chinese, 5 % HTML-only with a
PNG attachment. "ingest" is `ingest_raw` end to end (parse, loops, authenticity, reply
extraction, secret guard, contact, case, message, events, receipt); CPU is this
process's (PostgreSQL's own CPU is not in it). The IMAP part starts a Dovecot on loopback
(as the tests do), appends the mails, then times `sync_mailbox` from empty with the peak
RSS of the process (skipped with a note when Dovecot is not installed).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]


def make_mails(n: int, conversation_ids: list[int]) -> list[bytes]:
    from email.message import EmailMessage

    from blockdesk.connectors.email import threading

    png = b"\x89PNG\r\n\x1a\n" + bytes(2000)
    mails = []
    for i in range(n):
        kind = i % 20
        msg = EmailMessage()
        msg["From"] = f"Customer {i % (n // 5 or 1)} <c{i % (n // 5 or 1)}@example.com>"
        msg["To"] = "support@bench.example"
        msg["Message-ID"] = f"<bench-{i}@example.com>"
        msg["Authentication-Results"] = (
            "mx.bench.example; spf=pass smtp.mailfrom=example.com; dkim=pass "
            "header.d=example.com; dmarc=pass header.from=example.com"
        )
        if kind < 12 or not conversation_ids:
            msg["Subject"] = f"Deposit {i} missing"
            msg.set_content(
                f"Hello, my USDT deposit {i} has not arrived after two hours.\n"
                "Network TRC20, amount 120.\n\nThanks\n-- \nCustomer"
            )
        elif kind < 17:
            cid = conversation_ids[i % len(conversation_ids)]
            ours = threading.message_id_for(conversation_id=cid, message_id=i, domain="bench")
            msg["Subject"] = "Re: Deposit missing"
            msg["In-Reply-To"] = ours
            msg["References"] = ours
            msg.set_content(
                "It arrived now, thank you!\n\nOn Mon, 1 Dec 2026 at 10:00, Support wrote:\n"
                "> Could you send the transaction hash?\n> Thanks\n"
            )
        elif kind < 19:
            msg["Subject"] = "充值未到账"
            msg.set_content("您好，我的充值还没有到账，请帮忙查一下。谢谢！", charset="gbk")
        else:
            msg["Subject"] = "Screenshot"
            msg.set_content("<p>See the <b>screenshot</b>.</p>", subtype="html")
            msg.add_attachment(png, maintype="image", subtype="png", filename="s.png")
        mails.append(msg.as_bytes())
    return mails


def child(n_mails: int, n_imap: int) -> None:
    import django

    django.setup()
    from django.db import connection

    from blockdesk.accounts.models import Account
    from blockdesk.connectors.email.ingest import ingest_raw
    from blockdesk.connectors.email.services import do_create_email_inbox
    from blockdesk.conversations.models import Conversation

    account = Account.objects.create(name="bench")
    channel = do_create_email_inbox(
        account=account, name="Mail", from_address="support@bench.example"
    )
    warm = make_mails(50, [])
    for data in warm:
        ingest_raw(channel=channel, raw=data.replace(b"bench-", b"warm-"))
    ids = list(Conversation.objects.values_list("pk", flat=True))
    mails = make_mails(n_mails, ids)
    statuses: dict[str, int] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    for data in mails:
        status = ingest_raw(channel=channel, raw=data).status
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"| ingest, {connection.vendor} | {n_mails} mails | {n_mails / wall:.0f} mails/s wall, "
        f"{cpu / n_mails * 1000:.2f} ms CPU per mail | {statuses} |"
    )
    if n_imap:
        imap_sync(account, n_imap)


def imap_sync(account: object, n: int) -> None:
    import shutil

    from imapclient import IMAPClient
    from tests.connectors.email.conftest import DOVECOT, IMAP_PASSWORD, IMAP_USER, _dovecot_config
    from tests.support.live_server import free_port

    from blockdesk.connectors.email import imap
    from blockdesk.connectors.email.models import EmailChannel
    from blockdesk.connectors.email.services import do_create_email_inbox

    if not Path(DOVECOT).exists():
        print("| IMAP first sync | skipped: Dovecot is not installed (scripts/ensure-dovecot.sh) |")
        return
    root = Path(tempfile.mkdtemp(prefix="blockdesk-bench-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    (root / "mail").mkdir()
    (root / "dovecot.conf").write_text(_dovecot_config(root, port))
    (root / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    if os.geteuid() == 0:
        shutil.chown(root / "mail", "dovecot", "dovecot")
    conf = str(root / "dovecot.conf")
    subprocess.run([DOVECOT, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        mails = make_mails(n, [])
        with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
            client.login(IMAP_USER, IMAP_PASSWORD)
            for start in range(0, n, 500):
                client.multiappend(
                    "INBOX", [m.replace(b"bench-", b"imap-") for m in mails[start : start + 500]]
                )
        channel = do_create_email_inbox(
            account=account,  # type: ignore[arg-type]
            name="IMAP",
            from_address="imap@bench.example",
            imap_enabled=True,
            imap_host="127.0.0.1",
            imap_port=port,
            imap_security=EmailChannel.ImapSecurity.NONE,
            imap_username=IMAP_USER,
            imap_secret=IMAP_PASSWORD,
        )
        channel = EmailChannel.objects.get(pk=channel.pk)
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        wall, cpu = time.perf_counter(), time.process_time()
        result = imap.sync_mailbox(channel)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"| IMAP first sync | {result.fetched} mails | {wall:.1f} s wall "
            f"({result.fetched / wall:.0f} mails/s), {cpu:.1f} s CPU "
            f"| peak RSS {rss1 / 1024:.0f} MB "
            f"(+{(rss1 - rss0) / 1024:.0f} MB during the sync) | {result.outcomes} |"
        )
    finally:
        subprocess.run([DOVECOT, "-c", conf, "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--imap", type=int, default=10000, help="0 skips the IMAP sync")
    args = parser.parse_args()
    from tests.support.live_server import migrate, server_env, temp_database

    with (
        tempfile.TemporaryDirectory() as tmp,
        temp_database(base_url=os.environ.get("DATABASE_URL"), directory=Path(tmp)) as url,
    ):
        env = server_env(database_url=url, data_dir=Path(tmp) / "data")
        env["BLOCKDESK_DB_POOL"] = "false"
        env["BLOCKDESK_EMAIL_SENDER_LIMIT"] = "1000000"
        env["BLOCKDESK_EMAIL_ALLOW_PRIVATE_HOSTS"] = "true"
        migrate(env)
        subprocess.run(
            ["taskset", "-c", "0", sys.executable, __file__, "--child",
             str(args.mails), str(args.imap)],
            env=env, check=True, cwd=REPO,
        )  # fmt: skip


if __name__ == "__main__":
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        child(int(sys.argv[i + 1]), int(sys.argv[i + 2]))
    else:
        main()
