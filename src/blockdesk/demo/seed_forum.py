"""Demo data for the community forum (/community/) and customer accounts: categories in
English and Chinese, members with pseudonyms, questions with answers (one accepted, one
official), votes that make a leaderboard, and one post held for moderation (a lookalike
link) in /app/community/."""

from __future__ import annotations

from blockdesk.accounts.models import Account, User
from blockdesk.conversations.contact_services import IdentitySpec, do_create_contact
from blockdesk.conversations.models import ContactIdentity
from blockdesk.customers import services as customer_services
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import reputation, services, votes
from blockdesk.forum.models import MemberStats

MEMBERS = ("Moon Walker", "satoshi fan", "Quiet Otter", "链上小白", "Harbor Heron")
QUESTIONS: tuple[tuple[str, str, int, str, str, list[tuple[int, str]]], ...] = (
    # (language, category, author index, title, body, answers: (author index, body))
    (
        "en",
        "deposits",
        1,
        "USDT deposit on Tron not showing after an hour",
        "I sent 250 USDT over TRC-20 an hour ago. The explorer shows it confirmed. Why is my "
        "balance still zero?",
        [
            (
                0,
                "Tron deposits are credited after 20 confirmations; check that you used the "
                "deposit address shown for the TRC-20 network, not the ERC-20 one.",
            ),
            (2, "Mine took about 5 minutes. Did you add a memo? Some exchanges need one."),
        ],
    ),
    (
        "en",
        "wallets",
        2,
        "Is it safe to connect my wallet to a DEX?",
        "First time using a DEX. What should I check before I connect and approve?",
        [
            (
                0,
                "Check the URL twice, approve only the amount you trade, and revoke old "
                "approvals. Never type your seed phrase into any site.",
            )
        ],
    ),
    (
        "en",
        "deposits",
        3,
        "Sent ETH on the wrong network, can it be recovered?",
        "I withdrew ETH to my deposit address but picked Arbitrum instead of Ethereum.",
        [],
    ),
    (
        "zh-hans",
        "chongzhi",
        3,
        "充值USDT一直没到账怎么办？",
        "我用TRC20充值了100 USDT，区块浏览器显示成功，但是余额没有变化。",
        [(4, "先确认充值地址和网络是否一致，TRC20需要20个确认，一般几分钟到账。")],
    ),
)


def _member(account: Account, name: str, n: int) -> CustomerAccount:
    # Through the contacts' owner, so the demo's event log has contact.created too.
    email = f"member{n}@example.com"
    contact = do_create_contact(
        account_id=account.pk,
        email=email,
        identities=[IdentitySpec(ContactIdentity.Kind.EMAIL, email)],
        source="import",
    )
    customer, _new = customer_services.do_get_or_create_customer(
        contact=contact, method="email_link"
    )
    return customer_services.do_update_profile(customer=customer, display_name=name)


def seed(*, account: Account, agent: User) -> None:
    cats = {
        "deposits": services.do_create_category(
            account_id=account.pk,
            language="en",
            slug="deposits",
            name="Deposits & withdrawals",
            description="Missing deposits, networks, fees.",
        ),
        "wallets": services.do_create_category(
            account_id=account.pk,
            language="en",
            slug="wallets",
            name="Wallets & safety",
            description="Self-custody, DEXs, staying safe.",
            position=1,
        ),
        "chongzhi": services.do_create_category(
            account_id=account.pk,
            language="zh-hans",
            slug="chongzhi",
            name="充值与提现",
            description="充值未到账、网络选择、手续费。",
        ),
        "anquan": services.do_create_category(
            account_id=account.pk,
            language="zh-hans",
            slug="anquan",
            name="钱包与安全",
            position=1,
        ),
    }
    members = [_member(account, name, n) for n, name in enumerate(MEMBERS)]
    # Voters need trust level Basic: give two members some history.
    for m in members[:3]:
        MemberStats.objects.update_or_create(
            member=m, defaults={"account_id": account.pk, "reputation": 20, "trust_level": 1}
        )
    ip = iter(range(1, 255))
    for _language, cat, author, title, body, answers in QUESTIONS:
        q = services.do_ask(author=members[author], category=cats[cat], title=title, body=body)
        posted = [
            services.do_answer(question=q, body=text, author=members[who]) for who, text in answers
        ]
        for answer in posted:
            for voter in members[:3]:
                if voter.pk != answer.author_id:
                    votes.do_vote(voter=voter, post=answer, value=1, ip=f"192.0.2.{next(ip)}")
        if posted:
            services.do_accept(question=q, answer=posted[0], by=members[author])
    wrong_network = services.do_ask(
        author=members[4],
        category=cats["wallets"],
        title="Approvals: how do I revoke an old one?",
        body="I approved unlimited USDT to a farm last year. How do I remove that approval?",
    )
    services.do_answer(
        question=wrong_network,
        agent=agent,
        body="Open your wallet's token approvals page (or a revoke tool you trust), find the "
        "spender and set the allowance to zero. We will never ask for your seed phrase.",
    )
    # Held for moderation: a lookalike of the demo's official domain (see /app/community/).
    scam_target = services.do_ask(
        author=members[0],
        category=cats["deposits"],
        title="Withdrawal pending for two days",
        body="My BTC withdrawal is still pending.",
    )
    services.do_answer(
        question=scam_target,
        author=members[1],
        body="Official support here: verify your account at https://demo-exchanqe.example/verify",
    )
    reputation.refresh(members[0].pk)
