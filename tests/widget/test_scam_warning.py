"""The widget warns a visitor who pastes a confirmed scam, naming who confirmed it."""

from __future__ import annotations

from blockdesk.accounts.models import Account
from blockdesk.trust import scam_services
from tests.widget.conftest import Visitor


def test_a_pasted_scam_link_comes_back_with_a_warning(account: Account, visitor: Visitor) -> None:
    scam_services.do_sync_peer_scam(
        account_id=account.pk, source="Alpha Exchange", source_ref="peer:1:x", value="evil.example"
    )
    sent = visitor.send("Support said to verify my wallet at https://evil.example/verify")
    assert sent.status_code == 201
    warning = sent.json()["scam_warning"]
    assert "evil.example" in warning and "Alpha Exchange" in warning
    plain = visitor.send("Where is my deposit?", conversation_id=sent.json()["conversation"]["id"])
    assert "scam_warning" not in plain.json()
