"""Chain registry settings (endpoints are write-only and shown masked; admins only) and
editable search synonyms (they change what search finds)."""

from __future__ import annotations

import json

import pytest

from blockdesk.chain import services as chain_services
from blockdesk.chain.models import Chain, ContractAbi, DepositAddress, Token
from blockdesk.kb.models import Synonym
from blockdesk.kb.search import synonyms as synonym_table
from blockdesk.kb.synonym_services import synonym_groups

from .conftest import open_conversation

pytestmark = pytest.mark.django_db

SECRET = "k3y-SECRET-provider-token"
URLS = (
    f"https://eth-mainnet.example.com/v2/{SECRET}\nhttps://backup.example.org/rpc?apikey={SECRET}2"
)
CHAINS = "/app/settings/chains/"


@pytest.fixture
def chains(account):
    chain_services.seed_default_chains(account=account)


def edit_data(chain: Chain, **changes):
    data = {
        "name": chain.name,
        "enabled": "on",
        "evm_chain_id": chain.evm_chain_id or "",
        "required_confirmations": chain.required_confirmations,
        "block_time_seconds": chain.block_time_seconds,
        "native_symbol": chain.native_symbol,
        "native_decimals": chain.native_decimals,
        "native_deposit_supported": "on",
        "deposit_supported": "on",
        "explorer_tx_url": chain.explorer_tx_url,
        "explorer_address_url": chain.explorer_address_url,
        "rpc_urls": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- chains ----------------------------------------------------------------------------


def test_admin_loads_the_default_networks(admin_client, account):
    page = admin_client.get(CHAINS).content.decode()
    assert "Load defaults" in page and "No networks yet." in page
    response = admin_client.post(CHAINS + "load-defaults/", follow=True)
    assert Chain.objects.filter(account=account, key="ethereum", enabled=False).exists()
    assert "networks were added" in response.content.decode()
    # Twice is harmless.
    admin_client.post(CHAINS + "load-defaults/")
    assert Chain.objects.filter(account=account, key="ethereum").count() == 1


def test_endpoints_are_write_only_and_shown_masked(admin_client, chains, account):
    eth = Chain.objects.get(account=account, key="ethereum")
    response = admin_client.post(CHAINS + "ethereum/", edit_data(eth, rpc_urls=URLS))
    assert response.status_code == 302
    eth.refresh_from_db()
    assert eth.enabled and eth.url_list == URLS.splitlines()
    for page in (admin_client.get(CHAINS), admin_client.get(CHAINS + "ethereum/")):
        html = page.content.decode()
        assert SECRET not in html
        assert "https://eth-mainnet.example.com/****" in html
        assert "https://backup.example.org/****" in html
    # Saving with the field left empty keeps the stored endpoints.
    admin_client.post(CHAINS + "ethereum/", edit_data(eth, required_confirmations=20))
    eth.refresh_from_db()
    assert eth.url_list == URLS.splitlines() and eth.required_confirmations == 20
    # Removing them takes an explicit choice.
    admin_client.post(CHAINS + "ethereum/", edit_data(eth, clear_rpc_urls="on"))
    eth.refresh_from_db()
    assert eth.url_list == []


def test_a_rejected_form_does_not_echo_the_typed_endpoint(admin_client, chains, account):
    eth = Chain.objects.get(account=account, key="ethereum")
    data = edit_data(eth, rpc_urls=URLS, explorer_tx_url="javascript:alert(1)//{hash}")
    response = admin_client.post(CHAINS + "ethereum/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a web address containing {hash}." in html
    assert SECRET not in html
    eth.refresh_from_db()
    assert eth.url_list == [] and eth.explorer_tx_url.startswith("https://")


def test_service_errors_land_on_the_form(admin_client, chains, account):
    eth = Chain.objects.get(account=account, key="ethereum")
    response = admin_client.post(CHAINS + "ethereum/", edit_data(eth, rpc_urls="ftp://node"))
    assert "Each URL must start with http(s)://." in response.content.decode()
    eth.refresh_from_db()
    assert eth.url_list == []


def test_tokens_deposit_addresses_and_abis_are_added(admin_client, chains, account):
    token = "0x" + "12" * 20
    admin_client.post(
        CHAINS + "ethereum/tokens/",
        {"token-symbol": "dai", "token-decimals": "18", "token-contract_address": token,
         "token-deposit_supported": "on"},
    )  # fmt: skip
    assert Token.objects.get(chain__key="ethereum", symbol="DAI").decimals == 18
    admin_client.post(
        CHAINS + "ethereum/deposit-addresses/",
        {"deposit-address": "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045", "deposit-asset": "usdt",
         "deposit-label": "hot wallet"},
    )  # fmt: skip
    assert DepositAddress.objects.get(chain__key="ethereum").asset == "USDT"
    abi = [{"type": "error", "name": "Paused", "inputs": []}]
    admin_client.post(CHAINS + "ethereum/abis/", {"abi-name": "Vault", "abi-abi": json.dumps(abi)})
    entry = ContractAbi.objects.get(account=account, name="Vault")
    assert entry.chain is not None and entry.chain.key == "ethereum" and entry.abi == abi
    html = admin_client.get(CHAINS + "ethereum/").content.decode()
    assert "DAI" in html and "hot wallet" in html and "Vault" in html


def test_invalid_additions_show_errors(admin_client, chains):
    response = admin_client.post(
        CHAINS + "bitcoin/deposit-addresses/", {"deposit-address": "0x" + "12" * 20}
    )
    assert response.status_code == 200
    assert "This is not a valid Bitcoin address." in response.content.decode()
    response = admin_client.post(CHAINS + "ethereum/abis/", {"abi-name": "X", "abi-abi": "{"})
    assert "This is not valid JSON." in response.content.decode()
    response = admin_client.post(CHAINS + "ethereum/abis/", {"abi-name": "X", "abi-abi": "[]"})
    assert "error entries" in response.content.decode()
    assert not ContractAbi.objects.exists()


def test_agents_see_networks_read_only(agent_client, chains, account):
    html = agent_client.get(CHAINS).content.decode()
    assert "Ethereum" in html and "Load defaults" not in html
    assert f'href="{CHAINS}ethereum/"' not in html
    assert agent_client.get(CHAINS + "ethereum/").status_code == 403
    eth = Chain.objects.get(account=account, key="ethereum")
    assert agent_client.post(CHAINS + "ethereum/", edit_data(eth, rpc_urls=URLS)).status_code == 403
    assert agent_client.post(CHAINS + "load-defaults/").status_code == 403
    assert agent_client.post(CHAINS + "ethereum/tokens/", {}).status_code == 403
    eth.refresh_from_db()
    assert eth.url_list == [] and not eth.enabled


def test_chains_of_another_account_are_not_found(admin_client, other_account):
    chain_services.seed_default_chains(account=other_account)
    assert admin_client.get(CHAINS + "ethereum/").status_code == 404
    assert "Ethereum" not in admin_client.get(CHAINS).content.decode()


# --- synonyms ------------------------------------------------------------------------------

SYNONYMS = "/app/settings/synonyms/"


@pytest.fixture
def kb_search(account, agent, settings, tmp_path, monkeypatch):
    """Two published articles, searched lexically; the DB synonyms wired as in ready()."""
    from blockdesk.kb import services
    from blockdesk.kb.models import Category
    from blockdesk.kb.services import TranslationInput

    monkeypatch.setenv("BLOCKDESK_KB_EMBEDDER", "none")
    monkeypatch.delenv("BLOCKDESK_KB_SYNONYMS_FILE", raising=False)
    settings.BLOCKDESK_KB_EMBEDDER = "none"
    settings.DATA_DIR = tmp_path
    synonym_table.set_synonym_source(synonym_groups)
    category = Category.objects.create(account=account, key="staking", names={"en": "Staking"})
    for key, title, body in (
        ("staking-lockups", "Staking lock-up periods", "Unbonding takes seven days."),
        ("withdrawal-fees", "Withdrawal fees", "Every withdrawal pays a network fee."),
    ):
        tr = services.do_create_article(
            actor=agent, key=key, category=category, language="en",
            data=TranslationInput(title=title, summary=title, body=body),
        )  # fmt: skip
        services.do_set_status(actor=agent, translation=tr, status="published")
    yield
    synonym_table.invalidate_synonyms()


def found(client, conv, query: str) -> list[str]:
    data = client.get(f"/app/c/{conv.display_id}/knowledge.json", {"q": query}).json()
    return [a["key"] for a in data["articles"]]


def test_synonym_groups_change_search_results(
    admin_client, agent_client, channel, contact, kb_search, django_capture_on_commit_callbacks
):
    conv = open_conversation(channel, contact, "hello")
    assert found(agent_client, conv, "yield farm") == []

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(SYNONYMS, {"terms": "yield farm，质押、 staking"})
    assert response.status_code == 302
    synonym = Synonym.objects.get()
    assert synonym.terms == "yield farm, 质押, staking"
    assert found(agent_client, conv, "yield farm") == ["staking-lockups"]
    assert "yield farm" in admin_client.get(SYNONYMS).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{SYNONYMS}{synonym.pk}/", {"terms": "yield farm, withdrawal"})
    assert found(agent_client, conv, "yield farm") == ["withdrawal-fees"]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"{SYNONYMS}{synonym.pk}/delete/")
    assert not Synonym.objects.exists()
    assert found(agent_client, conv, "yield farm") == []


def test_a_group_needs_two_terms(admin_client, account):
    response = admin_client.post(SYNONYMS, {"terms": "deposit, Deposit"})
    assert response.status_code == 200
    assert "Enter at least two terms" in response.content.decode()
    assert not Synonym.objects.exists()


def test_synonyms_are_for_admins_of_the_account(agent_client, admin_client, other_account):
    assert agent_client.get(SYNONYMS).status_code == 403
    assert agent_client.post(SYNONYMS, {"terms": "a, b"}).status_code == 403
    assert not Synonym.objects.exists()
    foreign = Synonym.objects.create(account=other_account, terms="x, y")
    assert admin_client.get(f"{SYNONYMS}{foreign.pk}/").status_code == 404
    assert admin_client.post(f"{SYNONYMS}{foreign.pk}/delete/").status_code == 404
    assert Synonym.objects.filter(pk=foreign.pk).exists()
    assert "x, y" not in admin_client.get(SYNONYMS).content.decode()
