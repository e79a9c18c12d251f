"""The plain-text rules: what stays visible, what is history, what is the signature."""

from __future__ import annotations

import pytest

from blockdesk.connectors.email_reply import extract_reply

ATTR = "On Mon, Jan 1, 2024 at 10:00 AM Support <support@blockdesk.example> wrote:"


def test_top_posted_reply_hides_the_quote_and_keeps_it_as_history() -> None:
    parts = extract_reply(f"Sent the hash.\n\n{ATTR}\n> Which hash?\n> Support\n")
    assert parts.reply == "Sent the hash."
    assert parts.signature is None
    assert parts.quoted == f"{ATTR}\n> Which hash?\n> Support"


def test_inline_reply_keeps_each_question_that_an_answer_follows() -> None:
    body = f"{ATTR}\n> Network?\n\nTron.\n\n> Amount?\n\n50 USDT\n\n> Regards,\n> Support\n"
    parts = extract_reply(body)
    assert parts.reply == f"{ATTR}\n> Network?\n\nTron.\n\n> Amount?\n\n50 USDT"
    assert parts.quoted == "> Regards,\n> Support"


def test_bottom_posted_reply_keeps_the_question() -> None:
    parts = extract_reply("在 2024-01-01 10:00，客服 写道：\n> 您的 UID？\n\n12345\n")
    assert parts.reply == "在 2024-01-01 10:00，客服 写道：\n> 您的 UID？\n\n12345"


def test_signature_is_split_and_kept_on_request() -> None:
    body = f"Thanks!\n\n-- \nAlice\nExample DAO\n\n{ATTR}\n> Fixed?\n"
    parts = extract_reply(body)
    assert (parts.reply, parts.signature) == ("Thanks!", "-- \nAlice\nExample DAO")
    kept = extract_reply(body, keep_signature=True)
    assert (kept.reply, kept.signature) == ("Thanks!\n\n-- \nAlice\nExample DAO", None)


def test_mobile_footers_in_english_and_chinese_are_signatures() -> None:
    footers = (
        "Sent from my iPhone",
        "发自我的iPhone",
        "Get Outlook for Android",
        "发自网易邮箱大师",
    )
    for footer in footers:
        parts = extract_reply(f"OK\n\n{footer}\n\n{ATTR}\n> ?\n")
        assert (parts.reply, parts.signature) == ("OK", footer)


def test_a_sentence_starting_like_a_footer_is_reply() -> None:
    parts = extract_reply("Sent from my desk, my phone is broken.\n")
    assert parts.reply == "Sent from my desk, my phone is broken."
    assert parts.signature is None


def test_outlook_and_qq_header_blocks_start_the_history() -> None:
    outlook = "Done.\n\nFrom: Support <s@x.example>\nSent: Monday\nTo: Bob\nSubject: RE: x\n\nOld"
    assert extract_reply(outlook).reply == "Done."
    qq = (
        "好的\n\n------------------ 原始邮件 ------------------\n发件人: 客服\n"
        "发送时间: 2024年1月1日\n收件人: 张三\n主题: 提现\n\n旧邮件"
    )
    assert extract_reply(qq).reply == "好的"
    assert "旧邮件" in (extract_reply(qq).quoted or "")


def test_a_transfer_described_with_from_and_to_is_not_a_header_block() -> None:
    body = (
        "From: 0x8ba1f109551bD432803012645Ac136ddd64DBA72\n"
        "To: 0x71C7656EC7ab88b098defB751B7401B5f6d8976F\nSubject: my transfer\nIt is lost."
    )
    assert extract_reply(body).reply == body


def test_a_forwarded_message_stays_visible() -> None:
    body = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: x@y.example\n"
        "Date: Mon, Jan 1, 2024 at 9:00 AM\nSubject: Verify\nTo: a@b.example\n\nPhish"
    )
    assert extract_reply(body).reply == body


def test_attribution_wrapped_over_two_lines() -> None:
    body = "Yes.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Support Team <\nsupport@x.example> wrote:\n\nQ?"
    assert extract_reply(body).reply == "Yes."


def test_invisible_and_control_characters_are_removed() -> None:
    parts = extract_reply("pay\u202eto\u200b me\x07\n")
    assert parts.reply == "payto me"


def test_an_empty_body_gives_an_empty_reply_and_a_quote_only_body_shows_the_quote() -> None:
    assert extract_reply("").reply == ""
    assert extract_reply(f"{ATTR}\n> only the quote\n").reply == f"{ATTR}\n> only the quote"
    # …but copied history under nothing new stays hidden.
    assert extract_reply("\n-----Original Message-----\nold").reply == ""


def test_a_forward_inside_a_quote_container_is_content() -> None:
    body = "> ---------- Forwarded message ---------\n> From: x@y.example\n> Subject: s\n>\n> Phish"
    parts = extract_reply(body)
    assert parts.reply == (
        "---------- Forwarded message ---------\nFrom: x@y.example\nSubject: s\n\nPhish"
    )


def test_attribution_without_a_verb_ends_in_an_address() -> None:
    for attribution in (
        "Thu, 26 Jun 2014 14:00:51 +0400 от Alexander L <abc@example.com>:",
        "2024年1月1日(月) 10:00 Support <support@blockdesk.example>:",
        "2014-10-17 11:28 GMT+03:00 Postmaster <\npostmaster@example.com>:",
    ):
        parts = extract_reply(f"New text\n\n{attribution}\n\n> old\n")
        assert parts.reply == "New text", attribution


def test_long_lines_are_text_and_stay_fast() -> None:
    # Patterns never see a line over 1,000 characters (no slow backtracking).
    body = "--" + " " * 200_000 + "x\n" + "Sent from my iPhone" + " " * 50_000 + "y"
    assert extract_reply(body).reply == body


@pytest.mark.parametrize(
    ("body", "reply", "signature"),
    [
        ("Hey!\n---\nRoman", "Hey!", "---\nRoman"),
        ("Hey!\n-roman", "Hey!", "-roman"),
        ("Hey!\n\n- roman", "Hey!", "- roman"),
        ("Steps:\n\n- one\n- two", "Steps:\n\n- one\n- two", None),
        ("Look:\n\n--> one\n--> two\n--\nRoman", "Look:\n\n--> one\n--> two", "--\nRoman"),
        ("Blah.\n\n-Lev.\n\nSent from my HTC smartphone!", "Blah.",
         "-Lev.\n\nSent from my HTC smartphone!"),
        ("Blah\nSent from Mailbox for iPhone", "Blah", "Sent from Mailbox for iPhone"),
        ("Ok\nSent wirelessly from my BlackBerry device on the Bell network.", "Ok",
         "Sent wirelessly from my BlackBerry device on the Bell network."),
        ("Bien\nEnviado desde mi oficina móvil BlackBerry® de Telcel", "Bien",
         "Enviado desde mi oficina móvil BlackBerry® de Telcel"),
        ("收到\n\n来自我的华为手机", "收到", "来自我的华为手机"),
        ("小满好\n\n——————————————\n\n小满\n活动协调人", "小满好",
         "——————————————\n\n小满\n活动协调人"),
    ],
)  # fmt: skip
def test_signature_conventions(body: str, reply: str, signature: str | None) -> None:
    parts = extract_reply(body)
    assert (parts.reply, parts.signature) == (reply, signature)


def test_prose_ending_in_wrote_does_not_hide_what_follows() -> None:
    body = "My friend wrote:\nsend 1 BTC and get 2 back\n\nIs this a scam?"
    assert extract_reply(body).reply == body
    zh = "群里有人写道：\n转 1 个 BTC 返 2 个\n\n这是骗局吗？"
    assert extract_reply(zh).reply == zh
    # The same words above a quote introduce it (hidden when nothing new follows).
    assert extract_reply("Look.\n\nBob wrote:\n> old\n").reply == "Look."


@pytest.mark.parametrize(
    "history",
    [
        # Alibaba Mail: a dash rule, full-width colons, "主　题" with an ideographic space.
        "------------------------------------------------------------\n"
        "发件人：客服 <s@x.com>\n"
        "发送时间：2024年1月1日(星期一) 10:00\n收件人：张三 <z@aliyun.com>\n主\u3000题：回复：提现",
        # Outlook in Traditional Chinese.
        "寄件者: 客服 <s@x.com>\n寄件日期: 2024年1月1日 上午 10:00\n"
        "收件者: 陳大文\n主旨: 回覆: 提款",
        # Sina.
        "----- 原始邮件 -----\n发件人：客服\n收件人：李四\n主题：提现\n"
        "日期：2024年01月01日 10时00分",
        # Newer Outlook (zh-CN) with "日期".
        "发件人: 客服 <s@x.com>\n日期: 2024年1月1日星期一 10:00\n收件人: 张三\n主题: 回复: 提现",
    ],
)
def test_more_chinese_history_headers(history: str) -> None:
    parts = extract_reply(f"收到\n\n{history}\n\n旧内容\n")
    assert parts.reply == "收到"
    assert parts.quoted is not None and parts.quoted.endswith("旧内容")
