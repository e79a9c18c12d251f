"""Agent and assistant messages that ask for secrets are blocked; warnings are not."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from blockdesk.safety import OutboundGuard, RequestKind, scan_outbound
from blockdesk.safety.outbound_guard import DEFAULT_PATTERNS

from ._support import ensure_django

BLOCKED = [
    ("please send me your seed phrase", RequestKind.SEED_PHRASE),
    ("Can you share your private key so we can check the wallet?", RequestKind.PRIVATE_KEY),
    ("What's your 2FA code?", RequestKind.OTP),
    ("What’s your password?", RequestKind.PASSWORD),
    (
        "To verify ownership, reply with the 12 words of your recovery phrase.",
        RequestKind.SEED_PHRASE,
    ),
    ("I need your mnemonic to restore access.", RequestKind.SEED_PHRASE),
    ("Please provide the 6-digit code from your authenticator app.", RequestKind.OTP),
    ("Enter your recovery phrase on this website to sync your wallet.", RequestKind.SEED_PHRASE),
    ("Don't worry, just send me your seed phrase and I'll fix it.", RequestKind.SEED_PHRASE),
    ("Send me your seed phrase so nobody else can steal it.", RequestKind.SEED_PHRASE),
    ("Why don't you tell me your password?", RequestKind.PASSWORD),
    ("Could you DM me your private key?", RequestKind.PRIVATE_KEY),
    ("We will never misuse it, but please share your seed phrase.", RequestKind.SEED_PHRASE),
    ("Your private key please.", RequestKind.PRIVATE_KEY),
    ("请提供您的助记词", RequestKind.SEED_PHRASE),
    ("把私钥发给我", RequestKind.PRIVATE_KEY),
    ("告诉我你的验证码", RequestKind.OTP),
    ("密码是多少", RequestKind.PASSWORD),
    ("您好，为了核实身份，请把您的助记词发过来。", RequestKind.SEED_PHRASE),
    ("你的谷歌验证码是多少？", RequestKind.OTP),
    ("不用担心，请提供您的私钥。", RequestKind.PRIVATE_KEY),
    ("We need your private key to recover the funds.", RequestKind.PRIVATE_KEY),
    ("I'll need your 2FA code to proceed.", RequestKind.OTP),
    ("Show me your seed phrase.", RequestKind.SEED_PHRASE),
    ("Paste your recovery phrase here and I will check it.", RequestKind.SEED_PHRASE),
    ("请在下方输入您的助记词", RequestKind.SEED_PHRASE),
    ("我们需要您的私钥来找回资金", RequestKind.PRIVATE_KEY),
    ("请把短信验证码报一下", RequestKind.OTP),
    ("Type your 2FA code here so I can log in for you.", RequestKind.OTP),
    ("请在聊天框里输入你的验证码", RequestKind.OTP),
]

ALLOWED = [
    "never share your seed phrase with anyone",
    "我们绝不会索要您的助记词",
    "do not send your private key",
    "Never, ever, under any circumstances, share your recovery phrase.",
    "Support will never ask for your seed phrase, private key or 2FA codes.",
    "If someone asks you to send your seed phrase, it is a scam.",
    "Scammers often ask for your private key: please don't give it to them.",
    "I'll send you a link to reset your password.",
    "You can reset your password in Settings > Security.",
    "Please enter your password on the login page to continue.",
    "Please confirm your new password in the app.",
    "Write down your recovery phrase and keep it offline.",
    "Could you send me the transaction hash?",
    "Please share a screenshot of the error message.",
    "What is the transaction ID of your withdrawal?",
    "不要把助记词发给任何人",
    "请勿向任何人提供您的私钥",
    "任何索要验证码的人都是骗子。",
    "请提供交易哈希，我们帮您查询。",
    "您可以在设置中修改登录密码。",
    "请妥善保管您的助记词。",
    "You'll need your recovery phrase to restore the wallet on the new phone.",
    "Read your seed phrase carefully and write it down.",
    "Share your seed phrase with no one.",
    "Give your private key to nobody.",
    "您需要助记词才能恢复钱包。",
    "在钱包App中输入助记词即可恢复钱包。",
    "请在登录页面输入密码。",
]


@pytest.mark.parametrize(("text", "kind"), BLOCKED)
def test_requests_for_secrets_are_blocked(text: str, kind: RequestKind) -> None:
    ensure_django()
    result = scan_outbound(text, "en")
    assert result.blocked
    assert kind in result.kinds
    assert result.spans
    assert "was not sent" in result.explanation


@pytest.mark.parametrize("text", ALLOWED)
def test_warnings_and_ordinary_replies_pass(text: str) -> None:
    result = scan_outbound(text)
    assert not result.blocked, result
    assert result.explanation == ""
    assert result.kinds == ()


def test_explanation_follows_the_requested_language() -> None:
    ensure_django()
    result = scan_outbound("把私钥发给我", "zh-hans")
    assert result.explanation.startswith("此消息未发送")
    assert "私钥" in result.explanation
    english = scan_outbound("把私钥发给我", "en")
    assert "private key" in english.explanation


def test_extra_patterns_block_as_custom() -> None:
    ensure_django()
    text = "Please send us a photo of your bank card."
    assert not scan_outbound(text).blocked
    # (A photo of a "wallet backup" is already blocked by the defaults.)
    assert scan_outbound("Please send us a photo of your wallet backup.").blocked
    result = scan_outbound(text, "en", extra_patterns=[r"bank\s+card"])
    assert result.blocked
    assert result.kinds == (RequestKind.CUSTOM,)
    # Warning cues apply to custom patterns too.
    assert not scan_outbound(
        "Never send anyone your bank card.", extra_patterns=[re.compile(r"bank\s+card")]
    ).blocked


def test_default_patterns_are_replaceable() -> None:
    ensure_django()
    only_chinese = OutboundGuard(patterns={"zh": DEFAULT_PATTERNS["zh"]})
    assert only_chinese.scan("把私钥发给我").blocked
    assert not only_chinese.scan("please send me your seed phrase").blocked
    assert {"en", "zh"} <= set(DEFAULT_PATTERNS)


def test_works_without_django_settings() -> None:
    """The guards are plain Python: a worker without Django settings still gets a
    decision and an explanation (from the built-in text)."""
    code = (
        "from blockdesk.safety import scan_outbound, scan_inbound, warning\n"
        "r = scan_outbound('把私钥发给我', 'zh-hans')\n"
        "assert r.blocked and r.explanation.startswith('此消息未发送'), r\n"
        "assert scan_inbound('tx 0x' + '11' * 32).findings == ()\n"
        "assert warning('zh-hans').startswith('您发送的内容')\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_span_points_at_the_request() -> None:
    ensure_django()
    text = "Thanks for waiting. Please send me your private key. Bye!"
    result = scan_outbound(text)
    start, end = result.spans[0]
    assert "private key" in text[start:end]
    assert text[start:end].lower().startswith("send")


def test_a_remembered_verdict_is_the_scan_s_verdict() -> None:
    # Passing texts are remembered by digest (the assistant sends the same quotes over and
    # over); the verdict stays the scan's, per set of extra patterns, and no text is kept.
    from blockdesk.safety import outbound_guard

    ensure_django()
    text = "Your deposit arrives after 12 confirmations. Please send us a photo of your bank card."
    for _ in range(2):
        assert not scan_outbound(text).blocked
        blocked = scan_outbound(text, "en", extra_patterns=[r"bank\s+card"])
        assert blocked.blocked and blocked.kinds == (RequestKind.CUSTOM,)
        asking = scan_outbound("please send me your seed phrase", "en")
        assert asking.blocked and "recovery phrase" in asking.explanation
    assert all(isinstance(key[0], bytes) for key in outbound_guard._remembered)
    assert text not in repr(list(outbound_guard._remembered))
