"""User-facing text of the safety package.

Every string goes through Django's gettext. Until the project's zh-Hans catalogue has
these entries, `translate` falls back to the Simplified Chinese text below: a safety
warning must reach a Chinese-speaking customer in Chinese even on an install whose
catalogue is stale. `translations_zh.txt` lists the same pairs for the catalogue.
"""

from __future__ import annotations

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils import translation


def gettext_noop(message: str) -> str:
    """Mark a string for `makemessages` (which extracts calls by this name) without
    Django's own gettext_noop, which reads settings: the guard must import and run in
    plain Python (benchmarks, workers) and only translate when asked to."""
    return message


SECRET_WARNING = gettext_noop(
    "It looks like you shared a wallet secret (a recovery phrase or a private key). "
    "We removed it from this conversation. Never share it with anyone: our support "
    "team will never ask for it. Treat this wallet as exposed and move your funds to "
    "a new wallet right away."
)

LABEL_SEED_PHRASE = gettext_noop("Recovery phrase removed")
LABEL_PRIVATE_KEY = gettext_noop("Private key removed")
LABEL_EXTENDED_PRIVATE_KEY = gettext_noop("Extended private key removed")
LABEL_KEYSTORE = gettext_noop("Keystore file removed")

OUTBOUND_EXPLANATION = gettext_noop(
    "This message was not sent because it asks the customer for their %(what)s. "
    "Never ask customers for recovery phrases, private keys, passwords or verification "
    "codes: genuine support never needs them."
)
WHAT_SEED_PHRASE = gettext_noop("recovery phrase")
WHAT_PRIVATE_KEY = gettext_noop("private key")
WHAT_PASSWORD = gettext_noop("password")
WHAT_OTP = gettext_noop("two-factor or one-time code")
WHAT_CUSTOM = gettext_noop("confidential information")

ZH_HANS: dict[str, str] = {
    SECRET_WARNING: (
        "您发送的内容似乎包含钱包机密信息（助记词或私钥），我们已将其从对话中删除。"
        "切勿向任何人透露这些信息：我们的客服永远不会向您索要。"
        "请将该钱包视为已泄露，并立即将资金转移到新钱包。"
    ),
    LABEL_SEED_PHRASE: "助记词已隐藏",
    LABEL_PRIVATE_KEY: "私钥已隐藏",
    LABEL_EXTENDED_PRIVATE_KEY: "扩展私钥已隐藏",
    LABEL_KEYSTORE: "密钥库文件已隐藏",
    OUTBOUND_EXPLANATION: (
        "此消息未发送，因为它要求客户提供%(what)s。"
        "切勿向客户索要助记词、私钥、密码或验证码：正规客服从不需要这些信息。"
    ),
    WHAT_SEED_PHRASE: "助记词",
    WHAT_PRIVATE_KEY: "私钥",
    WHAT_PASSWORD: "密码",
    WHAT_OTP: "双重验证码或一次性验证码",
    WHAT_CUSTOM: "机密信息",
}


def translate(msgid: str, language: str | None = None) -> str:
    """gettext in `language` (default: the active language), with the zh-Hans fallback.

    Outside a configured Django (scripts, early start-up) it still answers, from the
    built-in text: a blocked message or a leaked key must not turn into a crash.
    """
    try:
        if language is None:
            text = translation.gettext(msgid)
            language = translation.get_language() or ""
        else:
            with translation.override(language):
                text = translation.gettext(msgid)
    except (ImproperlyConfigured, AppRegistryNotReady):
        text, language = msgid, language or ""
    if text == msgid and language.lower().startswith("zh") and "hant" not in language.lower():
        return ZH_HANS.get(msgid, text)
    return text
