"""RFC 9162 Merkle math: the CT reference vectors, and brute force against the RFC's
recursive definitions for every size up to 70."""

from __future__ import annotations

import hashlib

import pytest

from blockdesk.records import merkle

# The 8-entry tree of google/certificate-transparency's merkle tree tests (public data).
CT_ENTRIES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (0-based leaf index, tree size, proof)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
LEAVES = [merkle.leaf_hash(e) for e in CT_ENTRIES]


# The RFC's recursive definitions, transcribed literally, as the brute-force reference.
def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return merkle.node_hash(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_ct_reference_roots() -> None:
    for n in range(9):
        assert merkle.mth(LEAVES[:n]).hex() == CT_ROOTS[n]


def test_ct_reference_inclusion_proofs() -> None:
    for index, size, proof in CT_INCLUSION:
        got = merkle.inclusion_proof(index, LEAVES[:size])
        assert [p.hex() for p in got] == proof
        root = bytes.fromhex(CT_ROOTS[size])
        assert merkle.verify_inclusion(index, size, LEAVES[index], got, root)
        assert not merkle.verify_inclusion(index, size, LEAVES[index], got, LEAVES[0])


def test_ct_reference_consistency_proofs() -> None:
    for first, second, proof in CT_CONSISTENCY:
        got = merkle.consistency_proof(first, LEAVES[:second])
        assert [p.hex() for p in got] == proof
        r1, r2 = bytes.fromhex(CT_ROOTS[first]), bytes.fromhex(CT_ROOTS[second])
        assert merkle.verify_consistency(first, second, got, r1, r2)


def test_brute_force_against_the_rfc_definitions() -> None:
    all_leaves = leaves(70)
    for n in range(1, 71):
        d = all_leaves[:n]
        nodes = merkle.build_nodes(d)
        root = ref_mth(d)
        assert merkle.range_hash(0, n, nodes) == root
        for m in range(n):
            proof = [merkle.range_hash(lo, hi, nodes) for lo, hi in merkle.inclusion_ranges(m, n)]
            assert proof == ref_path(m, d), (m, n)
            assert merkle.verify_inclusion(m, n, d[m], proof, root)
            assert not merkle.verify_inclusion(m, n, d[(m + 1) % n], proof, root) or n == 1
            if proof:
                bad = [*proof[:-1], bytes(32)]
                assert not merkle.verify_inclusion(m, n, d[m], bad, root)
        for m in range(1, n + 1):
            proof = [merkle.range_hash(lo, hi, nodes) for lo, hi in merkle.consistency_ranges(m, n)]
            assert proof == ref_subproof(m, d, True), (m, n)
            old = ref_mth(d[:m])
            assert merkle.verify_consistency(m, n, proof, old, root)
            if m < n:
                assert not merkle.verify_consistency(m, n, proof, root, root)
                assert not merkle.verify_consistency(m, n, [*proof[:-1], bytes(32)], old, root)


def test_frontier_appends_every_complete_node_and_the_root() -> None:
    d = leaves(70)
    expected = merkle.build_nodes(d)
    frontier = merkle.Frontier()
    seen: dict[tuple[int, int], bytes] = {}
    for i, h in enumerate(d):
        for level, index, value in frontier.append(h):
            seen[(level, index)] = value
        assert frontier.root() == ref_mth(d[: i + 1])
    assert seen == expected
    # A frontier rebuilt from stored nodes continues the same tree.
    again = merkle.Frontier(40, [expected[k] for k in merkle.root_nodes(40)])
    for h in d[40:]:
        again.append(h)
    assert again.root() == frontier.root()


def test_proofs_touch_only_log_n_nodes() -> None:
    n = 10_000_000
    assert len(merkle.nodes_for(merkle.inclusion_ranges(1234567, n))) <= 2 * n.bit_length()
    assert len(merkle.nodes_for(merkle.consistency_ranges(999_999, n))) <= 2 * n.bit_length()
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(n, n)
