"""Confirmed scams (ours and trusted peers'): the check answers "no" and names who
confirmed it; an official channel is never overridden; free text is scanned for them."""

from __future__ import annotations

import pytest

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import Conflict, Forbidden, ValidationFailed
from blockdesk.events.models import Event
from blockdesk.trust import presenters, scam_services, selectors, services
from blockdesk.trust.models import ReportedScam


def test_an_own_report_makes_the_check_say_no_with_our_team_as_source(
    account: Account, admin_user: User
) -> None:
    scam_services.do_report_scam(
        account_id=account.pk,
        actor=admin_user,
        value="https://claim-airdrop.example/x",
        note="Drainer",
    )
    for value in (
        "claim-airdrop.example",
        "https://www.claim-airdrop.example/login",
        "a@claim-airdrop.example",
    ):
        result = selectors.check_value(account_id=account.pk, value=value)
        assert result.verdict == "no", value
        shown = presenters.result_dict(result)
        assert shown["reported"]["source"] == "our team" and not shown["reported"]["from_peer"]
        assert "Drainer" in shown["explanation"]
    assert (
        selectors.check_value(account_id=account.pk, value="airdrop.example").verdict == "unknown"
    )
    assert Event.objects.filter(name="scam.reported").count() == 1


def test_handles_and_addresses_match_exactly(account: Account, admin_user: User) -> None:
    scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value="@FakeSupportBot")
    address = "0x52908400098527886E0F7030069857D2E4169EE8"
    scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value=address)
    assert selectors.check_value(account_id=account.pk, value="fakesupportbot").verdict == "no"
    assert selectors.check_value(account_id=account.pk, value=address.lower()).verdict == "no"
    assert (
        selectors.check_value(account_id=account.pk, value="@FakeSupportBot2").verdict == "unknown"
    )


def test_an_official_channel_stays_yes_even_if_someone_reported_it(
    account: Account, admin_user: User
) -> None:
    services.do_create_official_channel(
        account_id=account.pk, actor=admin_user, kind="domain", value="example-exchange.com"
    )
    scam_services.do_sync_peer_scam(
        account_id=account.pk,
        source="Careless Peer",
        source_ref="peer:1:abc",
        value="example-exchange.com",
    )
    assert (
        selectors.check_value(account_id=account.pk, value="example-exchange.com").verdict == "yes"
    )


def test_peer_reports_are_replaced_and_withdrawn_by_their_source_ref(account: Account) -> None:
    scam_services.do_sync_peer_scam(
        account_id=account.pk,
        source="Peer",
        source_ref="peer:7:" + "a" * 24,
        value="old-scam.example",
    )
    scam_services.do_sync_peer_scam(
        account_id=account.pk,
        source="Peer",
        source_ref="peer:7:" + "a" * 24,
        value="new-scam.example",
    )
    assert list(ReportedScam.objects.values_list("value", flat=True)) == ["new-scam.example"]
    assert (
        scam_services.do_withdraw_peer_scams(account_id=account.pk, source_ref_prefix="peer:7:")
        == 1
    )
    assert not ReportedScam.objects.exists()


def test_reports_are_validated_and_for_administrators(
    account: Account, admin_user: User, agent: User
) -> None:
    with pytest.raises(Forbidden):
        scam_services.do_report_scam(account_id=account.pk, actor=agent, value="evil.example")
    with pytest.raises(ValidationFailed):
        scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value="   ")
    scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value="evil.example")
    with pytest.raises(Conflict):
        scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value="EVIL.example")
    seed = "abandon " * 11 + "about"
    scam = scam_services.do_report_scam(
        account_id=account.pk, actor=admin_user, value="evil2.example", note=f"victim typed {seed}"
    )
    assert "abandon abandon" not in scam.note  # the secret guard ran on the note


def test_free_text_is_scanned_in_one_pass(account: Account, admin_user: User) -> None:
    scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value="evil.example")
    scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value="@fake_helpdesk")
    text = "Hi, support (@fake_helpdesk) told me to log in at https://login.evil.example/, ok?"
    found = selectors.scams_in_text(account_id=account.pk, text=text)
    assert {s.value for s in found} == {"evil.example", "fake_helpdesk"}
    assert selectors.scams_in_text(account_id=account.pk, text="my deposit is late") == []
    assert selectors.scams_in_text(account_id=account.pk, text="") == []


def test_the_other_accounts_reports_do_not_leak(
    account: Account, other_account: Account, admin_user: User
) -> None:
    scam_services.do_report_scam(account_id=account.pk, actor=admin_user, value="evil.example")
    assert (
        selectors.check_value(account_id=other_account.pk, value="evil.example").verdict
        == "unknown"
    )
