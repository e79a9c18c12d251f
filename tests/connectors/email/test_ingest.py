"""A raw mail into an email inbox (connectors/email/ingest.py): contact and case, the
visible reply, threading (token, Message-IDs, forged tokens), the secret guard, loops,
storms, sender authenticity, attachments, bad and huge mail, charsets."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from blockdesk.connectors.email import threading
from blockdesk.connectors.email.ingest import ingest_raw
from blockdesk.connectors.email.models import EmailChannel, EmailReceipt
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import ContactIdentity, Conversation, Message

from .mails import mail, raw

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SEED = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)


def only_message(channel: EmailChannel) -> Message:
    messages = list(Message.objects.filter(conversation__inbox=channel.inbox))
    assert len(messages) == 1, [m.content for m in messages]
    return messages[0]


def test_a_new_mail_opens_a_case_for_a_new_contact_with_the_email_identity(email_channel):
    outcome = ingest_raw(channel=email_channel, raw=raw())
    assert outcome.status == "stored"
    message = only_message(email_channel)
    assert message.content == "My USDT deposit has not arrived."
    assert message.sender_type == Message.SenderType.CONTACT
    conversation = message.conversation
    assert conversation.subject == "Deposit missing"
    assert conversation.contact.name == "Wang Wei"
    identity = ContactIdentity.objects.get(contact=conversation.contact)
    assert (identity.kind, identity.value) == ("email", "wang@example.com")
    meta = message.metadata["channel"]
    assert meta["kind"] == "email" and meta["email"]["from"] == "wang@example.com"
    receipt = EmailReceipt.objects.get(channel=email_channel)
    assert receipt.status == "stored" and receipt.message_id == message.pk


def test_the_same_mail_twice_is_stored_once(email_channel):
    data = raw(message_id="<once@example.com>")
    assert ingest_raw(channel=email_channel, raw=data).status == "stored"
    assert ingest_raw(channel=email_channel, raw=data).status == "duplicate"
    assert Message.objects.filter(conversation__inbox=email_channel.inbox).count() == 1


def test_a_second_mail_from_the_same_sender_is_the_same_contact_and_a_new_case(email_channel):
    ingest_raw(channel=email_channel, raw=raw())
    ingest_raw(channel=email_channel, raw=raw(subject="Another question"))
    conversations = Conversation.objects.filter(inbox=email_channel.inbox)
    assert conversations.count() == 2
    assert len({c.contact_id for c in conversations}) == 1


def test_quoted_history_is_hidden_and_the_original_kept(email_channel):
    body = (
        "Thanks, it arrived.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@x> wrote:\n"
        "> We have found your deposit.\n"
    )
    ingest_raw(channel=email_channel, raw=raw(body=body))
    message = only_message(email_channel)
    assert message.content == "Thanks, it arrived."
    assert "We have found your deposit." in message.metadata["channel"]["email"]["original"]
    assert message.metadata["channel"]["email"]["has_quote"] is True


def test_a_reply_to_our_mail_lands_in_its_case_by_the_token_in_in_reply_to(email_channel):
    ingest_raw(channel=email_channel, raw=raw())
    conversation = Conversation.objects.get(inbox=email_channel.inbox)
    ours = threading.message_id_for(
        conversation_id=conversation.pk, message_id=99, domain="demo-exchange.example"
    )
    outcome = ingest_raw(
        channel=email_channel,
        raw=raw(subject="Re: Deposit missing", body="Here is the tx.", in_reply_to=ours),
    )
    assert outcome.conversation_id == conversation.pk
    assert conversation.messages.count() == 2


@pytest.mark.parametrize("where", ["subject", "plus_address"])
def test_the_token_in_the_subject_or_a_plus_address_threads_too(email_channel, where):
    ingest_raw(channel=email_channel, raw=raw())
    conversation = Conversation.objects.get(inbox=email_channel.inbox)
    kwargs: dict[str, Any] = {"body": "Follow-up"}
    if where == "subject":
        kwargs["subject"] = f"Re: Deposit missing {threading.subject_tag(conversation.pk)}"
    else:
        kwargs["to"] = threading.plus_address("support@demo-exchange.example", conversation.pk)
    outcome = ingest_raw(channel=email_channel, raw=raw(**kwargs))
    assert outcome.conversation_id == conversation.pk


def test_a_forged_token_does_not_thread(email_channel):
    ingest_raw(channel=email_channel, raw=raw())
    conversation = Conversation.objects.get(inbox=email_channel.inbox)
    forged = f"<blockdesk.conversation.{conversation.pk}.1.c{conversation.pk}-aaaaaaaaaa@x>"
    outcome = ingest_raw(
        channel=email_channel,
        raw=raw(sender="mallory@evil.example", in_reply_to=forged, body="Hijack"),
    )
    assert outcome.conversation_id != conversation.pk


def test_another_sender_with_a_valid_token_gets_their_own_case(email_channel):
    ingest_raw(channel=email_channel, raw=raw())
    conversation = Conversation.objects.get(inbox=email_channel.inbox)
    ours = threading.message_id_for(conversation_id=conversation.pk, message_id=1, domain="x")
    outcome = ingest_raw(
        channel=email_channel, raw=raw(sender="colleague@example.org", in_reply_to=ours)
    )
    assert outcome.conversation_id != conversation.pk
    assert conversation.messages.count() == 1


def test_a_mail_threads_by_the_message_id_of_an_earlier_mail(email_channel):
    ingest_raw(channel=email_channel, raw=raw(message_id="<first@example.com>"))
    conversation = Conversation.objects.get(inbox=email_channel.inbox)
    outcome = ingest_raw(
        channel=email_channel,
        raw=raw(body="One more thing", references="<first@example.com>"),
    )
    assert outcome.conversation_id == conversation.pk


def test_a_reply_to_the_widgets_reply_email_lands_in_the_widget_case_and_links_the_address(
    email_channel, channel, contact
):
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Help"
    )
    widget_case = sent.message.conversation
    conv_services.do_leave_followup_email(
        contact=contact, conversation=widget_case, email="carol.f@example.net"
    )
    # The Message-ID the notifications app gives its reply emails (rendering.reply_email).
    ours = threading.message_id_for(conversation_id=widget_case.pk, message_id=5, domain="x")
    outcome = ingest_raw(
        channel=email_channel,
        raw=raw(sender="Carol <carol.f@example.net>", in_reply_to=ours, body="Still waiting"),
    )
    assert outcome.conversation_id == widget_case.pk
    assert widget_case.messages.last().content == "Still waiting"  # type: ignore[union-attr]
    # Proven: the address answered a mail we sent to it, so it is now Carol's identity.
    assert ContactIdentity.objects.filter(
        contact=contact, kind="email", value="carol.f@example.net"
    ).exists()


def test_secrets_in_body_and_subject_are_redacted_before_anything_is_stored(email_channel):
    ingest_raw(channel=email_channel, raw=raw(subject=f"help {SEED}", body=f"My words: {SEED}"))
    message = Message.objects.filter(
        conversation__inbox=email_channel.inbox, sender_type="contact"
    ).get()
    stored = str(message.metadata) + message.content + message.conversation.subject
    assert "abandon about" not in stored
    assert EmailReceipt.objects.filter(subject__contains="abandon about").count() == 0
    message.conversation.refresh_from_db()
    assert message.conversation.secret_exposed is True


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"List-Id": "<crypto.lists.example.org>"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_is_stored_but_flagged_never_to_be_answered(email_channel, headers):
    outcome = ingest_raw(channel=email_channel, raw=raw(headers=headers))
    assert outcome.status == "automatic"
    assert only_message(email_channel).metadata["channel"]["no_reply"] is True


def test_a_bounce_report_is_automatic(email_channel):
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.com>"
    report["To"] = "support@demo-exchange.example"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = "<bounce1@mx.example.com>"
    report.set_content("This is the mail system: your message could not be delivered.")
    report.make_mixed()
    report.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
    outcome = ingest_raw(channel=email_channel, raw=report.as_bytes())
    assert outcome.status == "automatic"


def test_our_own_mail_looping_back_is_ignored(email_channel):
    ours = threading.message_id_for(conversation_id=1, message_id=1, domain="demo.example")
    outcome = ingest_raw(channel=email_channel, raw=raw(message_id=ours))
    assert outcome.status == "own"
    assert not Message.objects.filter(conversation__inbox=email_channel.inbox).exists()


def test_a_storm_from_one_sender_is_rate_limited(email_channel, settings):
    settings.EMAIL_SENDER_LIMIT = 3
    statuses = [ingest_raw(channel=email_channel, raw=raw()).status for _ in range(5)]
    assert statuses == ["stored", "stored", "stored", "rate_limited", "rate_limited"]
    assert EmailReceipt.objects.filter(status="rate_limited").count() == 2
    other = ingest_raw(channel=email_channel, raw=raw(sender="someone.else@example.com"))
    assert other.status == "stored"


def auth_results(value: str) -> dict[str, str]:
    return {"Authentication-Results": value}


def test_authentication_results_are_shown_on_the_message(email_channel):
    ingest_raw(
        channel=email_channel,
        raw=raw(
            headers=auth_results(
                "mx.demo-exchange.example; spf=pass smtp.mailfrom=wang@example.com; "
                "dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
            )
        ),
    )
    auth = only_message(email_channel).metadata["channel"]["email"]["auth"]
    assert (auth["spf"], auth["dkim"], auth["dmarc"]) == ("pass", "pass", "pass")
    assert auth["impersonation"] is False


def test_dmarc_fail_for_our_own_domain_is_flagged_as_impersonation(email_channel):
    ingest_raw(
        channel=email_channel,
        raw=raw(
            sender="Support <security@demo-exchange.example>",
            headers=auth_results(
                "mx.demo-exchange.example; spf=fail smtp.mailfrom=x@evil.example; "
                "dkim=none; dmarc=fail (p=reject) header.from=demo-exchange.example"
            ),
        ),
    )
    auth = only_message(email_channel).metadata["channel"]["email"]["auth"]
    assert auth["dmarc"] == "fail" and auth["impersonation"] is True


def test_only_our_servers_authentication_results_count(email_channel):
    email_channel.trusted_authserv_id = "mx.demo-exchange.example"
    email_channel.save()
    forged = "mx.evil.example; spf=pass; dkim=pass; dmarc=pass header.from=demo-exchange.example"
    ingest_raw(
        channel=email_channel,
        raw=raw(sender="security@demo-exchange.example", headers=auth_results(forged)),
    )
    auth = only_message(email_channel).metadata["channel"]["email"]["auth"]
    assert auth["dmarc"] == "none"  # the forged header was not believed


def test_attachments_within_limits_are_stored_and_others_listed(email_channel):
    msg = mail(body="Screenshot attached")
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="tx.png")
    msg.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload",
                       filename="invoice.exe")  # fmt: skip
    ingest_raw(channel=email_channel, raw=msg.as_bytes())
    message = only_message(email_channel)
    assert [a.filename for a in message.attachments.all()] == ["tx.png"]
    skipped = message.metadata["channel"]["skipped_attachments"]
    assert [s["name"] for s in skipped] == ["invoice.exe"]


def test_a_50_mb_mail_is_refused_with_a_record(email_channel, settings):
    settings.EMAIL_INGEST_MAX_BYTES = 25 * 1024 * 1024
    msg = mail(message_id="<huge@example.com>", body="big")
    msg.add_attachment(b"\x00" * (50 * 1024 * 1024), maintype="application",
                       subtype="octet-stream", filename="dump.bin")  # fmt: skip
    outcome = ingest_raw(channel=email_channel, raw=msg.as_bytes())
    assert outcome.status == "refused" and "limit is 25 MB" in outcome.reason
    receipt = EmailReceipt.objects.get(channel=email_channel)
    assert receipt.header_id == "<huge@example.com>"
    assert receipt.sender == "wang@example.com" and receipt.size > 50 * 1024 * 1024
    assert not Message.objects.filter(conversation__inbox=email_channel.inbox).exists()


def test_malformed_mime_is_stored_safely_or_refused_clearly(email_channel):
    broken = (
        b"From: wang@example.com\r\nSubject: broken\r\nMessage-ID: <b1@example.com>\r\n"
        b'Content-Type: multipart/mixed; boundary="zzz"\r\n\r\n'
        b"--zzz\r\nContent-Type: text/plain\r\n\r\nthe text survives\r\n"
        b"--zzz\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notb64"
    )  # no closing boundary, bad base64
    outcome = ingest_raw(channel=email_channel, raw=broken)
    assert outcome.status == "stored"
    assert "the text survives" in only_message(email_channel).content
    garbage = ingest_raw(channel=email_channel, raw=b"\x00\xff not a mail at all")
    assert garbage.status == "refused" and "Unreadable" in garbage.reason


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("gb2312", "我的充值还没有到账"),
        ("gbk", "提币失败，請幫忙"),
        ("gb18030", "钱包地址𠀀"),
        ("big5", "我的存款還沒有到帳"),
        ("iso-2022-jp", "入金が反映されません"),
    ],
)
def test_chinese_and_japanese_charsets_are_decoded(email_channel, charset, text):
    body = text.encode(charset)
    data = (
        b"From: wang@example.com\r\nSubject: =?utf-8?b?5YWl6YeR?=\r\n"
        b"Message-ID: <cs-" + charset.encode() + b"@example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
    ingest_raw(channel=email_channel, raw=data)
    assert only_message(email_channel).content == text


def test_an_unknown_charset_is_stored_readably(email_channel):
    data = (
        b"From: wang@example.com\r\nSubject: x\r\nMessage-ID: <unk@example.com>\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain words\r\n"
    )
    assert ingest_raw(channel=email_channel, raw=data).status == "stored"
    assert only_message(email_channel).content == "plain words"


def test_html_only_mail_becomes_text_without_scripts(email_channel):
    html = (
        "<html><body><p>Hello <b>team</b></p><script>alert(1)</script>"
        '<img src="https://tracker.example/pixel.gif"><p>Line two</p></body></html>'
    )
    msg = EmailMessage()
    msg["From"] = "wang@example.com"
    msg["Subject"] = "html"
    msg["Message-ID"] = "<html1@example.com>"
    msg.set_content(html, subtype="html")
    ingest_raw(channel=email_channel, raw=msg.as_bytes())
    content = only_message(email_channel).content
    assert "Hello team" in content and "Line two" in content
    assert "alert" not in content and "tracker" not in content


def test_a_long_mail_is_cut_without_splitting_a_secret_and_the_case_is_flagged(
    email_channel, settings
):
    settings.MESSAGE_MAX_LENGTH = 1000
    body = "x " * 370 + "my words: " + SEED + " " + "y " * 600
    ingest_raw(channel=email_channel, raw=raw(body=body))
    message = Message.objects.get(conversation__inbox=email_channel.inbox, sender_type="contact")
    assert len(message.content) <= 1000 and "cut: the full text" in message.content
    assert "abandon about" not in message.content + str(message.metadata)
    message.conversation.refresh_from_db()
    assert message.conversation.secret_exposed is True
