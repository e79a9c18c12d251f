"""Demo data for shared knowledge (docs/peering.md): a second account, "Demo Partner
Wallet", publishes a signed feed (an article in English and Chinese, and scams it
confirmed); the demo exchange follows it as a trusted peer. The first page is loaded
through the same verification as a fetch (the server is not up yet while seeding), so
/verify/ already answers "known scam, confirmed by Demo Partner Wallet" and the review
queue holds the partner's article. The demo exchange publishes its own feed too."""

from __future__ import annotations

from django.test.utils import override_settings

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.kb import services as kb_services
from blockdesk.kb.models import Article, Category
from blockdesk.peering import publishing, selectors, subscribing
from blockdesk.trust import scam_services

PARTNER = "Demo Partner Wallet"
PARTNER_SCAMS = [
    ("blockdesk-wallet-restore.example", "Asks for the recovery phrase to 'restore' a wallet"),
    ("@DemoPartner_Refunds", "Telegram account promising refunds"),
]
OWN_SCAMS = [
    ("claim-demo-exchange-airdrop.example", "Fake airdrop page that drains wallets"),
]
ARTICLE = {
    "en": (
        "Fake support accounts",
        "Real support never writes first and never asks for your recovery phrase.",
    ),
    "zh-hans": ("假冒客服账号", "真正的客服不会主动私信你，也绝不会索要你的助记词。"),
}


def _partner(password: str) -> User:
    account = Account.objects.create(name=PARTNER)
    admin = do_create_agent(
        account=account,
        username="partner",
        email="partner@demo.blockdesk.local",
        password=password,
        role=User.Role.ADMIN,
        display_name="Pat Partner",
    )
    category = Category.objects.create(
        account=account, key="safety", names={"en": "Safety", "zh-hans": "安全"}
    )
    article = None
    for language, (title, body) in ARTICLE.items():
        data = kb_services.TranslationInput(title=title, body=body)
        if article is None:
            tr = kb_services.do_create_article(
                actor=admin,
                key="fake-support-accounts",
                category=category,
                language=language,
                data=data,
            )
            article = tr.article
        else:
            tr = kb_services.do_save_translation(
                actor=admin, article=article, language=language, data=data
            )
        kb_services.do_set_status(actor=admin, translation=tr, status="published")
    for value, note in PARTNER_SCAMS:
        scam_services.do_report_scam(account_id=account.pk, actor=admin, value=value, note=note)
    publishing.do_configure_publisher(
        actor=admin, enabled=True, title="Demo Partner Wallet safety feed", share_scams=True
    )
    assert article is not None
    publishing.do_share_articles(actor=admin, article_ids=[article.pk])
    return admin


def seed(*, account: Account, admin: User, password: str) -> None:
    for value, note in OWN_SCAMS:
        scam_services.do_report_scam(account_id=account.pk, actor=admin, value=value, note=note)
    # Its forum's accepted answers too (seeded after this: the periodic refresh adds them).
    publishing.do_configure_publisher(
        actor=admin,
        enabled=True,
        title="Blockdesk Demo Exchange",
        share_scams=True,
        share_answers=True,
    )
    shared = Article.objects.filter(account=account).order_by("key").values_list("pk", flat=True)
    publishing.do_share_articles(actor=admin, article_ids=list(shared[:3]))

    partner_admin = _partner(password)
    partner = publishing.publisher_for(partner_admin.account_pk)
    # The partner lives on this same instance (loopback): the demo allows that address
    # for this one call; later fetches need BLOCKDESK_PEERING_ALLOW_PRIVATE=true.
    with override_settings(PEERING_ALLOW_PRIVATE_FEEDS=True):
        sub = subscribing.do_subscribe(
            actor=admin,
            name=PARTNER,
            url=selectors.feed_url(partner),
            public_key=publishing.active_key(partner).public_key,
            trusted=True,
        )
    subscribing.ingest_page(sub, publishing.feed_page(partner, since=0, limit=100))
