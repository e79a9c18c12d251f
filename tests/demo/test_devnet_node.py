"""The devnet's fixed transactions and its loopback guard (no node needed)."""

from __future__ import annotations

import pytest

from blockdesk.demo.devnet_node import (
    STEPS,
    DevnetError,
    check_loopback,
    contract_address,
    signed_raw,
)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8545", "http://localhost:8545", "http://[::1]:8545", "http://127.8.0.1"],
)
def test_loopback_nodes_are_accepted(url):
    check_loopback(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:8545",
        "https://mainnet.infura.io/v3/key",
        "http://localhost.evil.example:8545",
        "ws://127.0.0.1:8545",
        "127.0.0.1:8545",
    ],
)
def test_anything_else_is_refused(url):
    with pytest.raises(DevnetError):
        check_loopback(url)


def test_hashes_are_fixed_per_chain_id():
    """What lets a re-seeded empty node carry the hashes the demo conversations quote."""
    first = [signed_raw(step, chain_id=1337) for step in STEPS]
    assert first == [signed_raw(step, chain_id=1337) for step in STEPS]
    assert len({h for h, _raw in first}) == len(STEPS)
    assert signed_raw(STEPS[0], chain_id=1338)[0] != first[0][0]


def test_contract_address_matches_the_known_create_vector():
    # The widely cited CREATE example: keccak(rlp([sender, nonce]))[12:].
    sender = "0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"
    assert contract_address(sender, 0) == "0xcd234A471b72ba2F1Ccf0A70FCABA648a5eeCD8d"
    assert contract_address(sender, 1) == "0x343c43A37D37dfF08AE8C4A11544c718AbB4fCF8"
