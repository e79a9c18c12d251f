"""What the assistant says, in the customer's language.

Every phrase is a translatable msgid rendered under the customer's language (not the
request's). Chinese wordings are built in as well, so the assistant speaks Chinese
before the catalogue is compiled; a translated catalogue entry wins over them.
"""

from __future__ import annotations

import functools
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PHRASES: dict[str, Promise] = {
    "greeting": _(
        "Hi! I'm the virtual assistant. I answer from our help center, and I can pass you "
        "to a person at any time."
    ),
    "did_it_help": _("Did this solve it?"),
    # Opens a reply to an angry or distressed customer (assistant/tone.py).
    "apology": _("I'm sorry for the trouble, and I understand this is frustrating."),
    "read_more": _("Read the full article: %(title)s %(url)s"),
    "other_language": _(
        "(This article is not available in your language yet, so here it is in another language.)"
    ),
    "solved": _("Yes, solved"),
    "more_help": _("No, I need more help"),
    "none_of_these": _("None of these"),
    "clarify": _("I want to be sure I understand. Which of these is closest to your question?"),
    "clarify_pair": _("Just to be sure: is this about %(first)s, or about %(second)s?"),
    "glad": _("Glad that solved it! If anything else comes up, just write here."),
    "handoff": _(
        "I'm passing you to a member of our team. A person will reply here, usually within "
        "a few minutes."
    ),
    "handoff_sensitive": _(
        "This needs a person from our team, so I'm passing you over now with priority. A "
        "person will reply here shortly."
    ),
    "handoff_out_of_hours": _(
        "I'm passing you to a member of our team. We are offline right now; a person will "
        "reply here when we are back (around %(when)s, %(tz)s)."
    ),
    "meanwhile": _("While you wait, this article may help: %(title)s %(url)s"),
    "never_ask": _(
        "For your safety: we will never ask for your seed phrase, private key, password or "
        "2FA code."
    ),
    "diagnosis_intro": _("I looked up the transaction you mentioned:"),
    # Citing an accepted answer from the community forum (services/community.py): a
    # customer's words, never presented as the business's own advice.
    "community_intro": _(
        "Our help center has no article on this yet, but a similar question was answered in "
        "our community forum. This is a community answer written by another customer, not "
        "official advice from our team:"
    ),
    "community_link": _("Read the whole thread: %(title)s %(url)s"),
    "verify_channel": _(
        "You can check whether a website, account, email, phone number or address is really "
        "ours here: %(url)s"
    ),
}

_ZH: dict[str, str] = {
    "greeting": "您好！我是智能助手，会根据帮助中心的文章为您解答，您也可以随时要求转人工。",
    "did_it_help": "这解决了您的问题吗？",
    "read_more": "查看完整文章：%(title)s %(url)s",
    "other_language": "（这篇文章暂时没有您所用语言的版本，以下为其他语言的内容。）",
    "apology": "非常抱歉给您带来困扰，我理解这让人着急。",
    "solved": "是的，已解决",
    "more_help": "没有，我需要更多帮助",
    "none_of_these": "都不是",
    "clarify": "为了确认我理解正确：以下哪一项最接近您的问题？",
    "clarify_pair": "为了确认一下：您的问题是关于%(first)s，还是%(second)s？",
    "glad": "很高兴问题已解决！如有其他问题，随时在这里留言。",
    "handoff": "我正在为您转接人工客服，工作人员通常会在几分钟内在这里回复您。",
    "handoff_sensitive": "这个问题需要人工处理，我已为您优先转接，工作人员会尽快在这里回复您。",
    "handoff_out_of_hours": (
        "我正在为您转接人工客服。我们现在不在工作时间，"
        "工作人员会在上班后（约 %(when)s，%(tz)s）在这里回复您。"
    ),
    "meanwhile": "等待期间，这篇文章或许对您有帮助：%(title)s %(url)s",
    "never_ask": "温馨提示：我们绝不会索要您的助记词、私钥、密码或二次验证码。",
    "diagnosis_intro": "我查询了您提到的这笔交易：",
    "community_intro": (
        "帮助中心暂时还没有这方面的文章，不过社区论坛里有人回答过类似的问题。"
        "以下是其他用户写的社区回答，并非我们团队的官方建议："
    ),
    "community_link": "查看完整讨论：%(title)s %(url)s",
    "verify_channel": "您可以在这里核实网站、账号、邮箱、电话号码或地址是否真的属于我们：%(url)s",
}


def localized(lazy: Promise, zh: str | None, language: str) -> str:
    """``lazy`` rendered in ``language``; the built-in Chinese wording while the catalogue
    has no translation of it."""
    with translation.override(language or "en"):
        text = str(lazy)
    with translation.override("en"):
        untranslated = text == str(lazy)
    if untranslated and zh is not None and (language or "").lower().startswith("zh"):
        return zh
    return text


def phrase(key: str, language: str, **params: Any) -> str:
    text = _phrase_text(key, language)
    return text % params if params else text


@functools.lru_cache(maxsize=1024)
def _phrase_text(key: str, language: str) -> str:
    # Several phrases a reply, each two translation overrides: worked out once per
    # language (the catalogues do not change while the process runs).
    return localized(PHRASES[key], _ZH.get(key), language)
