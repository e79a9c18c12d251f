"""Toy corpus and a session-wide USE model for the search tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from blockdesk.kb.documents import SearchDocument
from blockdesk.kb.search.index import Index, IndexConfig, build_index
from blockdesk.kb.search.service import embedder


def doc(
    key: str,
    language: str,
    title: str,
    *,
    summary: str = "",
    body: str = "",
    questions: tuple[str, ...] = (),
    article_id: int | None = None,
) -> SearchDocument:
    return SearchDocument(
        article_id=article_id if article_id is not None else abs(hash((key, language))) % 10**6,
        key=key,
        language=language,
        title=title,
        summary=summary,
        body=body,
        example_questions=questions,
        category="general",
        url=f"/help/{language}/{key}/",
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


TOY = [
    doc(
        "deposit-wrong-network",
        "en",
        "I sent my deposit on the wrong network",
        summary="A deposit sent on another chain is not credited automatically.",
        body="Check the network you used. Submit a recovery request with the TXID.",
        questions=("deposit wrong chain", "sent USDT on BEP20 to a TRC20 address"),
    ),
    doc(
        "deposit-wrong-network",
        "zh-hans",
        "充币时选错了网络怎么办",
        summary="如果转账使用的网络与充币页面不一致，资产不会自动到账。",
        body="请先用 TXID 在区块浏览器查询实际使用的网络，然后提交找回申请。",
        questions=("充错链了怎么办", "充币网络选错"),
    ),
    doc(
        "withdrawal-fees",
        "en",
        "Withdrawal fees",
        summary="Every withdrawal pays a network fee that depends on the chain.",
        body="The fee is shown before you confirm the withdrawal.",
        questions=("how much does it cost to withdraw",),
    ),
    doc(
        "two-factor-reset",
        "zh-hans",
        "谷歌验证器丢失如何重置",
        summary="换手机或删除了谷歌验证器后，可以申请重置。",
        body="登录后进入安全中心，提交重置申请并完成人脸识别。",
        questions=("谷歌验证器丢了", "换手机了验证码收不到"),
    ),
    doc(
        "staking-rewards",
        "zh-hans",
        "质押收益什么时候发放",
        summary="质押收益每天结算一次，次日发放到资金账户。",
        body="收益按年化利率计算，锁仓期内不可赎回。",
        questions=("质押收益没到账", "staking 收益多久发"),
    ),
    doc(
        "staking-basics",
        "en",
        "What is staking?",
        summary="Staking locks coins to help secure a proof-of-stake network.",
        body="Staking rewards depend on the network. Some products have a lock-up period.",
        questions=("how does staking work",),
    ),
    doc(
        "account-frozen",
        "en",
        "Why is my account frozen?",
        summary="Accounts are locked after suspicious activity or too many failed logins.",
        body="Contact support from the login page to unlock it.",
        questions=("account locked", "cannot log in account suspended"),
    ),
    doc(
        "fees-body-only",
        "en",
        "Trading overview",
        summary="How orders are matched.",
        body="Orders are matched by price and time. A maker or taker fee applies to trades.",
        questions=("how are orders matched",),
    ),
]


@pytest.fixture(scope="session")
def use_embedder():
    return embedder("use-m3")


@pytest.fixture(scope="session")
def toy_index(use_embedder) -> Index:
    return build_index(TOY, embedder=use_embedder, config=IndexConfig(embedder=use_embedder.name))
