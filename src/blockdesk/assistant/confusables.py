"""Intents customers' messages (and so the model) mix up, in one place: the assistant asks
one clarifying question naming both instead of answering when the top two intents are
such a pair and close (`ASSISTANT_CONFUSABLE_MARGIN`), and a direction word in the message
("提币", "withdraw" / "充值", "deposit") picks the consistent one of a deposit/withdrawal
pair. The training-data work (assistant/nlu) may extend the pairs; intents are article
keys, so a pair whose keys an account does not have never matches.

Every family of issue 16 has a pair in the starter knowledge base; buy/sell, bridge in/out
and password reset got their articles for it (`buy-crypto`/`sell-crypto`,
`bridge-in-not-arrived`/`bridge-out`, `password-reset`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from blockdesk.assistant.phrases import localized

IN = "in"  # money coming into the customer's account here
OUT = "out"  # money leaving it


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    family: str  # which confusion, for reports: "deposit/withdrawal", "pending/failed", …

    @property
    def keys(self) -> frozenset[str]:
        return frozenset((self.first, self.second))


PAIRS: tuple[Pair, ...] = (
    Pair("deposit-not-arrived", "withdrawal-pending", "deposit/withdrawal"),
    Pair("deposit-wrong-network", "withdrawal-wrong-address", "deposit/withdrawal"),
    Pair("deposit-wrong-network", "deposit-missing-memo", "wrong network/memo"),
    Pair("deposit-missing-memo", "withdrawal-wrong-address", "wrong memo/address"),
    Pair("deposit-wrong-network", "wallet-wrong-network", "wrong network: deposit/wallet"),
    Pair("tx-stuck-pending", "tx-reverted", "pending/failed"),
    Pair("tx-stuck-pending", "tx-out-of-gas", "pending/failed"),
    Pair("tx-stuck-pending", "deposit-not-arrived", "sent/received"),
    Pair("staking-basics", "staking-lockups-unbonding", "stake/unstake"),
    Pair("two-factor-reset", "two-factor-setup", "2FA reset/set up"),
    Pair("kyc-levels", "kyc-rejected", "KYC pending/rejected"),
    Pair("kyc-documents", "kyc-rejected", "KYC pending/rejected"),
    Pair("phishing-lookalike-domains", "account-security-checklist", "phishing/hacked"),
    Pair("phishing-fake-support", "account-security-checklist", "phishing/hacked"),
    Pair("two-factor-reset", "password-reset", "2FA reset/password reset"),
    Pair("buy-crypto", "sell-crypto", "buy/sell"),
    Pair("buy-crypto", "p2p-escrow", "buy/P2P escrow"),
    Pair("sell-crypto", "p2p-disputes", "sell/P2P dispute"),
    Pair("bridge-in-not-arrived", "bridge-out", "bridge in/out"),
    Pair("bridge-in-not-arrived", "deposit-not-arrived", "bridge/deposit"),
)

# Which way the money moves in an intent (only where it is the whole difference).
DIRECTION: dict[str, str] = {
    "deposit-not-arrived": IN,
    "deposit-wrong-network": IN,
    "deposit-missing-memo": IN,
    "withdrawal-pending": OUT,
    "withdrawal-wrong-address": OUT,
}

# What the customer wants, in words an agent (and the customer, in a clarifying question)
# reads at a glance; other intents fall back to their article's title.
LABELS: dict[str, tuple[Promise, str]] = {
    "deposit-not-arrived": (
        _("a deposit (money coming in) that has not arrived"),
        "充值（转入）未到账",
    ),
    "withdrawal-pending": (
        _("a withdrawal (money going out) that is pending or has not arrived"),
        "提币/提现（转出）处理中或未到账",
    ),
    "deposit-wrong-network": (_("a deposit sent on the wrong network"), "充值时选错了网络（链）"),
    "withdrawal-wrong-address": (_("a withdrawal sent to a wrong address"), "提币到了错误的地址"),
    "deposit-missing-memo": (
        _("a deposit without the required memo or tag"),
        "充值时漏填或填错了备注（Memo/Tag）",
    ),
    "wallet-wrong-network": (
        _("a wallet showing the wrong network or a zero balance"),
        "钱包切错网络或余额显示为零",
    ),
    "tx-stuck-pending": (_("a transaction stuck as pending"), "交易一直处于待确认（pending）"),
    "tx-reverted": (_("a transaction that failed (reverted)"), "交易失败（reverted）"),
    "tx-out-of-gas": (_("a transaction that failed for lack of gas"), "交易因 Gas 不足失败"),
    "staking-basics": (_("staking (putting coins to stake)"), "质押（存入质押）"),
    "staking-lockups-unbonding": (_("unstaking and lock-up periods"), "解除质押与锁定期"),
    "two-factor-reset": (_("resetting a lost 2FA"), "重置丢失的二次验证（2FA）"),
    "two-factor-setup": (_("setting up 2FA"), "设置二次验证（2FA）"),
    "kyc-levels": (_("identity verification (KYC) levels and review"), "身份认证（KYC）等级与审核"),
    "kyc-rejected": (_("a rejected identity verification (KYC)"), "身份认证（KYC）被拒绝"),
    "kyc-documents": (_("documents accepted for verification"), "认证可用的证件"),
    "phishing-lookalike-domains": (
        _("reporting a phishing site or message"),
        "举报钓鱼网站或消息",
    ),
    "phishing-fake-support": (_("someone posing as support"), "有人冒充客服"),
    "account-security-checklist": (
        _("an account that may be hacked"),
        "账户可能被盗",
    ),
    "password-reset": (_("resetting a forgotten login password"), "重置忘记的登录密码"),
    "buy-crypto": (_("buying crypto with money"), "用法币买币"),
    "sell-crypto": (_("selling crypto for money"), "卖币换成法币"),
    "bridge-in-not-arrived": (
        _("a bridge transfer that has not arrived"),
        "跨链转账未到账",
    ),
    "bridge-out": (_("moving tokens to another chain"), "把币转到另一条链"),
    "p2p-escrow": (_("how a P2P trade and its escrow work"), "P2P 交易与担保托管流程"),
    "p2p-disputes": (_("a P2P trade in dispute or an appeal"), "P2P 交易纠纷或申诉"),
}


def pair_of(a: str, b: str) -> Pair | None:
    """The confusable pair made of intents ``a`` and ``b`` (either order), if any."""
    wanted = frozenset((a, b))
    return next((p for p in PAIRS if p.keys == wanted), None)


def label(key: str, language: str) -> str | None:
    """The intent in human words in ``language``, or None (callers show the title)."""
    entry = LABELS.get(key)
    return localized(entry[0], entry[1], language) if entry else None
