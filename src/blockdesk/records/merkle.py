"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashes and proofs, pure functions.

Written from the RFC (section 2.1): MTH, PATH (inclusion) and PROOF (consistency), and the
verification algorithms of 2.1.3.2 and 2.1.4.2. The proof generators do not walk leaves:
they name the *perfect subtrees* a proof needs as (level, index) pairs, so a database that
stores the hash of every complete subtree answers any proof with O(log n) primary-key reads
(`records.selectors`). The list-based helpers build those nodes in memory, for tests and the
standalone verifier's counterpart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[
    int, int
]  # (level, index): the subtree over leaves [index << level, (index+1) << level)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_blocks(lo: int, hi: int) -> list[NodeKey]:
    """The aligned perfect subtrees that make up leaves [lo, hi), left to right.

    MTH(D[lo:hi]) is the right fold of their hashes with node_hash (the RFC's split at k is
    exactly "the largest block first"). Every range a proof names is aligned this way."""
    out: list[NodeKey] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo & ((1 << level) - 1):
            raise ValueError(f"range [{lo}, {hi}) is not aligned")
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def range_hash(lo: int, hi: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    if lo == hi:
        return EMPTY_ROOT
    blocks = perfect_blocks(lo, hi)
    acc = nodes[blocks[-1]]
    for key in reversed(blocks[:-1]):
        acc = node_hash(nodes[key], acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(m, D[0:n]) of RFC 9162 2.1.3.1 as leaf ranges, in proof order (leaf side first)."""
    if not 0 <= index < size:
        raise ValueError("leaf index out of range")
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) of RFC 9162 2.1.4.1, as leaf ranges."""
    if not 0 < first <= second:
        raise ValueError("need 0 < first <= second")
    out: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, second, first, True
    while True:
        if m == hi - lo:
            if not whole:
                out.append((lo, hi))
            break
        k = _split(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            m -= k
            lo += k
            whole = False
    out.reverse()
    return out


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[NodeKey]:
    keys: set[NodeKey] = set()
    for lo, hi in ranges:
        keys.update(perfect_blocks(lo, hi))
    return keys


def root_nodes(size: int) -> list[NodeKey]:
    return perfect_blocks(0, size)


# -- in memory -------------------------------------------------------------------------


def build_nodes(leaf_hashes: Sequence[bytes]) -> dict[NodeKey, bytes]:
    """Every complete subtree's hash, level 0 being the leaf hashes."""
    nodes: dict[NodeKey, bytes] = {(0, i): h for i, h in enumerate(leaf_hashes)}
    level, count = 0, len(leaf_hashes)
    while count > 1:
        for j in range(count // 2):
            nodes[(level + 1, j)] = node_hash(nodes[(level, 2 * j)], nodes[(level, 2 * j + 1)])
        level, count = level + 1, count // 2
    return nodes


def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    return range_hash(0, len(leaf_hashes), build_nodes(leaf_hashes))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    nodes = build_nodes(leaf_hashes)
    return [range_hash(lo, hi, nodes) for lo, hi in inclusion_ranges(index, len(leaf_hashes))]


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    nodes = build_nodes(leaf_hashes)
    return [range_hash(lo, hi, nodes) for lo, hi in consistency_ranges(first, len(leaf_hashes))]


class Frontier:
    """The right edge of a growing tree: the hashes of the perfect subtrees of its current
    size (one per set bit). Appending a leaf yields the new complete nodes to store."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError("a frontier has one hash per set bit of the size")
        self.size = size
        self.stack: list[bytes] = list(hashes)  # largest (leftmost) subtree first

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the (level, index, hash) of every subtree it completes."""
        j, level, acc = self.size, 0, leaf
        created = [(0, j, leaf)]
        while j & 1:  # a right child: its left sibling is the top of the stack
            acc = node_hash(self.stack.pop(), acc)
            j >>= 1
            level += 1
            created.append((level, j, acc))
        self.stack.append(acc)
        self.size += 1
        return created

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        acc = self.stack[-1]
        for h in reversed(self.stack[:-1]):
            acc = node_hash(h, acc)
        return acc


# -- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ----------------------------------------------


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    if first <= 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
