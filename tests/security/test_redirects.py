"""Every user-supplied redirect target stays on this site (common/redirects.safe_next),
and each view that takes `next` goes through it."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
from django.test import Client, RequestFactory

from blockdesk.accounts.models import TotpDevice
from blockdesk.accounts.services import do_start_totp_enrolment
from blockdesk.common.redirects import safe_next
from blockdesk.kb.models import ArticleTranslation, Category
from tests.conftest import PASSWORD
from tests.kb.conftest import make_article, reindexed  # noqa: F401 (autouse: no search engine)

EVIL = [
    "https://evil.example/x",
    "http://evil.example",
    "//evil.example/x",
    "///evil.example/x",
    "\\\\evil.example/x",
    "/\\evil.example/x",
    "\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:///evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    "\x00//evil.example",
    "／／evil.example",  # full-width solidus
    "/\uff0fevil.example",
    "https://evil。example",  # ideographic full stop
    "https://testserver.evil.example/",
    "https://testserver@evil.example/",
    "evil.example/x",
    "ftp://testserver/x",
    "/" + "a" * 3000,
]
GOOD = ["/app/", "/app/kb/stale/?days=30", "/help/en/#top", "http://testserver/app/"]


@pytest.mark.parametrize("target", EVIL)
def test_safe_next_refuses_other_sites_and_tricks(target):
    request = RequestFactory().get("/")
    assert safe_next(request, target, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", GOOD)
def test_safe_next_keeps_our_own_pages(target):
    request = RequestFactory().get("/")
    assert safe_next(request, target, "/fallback/") == target


def test_safe_next_wants_https_on_a_secure_request():
    request = RequestFactory().get("/", secure=True)
    assert safe_next(request, "http://testserver/app/", "/f/") == "/f/"
    assert safe_next(request, "https://testserver/app/", "/f/") == "https://testserver/app/"
    assert safe_next(request, None, "/f/") == "/f/"


# --- the views --------------------------------------------------------------------

BAD_FOR_VIEWS = ["https://evil.example/x", "//evil.example", "/\\evil.example", "https:evil"]


@pytest.fixture
def article(agent, account) -> ArticleTranslation:
    category = Category.objects.create(
        account=account, key="deposits", order=1, names={"en": "Deposits"}, descriptions={}
    )
    return make_article(agent, category)


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("target", BAD_FOR_VIEWS)
def test_kb_status_does_not_follow_other_sites(agent, article, target):
    response = _login(agent).post(
        f"/app/kb/{article.article_id}/en/status/", {"status": "draft", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/app/kb/{article.article_id}/en/"


def test_kb_status_follows_its_own_pages(agent, article):
    response = _login(agent).post(
        f"/app/kb/{article.article_id}/en/status/",
        {"status": "draft", "next": "/app/kb/stale/?days=30"},
    )
    assert response["Location"] == "/app/kb/stale/?days=30"


@pytest.mark.parametrize("target", [*BAD_FOR_VIEWS, "/app/kb/\\evil.example"])
def test_kb_reviewed_does_not_follow_other_sites(agent, article, target):
    response = _login(agent).post(f"/app/kb/{article.article_id}/en/reviewed/", {"next": target})
    assert response["Location"] == f"/app/kb/{article.article_id}/en/"


@pytest.mark.parametrize("target", BAD_FOR_VIEWS)
def test_login_does_not_follow_other_sites(agent, target):
    response = Client().post(
        f"/accounts/login/?next={target}",
        {"username": agent.username, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302 and response["Location"] == "/app/"


def test_login_follows_its_own_pages(agent):
    response = Client().post(
        "/accounts/login/", {"username": agent.username, "password": PASSWORD, "next": "/app/kb/"}
    )
    assert response["Location"] == "/app/kb/"


@pytest.mark.parametrize("target", BAD_FOR_VIEWS)
def test_two_factor_does_not_follow_other_sites(agent, target):
    device, _uri = do_start_totp_enrolment(user=agent)
    TotpDevice.objects.filter(pk=device.pk).update(confirmed=True)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": agent.username, "password": PASSWORD, "next": target}
    )
    # The next= handed to the second step is already the safe one, and encoded.
    assert response["Location"] == "/accounts/two-factor/?next=%2Fapp%2F"
    response = client.post(
        "/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).now(), "next": target}
    )
    assert response.status_code == 302 and response["Location"] == "/app/"


def test_two_factor_carries_a_safe_next_through(agent):
    device, _uri = do_start_totp_enrolment(user=agent)
    TotpDevice.objects.filter(pk=device.pk).update(confirmed=True)
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": agent.username, "password": PASSWORD, "next": "/app/kb/?q=a&b=c"},
    )
    assert response["Location"] == "/accounts/two-factor/?next=%2Fapp%2Fkb%2F%3Fq%3Da%26b%3Dc"
    response = client.post(
        "/accounts/two-factor/",
        {"code": pyotp.TOTP(device.secret).now(), "next": "/app/kb/?q=a&b=c"},
    )
    assert response["Location"] == "/app/kb/?q=a&b=c"


@pytest.mark.parametrize("target", BAD_FOR_VIEWS)
def test_language_switch_does_not_follow_other_sites(db, target):
    response = Client().post("/i18n/setlang/", {"language": "zh-hans", "next": target})
    assert response.status_code == 302
    assert "evil" not in response["Location"]


@pytest.mark.parametrize("target", [*BAD_FOR_VIEWS, "/\t/evil.example"])
def test_wallet_sign_in_link_stays_on_site(client, channel, target):
    html = client.get("/wallet/sign-in/", {"widget": channel.public_token, "next": target})
    match = re.search(r'<script id="wsi-config"[^>]*>(.*?)</script>', html.content.decode(), re.S)
    assert match is not None
    assert json.loads(match.group(1))["next"] == ""
