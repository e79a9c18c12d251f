"""Sign-In with Ethereum through the wallet API, the way the widget and the sign-in page call
it: challenge, sign the exact server-built text with an eth-account key, verify."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account

from blockdesk.chain.siwe import SiweMessage
from blockdesk.common.crypto import hash_token
from blockdesk.common.periodic import jobs
from blockdesk.conversations.contact_services import IdentitySpec, do_add_contact_identity
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation, Message
from blockdesk.events.consumers import get_consumer
from blockdesk.events.models import Event
from blockdesk.wallet_auth import services
from blockdesk.wallet_auth.models import WalletNonce
from blockdesk.webhooks.models import WebhookDelivery
from blockdesk.webhooks.services import do_create_webhook
from blockdesk.widget.services import get_widget_channel, resolve_visitor

from .conftest import WalletVisitor, sign

pytestmark = pytest.mark.django_db


def _error(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code >= 400, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    return str(body["error"]["code"])


def _replace(message: str, **changes: object) -> str:
    return dataclasses.replace(SiweMessage.parse(message), **changes).to_message()  # type: ignore[arg-type]


def _conversation_ids(visitor: WalletVisitor) -> set[int]:
    response = visitor.get("conversations")
    assert response.status_code == 200
    return {c["id"] for c in response.json()["conversations"]}


# --- the challenge ---------------------------------------------------------------------------


def test_challenge_is_an_eip4361_message_for_this_site(visitor, wallet_key):
    data = visitor.challenge(wallet_key.address.lower(), chain_id="0x89")
    message = SiweMessage.parse(data["message"])
    assert message.domain == "testserver" and message.uri == "http://testserver/"
    assert message.address == wallet_key.address  # EIP-55, whatever case the wallet sent
    assert message.chain_id == 137 and message.version == "1"
    assert re.fullmatch(r"[A-Za-z0-9]{16,}", message.nonce)
    assert message.statement == services.STATEMENT and message.statement.isascii()
    assert message.expiration_time_dt - message.issued_at_dt == timedelta(minutes=10)
    assert data["explanation"] and data["chain_id"] == 137
    record = WalletNonce.objects.get()
    # Bound to this browser by the keyed hash of its token; the token itself is not stored.
    assert record.visitor_hash == hash_token(visitor.token) and visitor.token not in str(
        list(WalletNonce.objects.values_list())
    )
    assert record.expires_at == message.expiration_time_dt and record.consumed_at is None


def test_every_challenge_has_a_fresh_nonce(visitor, wallet_key):
    nonces = {
        SiweMessage.parse(visitor.challenge(wallet_key.address)["message"]).nonce for _ in range(5)
    }
    assert len(nonces) == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "0x123", "chain_id": 1}, "address"),
        ({"address": "vitalik.eth", "chain_id": 1}, "address"),
        ({"address": "0x" + "ab" * 20, "chain_id": "0x0"}, "chain_id"),
        ({"address": "0x" + "ab" * 20, "chain_id": "mainnet"}, "chain_id"),
        ({"address": "0x" + "ab" * 20, "chain_id": -1}, "chain_id"),
        ({"address": "0x" + "ab" * 20, "chain_id": True}, "chain_id"),
    ],
)
def test_challenge_validates_address_and_chain_id(visitor, body, field):
    response = visitor.wallet_post("challenge", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert WalletNonce.objects.count() == 0


def test_domain_comes_from_trusted_hosts_only(settings):
    settings.ALLOWED_HOSTS = ["*", ".example.org", "support.example.com"]
    settings.PUBLIC_URL = "https://help.example.com"
    assert services.site_origin(host="support.example.com", scheme="https").domain == (
        "support.example.com"
    )
    # A wildcard lets any Host through Django; it must not choose the signed domain.
    assert services.site_origin(host="evil.example", scheme="http") == services.SiteOrigin(
        domain="help.example.com", scheme="https"
    )
    assert services.site_origin(host="x.example.org", scheme="https").domain == "help.example.com"
    assert services.site_origin(host="help.example.com:8443", scheme="https").domain == (
        "help.example.com:8443"
    )


# --- EOA sign-in ------------------------------------------------------------------------------


def test_eoa_sign_in_links_the_wallet_to_the_visitor(visitor, wallet_key):
    contact = Contact.objects.get()
    assert visitor.wallet_get("status").json() == {"wallet": None}
    response = visitor.sign_in(wallet_key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["wallet"]["address"] == wallet_key.address
    assert body["wallet"]["short"] == wallet_key.address[:6] + "\u2026" + wallet_key.address[-4:]
    assert body["moved"] is False and body["visitor"]["id"] == contact.pk
    identity = ContactIdentity.objects.get(kind=ContactIdentity.Kind.WALLET)
    assert identity.contact_id == contact.pk and identity.value == wallet_key.address
    assert visitor.wallet_get("status").json()["wallet"]["address"] == wallet_key.address
    assert WalletNonce.objects.get().consumed_at is not None


def test_a_replayed_signature_is_refused(visitor, wallet_key):
    message = visitor.challenge(wallet_key.address)["message"]
    signature = sign(wallet_key, message)
    assert visitor.verify(message, signature).status_code == 200
    assert _error(visitor.verify(message, signature)) == "nonce_used"


def test_consumption_is_a_conditional_update(visitor, wallet_key):
    """Two requests that both passed the signature check: only one may consume the nonce."""
    channel = get_widget_channel(public_token=visitor.channel.public_token)
    session = resolve_visitor(channel=channel, token=visitor.token)
    message = visitor.challenge(wallet_key.address)["message"]
    signature = sign(wallet_key, message)
    record = WalletNonce.objects.get()
    # The other request consumed it between our read and our update.
    original = WalletNonce.objects.filter

    def racing_filter(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("consumed_at__isnull") is True:
            original(pk=record.pk).update(consumed_at=record.issued_at + timedelta(seconds=1))
        return original(*args, **kwargs)

    WalletNonce.objects.filter = racing_filter  # type: ignore[method-assign]
    try:
        with pytest.raises(services.WalletSignInError) as caught:
            services.do_verify_sign_in(
                session=session, visitor_token=visitor.token, message=message, signature=signature
            )
    finally:
        WalletNonce.objects.filter = original  # type: ignore[method-assign]
    assert caught.value.code == "nonce_used"
    assert not ContactIdentity.objects.filter(kind=ContactIdentity.Kind.WALLET).exists()


def test_an_expired_message_is_refused(visitor, wallet_key):
    channel = get_widget_channel(public_token=visitor.channel.public_token)
    session = resolve_visitor(channel=channel, token=visitor.token)
    message = visitor.challenge(wallet_key.address)["message"]
    expires = SiweMessage.parse(message).expiration_time_dt
    assert expires is not None
    with pytest.raises(services.WalletSignInError) as caught:
        services.do_verify_sign_in(
            session=session,
            visitor_token=visitor.token,
            message=message,
            signature=sign(wallet_key, message),
            now=expires + timedelta(seconds=1),
        )
    assert caught.value.code == "expired" and caught.value.status == 400
    assert WalletNonce.objects.get().consumed_at is None
    assert not ContactIdentity.objects.filter(kind=ContactIdentity.Kind.WALLET).exists()


def test_a_message_for_another_domain_is_refused(visitor, wallet_key):
    message = _replace(visitor.challenge(wallet_key.address)["message"], domain="evil.example")
    assert _error(visitor.verify(message, sign(wallet_key, message))) == "domain_mismatch"


def test_a_nonce_we_never_issued_is_refused(visitor, wallet_key):
    message = _replace(visitor.challenge(wallet_key.address)["message"], nonce="A" * 24)
    assert _error(visitor.verify(message, sign(wallet_key, message))) == "nonce_mismatch"


def test_a_changed_chain_id_is_refused(visitor, wallet_key):
    message = _replace(visitor.challenge(wallet_key.address, "0x1")["message"], chain_id=56)
    assert _error(visitor.verify(message, sign(wallet_key, message))) == "chain_mismatch"


def test_any_other_change_to_the_issued_text_is_refused(visitor, wallet_key):
    message = _replace(
        visitor.challenge(wallet_key.address)["message"], statement="I agree to anything"
    )
    assert _error(visitor.verify(message, sign(wallet_key, message))) == "invalid_message"
    assert _error(visitor.verify("hello", "0x00")) == "invalid_message"


def test_a_wrong_signature_binds_nothing_and_does_not_burn_the_nonce(visitor, wallet_key):
    message = visitor.challenge(wallet_key.address)["message"]
    impostor = Account.create()
    assert _error(visitor.verify(message, sign(impostor, message))) == "invalid_signature"
    assert _error(visitor.verify(message, "0x1234")) == "invalid_signature"
    assert not ContactIdentity.objects.filter(kind=ContactIdentity.Kind.WALLET).exists()
    # The real owner can still finish this sign-in.
    assert visitor.verify(message, sign(wallet_key, message)).status_code == 200


def test_a_challenge_is_bound_to_the_browser_it_was_issued_to(visitor, second_device, wallet_key):
    """A signed message captured from one visitor is useless to another."""
    message = visitor.challenge(wallet_key.address)["message"]
    signature = sign(wallet_key, message)
    assert _error(second_device.verify(message, signature)) == "nonce_mismatch"
    assert not ContactIdentity.objects.filter(kind=ContactIdentity.Kind.WALLET).exists()
    assert visitor.verify(message, signature).status_code == 200


def test_wallet_api_needs_a_visitor_token(channel, wallet_key):
    anonymous = WalletVisitor(channel)
    assert _error(anonymous.wallet_post("challenge", {"address": wallet_key.address})) == (
        "unauthenticated"
    )
    anonymous.token = "bdv_forged"
    assert anonymous.wallet_get("status").status_code == 401
    assert anonymous.wallet_post("verify", {}).status_code == 401
    assert _error(WalletVisitor(channel).start().wallet_get("challenge")) == "method_not_allowed"


def test_missing_fields_get_the_one_error_shape(visitor):
    response = visitor.wallet_post("verify", {"signature": "0x00"})
    assert response.status_code == 422 and "message" in response.json()["error"]["fields"]
    response = visitor.client.post(
        visitor.wallet_base + "verify",
        "not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {visitor.token}"},
    )
    assert response.status_code == 400 and _error(response) == "invalid_json"


def test_sign_in_is_rate_limited(visitor, wallet_key):
    for _ in range(services.RATE_LIMIT):
        assert (
            visitor.wallet_post(
                "challenge", {"address": wallet_key.address, "chain_id": 1}
            ).status_code
            == 201
        )
    response = visitor.wallet_post("challenge", {"address": wallet_key.address, "chain_id": 1})
    assert _error(response) == "rate_limited" and int(response["Retry-After"]) >= 1


# --- linking across devices ------------------------------------------------------------------


def test_a_second_device_joins_the_wallet_contact_with_its_conversations(
    visitor, second_device, wallet_key
):
    first = visitor.send("My deposit has not arrived").json()["conversation"]["id"]
    assert visitor.sign_in(wallet_key).status_code == 200
    wallet_contact = ContactIdentity.objects.get(kind=ContactIdentity.Kind.WALLET).contact
    # The other device wrote anonymously before signing in.
    second = second_device.send("Also, my withdrawal is pending").json()["conversation"]["id"]
    anonymous = Conversation.objects.get(pk=second).contact
    assert _conversation_ids(second_device) == {second}

    response = second_device.sign_in(wallet_key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["moved"] is True and body["merged_conversations"] == 1
    assert body["visitor"]["id"] == wallet_contact.pk
    # Both browsers now see all of the customer's conversations.
    assert _conversation_ids(visitor) == _conversation_ids(second_device) == {first, second}
    assert Conversation.objects.get(pk=second).contact_id == wallet_contact.pk
    assert not Message.objects.filter(sender_contact=anonymous).exists()
    anonymous.refresh_from_db()
    assert anonymous.attributes["merged_into_contact_id"] == wallet_contact.pk
    assert second_device.wallet_get("status").json()["wallet"]["address"] == wallet_key.address
    # And either can continue the other's case.
    reply = second_device.send("any news?", conversation_id=first)
    assert reply.status_code == 201 and reply.json()["conversation"]["id"] == first


def test_signing_in_again_on_the_same_contact_changes_nothing(visitor, wallet_key):
    assert visitor.sign_in(wallet_key).status_code == 200
    again = visitor.sign_in(wallet_key).json()
    assert again["moved"] is False and again["merged_conversations"] == 0
    assert ContactIdentity.objects.filter(kind=ContactIdentity.Kind.WALLET).count() == 1


def test_a_different_wallet_on_a_signed_in_browser_starts_a_separate_contact(visitor, wallet_key):
    """Whoever signs with another wallet on this browser must not inherit the first wallet's
    history (shared computers)."""
    first = visitor.send("private matter").json()["conversation"]["id"]
    visitor.sign_in(wallet_key)
    other = Account.create()
    body = visitor.sign_in(other).json()
    assert body["moved"] is True and body["wallet"]["address"] == other.address
    owners = dict(
        ContactIdentity.objects.filter(kind=ContactIdentity.Kind.WALLET).values_list(
            "value", "contact_id"
        )
    )
    assert owners[wallet_key.address] != owners[other.address]
    created = Event.objects.filter(name="contact.created").order_by("-id").first()
    assert created is not None and created.payload == {
        "contact_id": owners[other.address],
        "source": "wallet_sign_in",
    }
    assert _conversation_ids(visitor) == set()
    assert Conversation.objects.get(pk=first).contact_id == owners[wallet_key.address]
    # Signing back in with the first wallet brings its history back (and leaves the other).
    visitor.sign_in(wallet_key)
    assert _conversation_ids(visitor) == {first}


def test_an_identified_contact_is_not_merged_into_the_wallet_contact(
    visitor, second_device, wallet_key
):
    visitor.sign_in(wallet_key)
    mine = second_device.send("hello").json()["conversation"]["id"]
    own_contact = Conversation.objects.get(pk=mine).contact
    ContactIdentity.objects.create(
        account_id=own_contact.account_id,
        contact=own_contact,
        kind=ContactIdentity.Kind.EXTERNAL,
        value="user-42",
    )
    body = second_device.sign_in(wallet_key).json()
    assert body["moved"] is True and body["merged_conversations"] == 0
    assert Conversation.objects.get(pk=mine).contact_id == own_contact.pk


def test_a_visitor_cannot_read_another_contacts_conversations(visitor, second_device, wallet_key):
    theirs = visitor.send("secret case").json()["conversation"]["id"]
    visitor.sign_in(wallet_key)
    # Without signing, the other browser cannot reach the case...
    assert second_device.get(f"conversations/{theirs}").status_code == 404
    assert second_device.get("messages", conversation_id=theirs).status_code == 404
    # ...nor bind the address by presenting someone else's signature for its own challenge.
    message = second_device.challenge(wallet_key.address)["message"]
    assert _error(second_device.verify(message, sign(Account.create(), message))) == (
        "invalid_signature"
    )
    assert _conversation_ids(second_device) == set()


def test_sign_out_gives_this_browser_a_new_anonymous_visitor(visitor, wallet_key):
    case = visitor.send("hello").json()["conversation"]["id"]
    visitor.sign_in(wallet_key)
    old_token = visitor.token
    response = visitor.wallet_post("sign-out")
    assert response.status_code == 200
    body = response.json()
    assert body["wallet"] is None and body["visitor_token"] != old_token
    assert visitor.get("conversations").status_code == 401  # the old token is dead
    visitor.token = body["visitor_token"]
    assert _conversation_ids(visitor) == set()
    assert visitor.wallet_get("status").json() == {"wallet": None}
    # The wallet's contact keeps the case for the next sign-in.
    visitor.sign_in(wallet_key)
    assert _conversation_ids(visitor) == {case}


def _contact_id(visitor: WalletVisitor) -> int:
    assert visitor.token is not None
    return ContactIdentity.objects.get(value=hash_token(visitor.token)).contact_id


def _contact_events() -> list[Event]:
    return list(Event.objects.filter(name__startswith="contact.").order_by("id"))


def test_linking_writes_events_to_the_log(visitor, second_device, wallet_key):
    before = _contact_events()
    # Each visitor started as a new contact recognised by its browser token.
    assert [e.name for e in before] == ["contact.created", "contact.identity_linked"] * 2
    assert [e.payload["kind"] for e in before[1::2]] == ["web_visitor", "web_visitor"]
    assert all(e.payload["value"] is None for e in before[1::2])  # the token hash stays
    first, second = _contact_id(visitor), _contact_id(second_device)
    visitor.sign_in(wallet_key)
    second_device.send("hi")
    second_device.sign_in(wallet_key)
    events = _contact_events()[len(before) :]
    names = [e.name for e in events]
    assert names == [
        "contact.identity_linked",
        "contact.wallet_verified",
        "contact.merged",
        "contact.wallet_verified",
    ]
    linked, verified, merged, _again = events
    assert linked.payload == {
        "contact_id": first,
        "identity_id": linked.payload["identity_id"],
        "kind": "wallet",
        "value": wallet_key.address,
        "previous_contact_id": None,
        "proof": "wallet_signature",
    }
    assert merged.payload["target_contact_id"] == verified.payload["contact_id"]
    assert merged.payload["source_contact_id"] == second
    assert verified.payload["address"] == wallet_key.address
    assert (verified.actor_kind, verified.actor_id) == ("contact", verified.subject_id)


def test_a_browser_moving_to_the_wallet_owner_is_an_identity_linked_event(
    visitor, second_device, wallet_key
):
    first, second = _contact_id(visitor), _contact_id(second_device)
    visitor.sign_in(wallet_key)
    # The second browser's contact is identified (by an email identity): it keeps its
    # history and only the browser's token moves.
    do_add_contact_identity(
        contact=Contact.objects.get(pk=second),
        spec=IdentitySpec(kind="email", value="kept@example.com"),
    )
    start = Event.objects.order_by("-id").values_list("id", flat=True).first()
    second_device.sign_in(wallet_key)
    events = list(Event.objects.filter(pk__gt=start).order_by("id"))
    assert [e.name for e in events] == ["contact.identity_linked", "contact.wallet_verified"]
    assert events[0].payload["kind"] == "web_visitor" and events[0].payload["value"] is None
    assert events[0].payload["contact_id"] == first
    assert events[0].payload["previous_contact_id"] == second


def test_webhooks_can_subscribe_to_wallet_sign_in_and_merges(
    visitor, second_device, wallet_key, admin_user, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is never called here
    hook = do_create_webhook(
        actor=admin_user,
        url="http://127.0.0.1:9/blockdesk",
        events=["contact.wallet_verified", "contact.merged"],
    )
    visitor.sign_in(wallet_key)
    second_device.send("hi")
    second_device.sign_in(wallet_key)
    fan_out = get_consumer("webhooks.fan_out").handler
    for event in Event.objects.order_by("id"):  # what the dispatcher hands the consumer
        fan_out(event)
    deliveries = list(WebhookDelivery.objects.filter(webhook=hook).order_by("id"))
    assert [d.event for d in deliveries] == [
        "contact.wallet_verified",
        "contact.merged",
        "contact.wallet_verified",
    ]
    assert deliveries[0].payload["data"]["address"] == wallet_key.address
    assert deliveries[0].payload["name"] == "contact.wallet_verified"


def test_the_periodic_jobs_purge_long_expired_challenges(visitor, wallet_key):
    visitor.challenge(wallet_key.address)
    visitor.challenge(wallet_key.address)
    old, fresh = WalletNonce.objects.order_by("id")
    long_ago = timezone.now() - timedelta(days=2)
    WalletNonce.objects.filter(pk=old.pk).update(
        issued_at=long_ago - timedelta(minutes=10), expires_at=long_ago
    )
    # The job itself: run_periodic_once would also close the connection of this test's
    # transaction (as it should between jobs in the real loop).
    assert services.do_purge_expired_nonces in jobs()
    assert services.do_purge_expired_nonces() == 1
    assert list(WalletNonce.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_nonces_and_tokens_never_reach_the_logs(visitor, wallet_key, caplog):
    caplog.set_level("DEBUG")
    message = visitor.challenge(wallet_key.address)["message"]
    visitor.verify(message, sign(wallet_key, message))
    visitor.verify(message, sign(wallet_key, message))
    nonce = SiweMessage.parse(message).nonce
    assert nonce not in caplog.text and str(visitor.token) not in caplog.text
