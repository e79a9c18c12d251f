"""Fixtures for the assistant tests: a small bilingual crypto-support data set and
a model trained on it once per session (training takes a few seconds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blockdesk.assistant.nlu.datasets import Example
from blockdesk.assistant.nlu.features import FeatureConfig
from blockdesk.assistant.nlu.model import IntentModel, ModelConfig

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

# intent -> (training examples, held-out examples); English and Simplified Chinese.
CRYPTO: dict[str, tuple[list[str], list[str]]] = {
    "withdrawal_pending": (
        [
            "my withdrawal is still pending",
            "why hasn't my BTC withdrawal arrived yet",
            "withdrawal stuck in processing for hours",
            "I withdrew USDT yesterday and it's not in my wallet",
            "how long does a withdrawal take to complete",
            "my ETH withdrawal has not been sent",
            "我的提现一直在处理中",
            "提币还没有到账",
            "为什么我的USDT提现还没到",
        ],
        ["withdrawal has been pending since this morning", "提现处理中好几个小时了"],
    ),
    "deposit_missing": (
        [
            "I deposited bitcoin but my balance didn't update",
            "my deposit is not showing in my account",
            "sent USDT to my deposit address, nothing credited",
            "deposit confirmed on chain but not credited",
            "where is my deposit",
            "ETH deposit missing from balance",
            "充值没有到账",
            "我充了币但是余额没有变化",
            "链上已经确认了，充值还没入账",
        ],
        ["I made a deposit two hours ago and it is not in my balance", "充值的USDT没到账"],
    ),
    "reset_2fa": (
        [
            "I lost my phone and can't get my 2FA codes",
            "how do I reset two-factor authentication",
            "my authenticator app was deleted",
            "google authenticator codes are not working",
            "need to disable 2FA on my account",
            "new phone, how to move my 2FA",
            "我的谷歌验证器丢了",
            "怎么重置二次验证",
            "手机换了，收不到验证码",
        ],
        ["I can't log in because I lost my authenticator", "如何关闭两步验证"],
    ),
    "kyc_verification": (
        [
            "how long does identity verification take",
            "my KYC was rejected",
            "what documents do I need to verify my account",
            "my passport upload failed during verification",
            "why is my verification still under review",
            "can I verify with a driving licence",
            "身份认证需要多久",
            "实名认证被拒绝了",
            "KYC需要什么证件",
        ],
        ["my identity check keeps failing", "实名认证审核多久能通过"],
    ),
    "trading_fees": (
        [
            "what are your trading fees",
            "how much is the maker fee",
            "why was I charged such a high fee on my trade",
            "do you have fee discounts for high volume",
            "what is the taker fee for spot trading",
            "fee schedule for futures",
            "交易手续费是多少",
            "挂单手续费怎么算",
            "为什么手续费这么高",
        ],
        ["how much commission do you take per trade", "现货交易的手续费率是多少"],
    ),
    "account_locked": (
        [
            "my account has been locked",
            "I entered the wrong password too many times and I'm locked out",
            "why is my account frozen",
            "account suspended, what should I do",
            "can you unlock my account",
            "my login is blocked",
            "我的账户被冻结了",
            "账号被锁定无法登录",
            "为什么我的账户被封了",
        ],
        ["my account got frozen after I logged in from a new country", "账户被锁了怎么办"],
    ),
    "wrong_network": (
        [
            "I sent USDT on the wrong network",
            "sent tokens via BEP20 instead of ERC20",
            "can you recover coins sent to the wrong chain",
            "deposited on the wrong blockchain network",
            "I used TRC20 but the address was ERC20",
            "funds sent to wrong network, can I get them back",
            "我转错网络了",
            "USDT用错链了能找回吗",
            "把币充到了错误的网络",
        ],
        ["I picked the wrong chain when sending my tokens", "选错了转账网络怎么办"],
    ),
    "api_keys": (
        [
            "how do I create an API key",
            "my API key stopped working",
            "how to restrict an API key to my IP address",
            "where can I find my API secret",
            "API returns invalid signature error",
            "delete an old API key",
            "怎么创建API密钥",
            "API密钥失效了",
            "API签名错误怎么解决",
        ],
        ["the trading bot says my API key is invalid", "如何给API绑定IP白名单"],
    ),
}


def crypto_split() -> tuple[list[Example], list[Example]]:
    train = [Example(t, intent) for intent, (tr, _) in CRYPTO.items() for t in tr]
    test = [Example(t, intent) for intent, (_, te) in CRYPTO.items() for t in te]
    return train, test


FAST = ModelConfig(features=FeatureConfig(embedders=("use-m3",)), oos_threshold=0.0)


@pytest.fixture(scope="session")
def crypto_model() -> IntentModel:
    train, _ = crypto_split()
    return IntentModel.train(train, FAST)


def shared_data_or_skip(*parts: str) -> Path:
    """The path under ../shared/data, skipping when absent (failing in CI)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        reason = f"shared data not found: {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"required in CI: {reason}")
        print(reason)
        pytest.skip(reason)
    return path
