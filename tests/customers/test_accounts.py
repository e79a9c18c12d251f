"""Customer accounts: magic links, passwords, wallet sign-in, sessions, display names."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct

from blockdesk.accounts.models import Account
from blockdesk.common.errors import NotFound, RateLimited, ValidationFailed
from blockdesk.conversations.models import Contact, ContactIdentity
from blockdesk.customers import magic_links, names, selectors, services
from blockdesk.customers.models import CustomerAccount, CustomerSession, MagicLink
from blockdesk.events.models import Event
from blockdesk.trust.models import AntiPhishingCode

from .conftest import make_customer, signed_in_client

SEED = "abandon " * 11 + "about"


def _link_from_mail() -> str:
    body = str(mail.outbox[-1].body)
    match = re.search(r"/customer/link/([^/\s]+)/", body)
    assert match
    return match.group(1)


def test_magic_link_signs_in_the_contact_with_that_email(account: Account) -> None:
    contact = Contact.objects.create(account=account, email="carol@example.com")
    AntiPhishingCode.objects.create(account=account, contact=contact, code="BLUE-OTTER")
    client = Client()
    response = client.post("/customer/sign-in/", {"action": "link", "email": "Carol@Example.com"})
    assert response.status_code == 302
    assert "BLUE-OTTER" in mail.outbox[-1].body  # the anti-phishing code is in the mail
    token = _link_from_mail()
    assert MagicLink.objects.get().token_hash != token  # only the hash is stored
    assert client.get(f"/customer/link/{token}/").status_code == 200  # GET does not sign in
    assert not CustomerAccount.objects.exists()
    response = client.post(f"/customer/link/{token}/")
    assert response.status_code == 302
    customer = CustomerAccount.objects.get()
    assert customer.contact_id == contact.pk  # one customer everywhere
    assert customer.display_name not in ("carol@example.com", "")
    assert ContactIdentity.objects.filter(contact=contact, kind="email").exists()
    assert Event.objects.filter(name="customer.signed_up").count() == 1
    # The session cookie works; it is not the agents' session.
    assert client.get("/customer/profile/").status_code == 200
    assert "sessionid" not in client.cookies


def test_a_link_works_once(account: Account) -> None:
    token = magic_links.do_request_link(
        account_id=account.pk, email="dave@example.com", ip="1.2.3.4", language="en"
    )
    assert token
    magic_links.do_consume_link(token=token)
    with pytest.raises(NotFound):
        magic_links.do_consume_link(token=token)
    assert Client().post(f"/customer/link/{token}/").status_code == 404


def test_an_expired_link_is_refused(account: Account) -> None:
    token = magic_links.do_request_link(
        account_id=account.pk, email="dave@example.com", ip="1.2.3.4", language="en"
    )
    assert token
    from datetime import timedelta

    link = MagicLink.objects.get()
    MagicLink.objects.filter(pk=link.pk).update(
        created_at=link.created_at - timedelta(hours=1),
        expires_at=link.created_at - timedelta(minutes=1),
    )
    with pytest.raises(NotFound):
        magic_links.do_consume_link(token=token)


def test_links_are_rate_limited_per_address(account: Account) -> None:
    for _ in range(magic_links.PER_ADDRESS_LIMIT):
        magic_links.do_request_link(
            account_id=account.pk, email="eve@example.com", ip="1.2.3.4", language="en"
        )
    with pytest.raises(RateLimited):
        magic_links.do_request_link(
            account_id=account.pk, email="EVE@example.com", ip="5.6.7.8", language="en"
        )


def test_unknown_and_known_addresses_answer_the_same(account: Account) -> None:
    Contact.objects.create(account=account, email="known@example.com")
    a = Client().post("/customer/sign-in/", {"action": "link", "email": "known@example.com"})
    b = Client().post("/customer/sign-in/", {"action": "link", "email": "nobody@example.com"})
    assert a.status_code == b.status_code == 302
    assert a["Location"] == b["Location"]


def test_password_sign_in_and_lockout(account: Account) -> None:
    customer = make_customer(account, email="frank@example.com")
    with pytest.raises(ValidationFailed):
        services.do_set_password(customer=customer, password="short")
    services.do_set_password(customer=customer, password="correct horse battery 42")
    customer.refresh_from_db()
    assert customer.password.startswith(("pbkdf2", "argon2", "bcrypt", "scrypt"))
    assert (
        services.check_password_sign_in(
            account_id=account.pk, email="frank@example.com", password="correct horse battery 42"
        ).pk
        == customer.pk
    )
    for _ in range(services.PASSWORD_ATTEMPTS):
        with pytest.raises(ValidationFailed):
            services.check_password_sign_in(
                account_id=account.pk, email="frank@example.com", password="wrong"
            )
    with pytest.raises(RateLimited):  # locked, even with the right password
        services.check_password_sign_in(
            account_id=account.pk, email="frank@example.com", password="correct horse battery 42"
        )


@pytest.mark.parametrize(
    "bad",
    [
        "ab",
        "carol@example.com",
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "Official Support",
        "客服小王",
        "<script>",
        SEED,
        "x" * 40,
    ],
)
def test_display_names_that_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        names.check_display_name(bad)


def test_display_names_are_unique_case_insensitively(account: Account) -> None:
    make_customer(account, email="a@example.com", name="Moon Walker")
    other = make_customer(account, email="b@example.com")
    with pytest.raises(ValidationFailed):
        services.do_update_profile(customer=other, display_name="moon walker")
    assert names.check_display_name("小明 Trader") == "小明 Trader"


def _sign(key: object, message: str) -> str:
    return "0x" + key.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")  # type: ignore[attr-defined]


def test_wallet_sign_in_creates_one_customer_per_address(account: Account) -> None:
    key = EthAccount.create()
    client = Client()
    challenge = client.post(
        "/customer/wallet/challenge/",
        {"address": key.address, "chain_id": "0x1"},
        content_type="application/json",
    )
    assert challenge.status_code == 200, challenge.content
    message = challenge.json()["message"]
    body = {"message": message, "signature": _sign(key, message)}
    verified = client.post("/customer/wallet/verify/", body, content_type="application/json")
    assert verified.status_code == 200, verified.content
    customer = CustomerAccount.objects.get()
    assert selectors.customer_wallets(customer=customer) == [key.address]
    assert key.address.lower() not in customer.display_name.lower()
    # A replay of the same signed message is refused.
    again = client.post("/customer/wallet/verify/", body, content_type="application/json")
    assert again.status_code == 400
    # Another browser cannot use this browser's challenge.
    stranger = Client().post("/customer/wallet/verify/", body, content_type="application/json")
    assert stranger.status_code == 400
    assert CustomerAccount.objects.count() == 1


def test_a_wrong_signature_is_refused(account: Account) -> None:
    key, other = EthAccount.create(), EthAccount.create()
    client = Client()
    message = client.post(
        "/customer/wallet/challenge/",
        {"address": key.address, "chain_id": 1},
        content_type="application/json",
    ).json()["message"]
    response = client.post(
        "/customer/wallet/verify/",
        {"message": message, "signature": _sign(other, message)},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not CustomerAccount.objects.exists()


def test_signed_in_customer_and_sign_out(account: Account) -> None:
    customer = make_customer(account, email="g@example.com")
    client = signed_in_client(customer)
    request = RequestFactory().get("/")
    request.COOKIES[selectors.SESSION_COOKIE] = client.cookies[selectors.SESSION_COOKIE].value
    assert selectors.signed_in_customer(request) == customer
    assert client.post("/customer/sign-out/").status_code == 302
    assert not CustomerSession.objects.exists()
    assert client.get("/customer/profile/").status_code == 302


def test_profile_requires_sign_in_and_an_agent_session_is_not_enough(
    account: Account, agent: object
) -> None:
    client = Client()
    client.force_login(agent)  # type: ignore[arg-type]
    response = client.get("/customer/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/customer/sign-in/?next=")


def test_a_deactivated_customer_has_no_session(account: Account) -> None:
    customer = make_customer(account, email="h@example.com")
    client = signed_in_client(customer)
    CustomerAccount.objects.filter(pk=customer.pk).update(is_active=False)
    assert client.get("/customer/profile/").status_code == 302


def test_profile_escapes_and_guards(account: Account) -> None:
    customer = make_customer(account, email="i@example.com")
    client = signed_in_client(customer)
    response = client.post("/customer/profile/", {"display_name": "<b>x</b>", "locale": "en"})
    assert response.status_code == 422 or response.status_code == 400
    assert b"<b>x</b>" not in response.content
    ok = client.post("/customer/profile/", {"display_name": "Night Owl", "locale": "zh-hans"})
    assert ok.status_code == 302
    customer.refresh_from_db()
    assert customer.display_name == "Night Owl"


def test_sign_in_next_stays_on_site(account: Account) -> None:
    customer = make_customer(account, email="j@example.com")
    services.do_set_password(customer=customer, password="correct horse battery 42")
    response = Client().post(
        "/customer/sign-in/",
        {
            "action": "password",
            "email": "j@example.com",
            "password": "correct horse battery 42",
            "next": "//evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/community/"
