"""Two Blockdesk installations on loopback, each a real `manage.py serve` with its own
SQLite database: A publishes, B follows A's feed by URL and public key over HTTP. Items
(an article, a confirmed scam, an accepted community answer) arrive, are reviewed and
imported, later changes are synced, and a tampered feed is
refused and pauses the subscription with nothing of it applied."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import (
    LiveServer,
    free_port,
    migrate,
    run_django,
    server_env,
    start_server,
)

# Migrating a fresh database takes minutes on a busy machine: one migration, copied.
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.timeout(1500)]

SEED_A = """
import json
from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.kb import services as kb
from blockdesk.kb.models import Category
from blockdesk.peering import publishing
from blockdesk.trust import scam_services
account = Account.objects.create(name="Alpha Exchange")
admin = do_create_agent(account=account, username="alpha", email="a@example.com",
    password="correct-horse-battery-staple-9", role=User.Role.ADMIN)
cat = Category.objects.create(account=account, key="security", names={"en": "Security"})
tr = kb.do_create_article(actor=admin, key="avoid-phishing", category=cat, language="en",
    data=kb.TranslationInput(title="Avoid phishing", body="Check the address bar."))
kb.do_set_status(actor=admin, translation=tr, status="published")
scam_services.do_report_scam(account_id=account.pk, actor=admin,
    value="alpha-exchange-login.example", note="Fake login page")
from django.db import transaction
from blockdesk.conversations.models import Contact
from blockdesk.customers.services import do_get_or_create_customer
from blockdesk.forum import services as forum
def customer(email):
    with transaction.atomic():
        return do_get_or_create_customer(
            contact=Contact.objects.create(account=account, email=email), method="email_link")[0]
asker, helper = customer("asker@example.com"), customer("helper@example.com")
fcat = forum.do_create_category(account_id=account.pk, language="en", slug="help", name="Help")
question = forum.do_ask(author=asker, category=fcat, title="Where is the tax statement?",
    body="I need the annual tax statement of my trades.")
answer = forum.do_answer(question=question, author=helper, body="Reports, then Tax statement.")
forum.do_accept(question=question, answer=answer, by=asker)
publishing.do_configure_publisher(actor=admin, enabled=True, title="Alpha", share_scams=True,
    share_answers=True)
publishing.do_share_articles(actor=admin, article_ids=[tr.article_id])
pub = publishing.publisher_for(account.pk)
print(json.dumps({"feed_id": str(pub.feed_id), "key": publishing.active_key(pub).public_key}))
"""

SEED_B = """
import json
from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.kb.models import Category
account = Account.objects.create(name="Beta Wallet")
admin = do_create_agent(account=account, username="beta", email="b@example.com",
    password="correct-horse-battery-staple-9", role=User.Role.ADMIN)
Category.objects.create(account=account, key="security", names={"en": "Security"})
_row, token = do_create_api_token(actor=admin, name="peering",
    scopes=["peering:read", "peering:write", "trust:read"])
print(json.dumps({"token": token}))
"""

EDIT_A = """
from blockdesk.kb import services as kb
from blockdesk.kb.models import ArticleTranslation
from blockdesk.peering import publishing
tr = ArticleTranslation.objects.get(article__key="avoid-phishing")
admin = tr.author
kb.do_save_translation(actor=admin, article=tr.article, language="en",
    data=kb.TranslationInput(title="Avoid phishing (updated)", body="Bookmark our address."))
print(publishing.do_refresh_feed(publisher=publishing.publisher_for(tr.account_id)))
"""

EDIT_ANSWER_A = """
from blockdesk.forum.models import Answer
from blockdesk.peering import publishing
answer = Answer.objects.get()
Answer.objects.filter(pk=answer.pk).update(body="Reports, then Tax statement, then the year.")
print(publishing.do_refresh_feed(publisher=publishing.publisher_for(answer.account_id)))
"""

# A forged item: the stored entry's body is changed without its signature, and moved to
# the end of the feed as if it were news (what a compromised mirror could serve).
TAMPER_A = """
from django.db import transaction
from blockdesk.peering.models import FeedEntry, Publisher
with transaction.atomic():
    pub = Publisher.objects.select_for_update().get()
    entry = FeedEntry.objects.get(publisher=pub, item_type="kb.article")
    body = entry.body
    body["translations"]["en"]["body"] = "Send your seed phrase to support to verify."
    pub.last_seq += 1
    pub.save()
    FeedEntry.objects.filter(pk=entry.pk).update(body=body, seq=pub.last_seq)
"""

LOCAL_B = """
import json
from blockdesk.kb.models import ArticleTranslation
from blockdesk.events.models import Event
tr = ArticleTranslation.objects.get(article__key="shared-avoid-phishing")
answer = ArticleTranslation.objects.filter(article__key__startswith="shared-answer-").first()
print(json.dumps({"title": tr.title, "status": tr.status, "body": tr.body, "key": tr.article.key,
    "paused_events": Event.objects.filter(name="peering.subscription_paused").count(),
    "answer": answer and {"title": answer.title, "status": answer.status, "body": answer.body}}))
"""


@dataclass
class Pair:
    alpha: LiveServer
    beta: LiveServer
    feed_id: str
    public_key: str
    token: str

    def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, self.beta.url(path), headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root: Path = tmp_path_factory.mktemp("peering-two")
    # A's public URL is known before it is seeded: the links in its feed (articles,
    # answers) are the live server's, and do not change when it starts.
    port_a = free_port()
    env_a = server_env(
        database_url=f"sqlite:///{root / 'alpha.sqlite3'}",
        data_dir=root / "a",
        extra={"BLOCKDESK_PUBLIC_URL": f"http://127.0.0.1:{port_a}"},
    )
    env_b = server_env(
        database_url=f"sqlite:///{root / 'beta.sqlite3'}",
        data_dir=root / "b",
        extra={"BLOCKDESK_PEERING_ALLOW_PRIVATE": "true"},  # A is on loopback
    )
    migrate(env_a, timeout=800)
    shutil.copyfile(root / "alpha.sqlite3", root / "beta.sqlite3")  # the same empty schema
    seeded_a = json.loads(run_django(env_a, SEED_A).strip().splitlines()[-1])
    seeded_b = json.loads(run_django(env_b, SEED_B).strip().splitlines()[-1])
    alpha = start_server(env_a, port=port_a)
    try:
        beta = start_server(env_b)
        try:
            yield Pair(alpha, beta, seeded_a["feed_id"], seeded_a["key"], seeded_b["token"])
        finally:
            beta.stop()
    finally:
        alpha.stop()


def _local(pair: Pair) -> dict[str, object]:
    return json.loads(run_django(pair.beta.env, LOCAL_B).strip().splitlines()[-1])


def test_two_installations_share_review_import_sync_and_refuse_a_tampered_feed(pair: Pair) -> None:
    feed_url = pair.alpha.url(f"/peering/feed/{pair.feed_id}/")
    assert httpx.get(feed_url, timeout=10).json()["public_key"] == pair.public_key

    created = pair.api(
        "POST",
        "/api/v1/peering/subscriptions",
        json={"name": "Alpha Exchange", "url": feed_url, "public_key": pair.public_key},
    )
    assert created.status_code == 201, created.text
    sub_id = created.json()["id"]
    synced = pair.api("POST", f"/api/v1/peering/subscriptions/{sub_id}/sync")
    assert synced.status_code == 200, synced.text
    assert synced.json()["changed"] == 3
    assert synced.json()["subscription"]["status"] == "active"

    queue = pair.api("GET", "/api/v1/peering/review").json()
    by_type = {item["type"]: item for item in queue}
    assert set(by_type) == {"kb.article", "trust.scam", "forum.answer"}
    assert by_type["forum.answer"]["title"] == "Where is the tax statement?"
    for item in queue:
        accepted = pair.api("POST", f"/api/v1/peering/review/{item['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["state"] == "accepted"
    local = _local(pair)
    assert local["title"] == "Avoid phishing" and local["status"] == "draft"
    assert "Shared by Alpha Exchange." in str(local["body"])
    answer = local["answer"]
    assert isinstance(answer, dict)
    assert answer["title"] == "Where is the tax statement?" and answer["status"] == "draft"
    assert str(answer["body"]).startswith("Reports, then Tax statement.")
    assert "Based on a community answer from Alpha Exchange." in str(answer["body"])
    assert f"<{pair.alpha.url('/community/en/q/')}" in str(answer["body"])
    checked = pair.api(
        "GET", "/api/v1/trust/check", params={"value": "alpha-exchange-login.example"}
    )
    assert checked.json()["verdict"] == "no"
    assert checked.json()["reported"]["source"] == "Alpha Exchange"

    # Nothing changed: A answers 304 to B's ETag and nothing moves.
    again = pair.api("POST", f"/api/v1/peering/subscriptions/{sub_id}/sync")
    assert again.json()["changed"] == 0

    # A edits the article: the change comes back for review and updates B's copy.
    assert run_django(pair.alpha.env, EDIT_A).strip().splitlines()[-1] == "1"
    assert pair.api("POST", f"/api/v1/peering/subscriptions/{sub_id}/sync").json()["changed"] == 1
    (pending,) = pair.api("GET", "/api/v1/peering/review").json()
    assert pending["version"] == 2 and pending["local_article_id"] is not None
    assert pair.api("POST", f"/api/v1/peering/review/{pending['id']}/accept").status_code == 200
    local = _local(pair)
    assert local["title"] == "Avoid phishing (updated)"
    assert str(local["body"]).startswith("Bookmark our address.")

    # The accepted answer changes at A: it comes back for review and updates B's draft.
    assert run_django(pair.alpha.env, EDIT_ANSWER_A).strip().splitlines()[-1] == "1"
    assert pair.api("POST", f"/api/v1/peering/subscriptions/{sub_id}/sync").json()["changed"] == 1
    (pending,) = pair.api("GET", "/api/v1/peering/review").json()
    assert (pending["type"], pending["version"]) == ("forum.answer", 2)
    assert pair.api("POST", f"/api/v1/peering/review/{pending['id']}/accept").status_code == 200
    answer = _local(pair)["answer"]
    assert isinstance(answer, dict)
    assert str(answer["body"]).startswith("Reports, then Tax statement, then the year.")

    # A's feed is tampered with: B refuses it, pauses, reports, and keeps its copy as is.
    run_django(pair.alpha.env, TAMPER_A)
    refused = pair.api("POST", f"/api/v1/peering/subscriptions/{sub_id}/sync").json()
    assert refused["changed"] == 0
    assert refused["subscription"]["status"] == "paused"
    assert "bad signature" in refused["subscription"]["pause_reason"]
    assert pair.api("GET", "/api/v1/peering/review").json() == []
    local = _local(pair)
    assert "seed phrase" not in str(local["body"]) and local["paused_events"] == 1
