"""Sparse Poseidon Merkle tree: the account tree and every account's order-fill subtree.

Shape (docs/state.md, "Trees"): binary, node = Poseidon(left, right); the empty leaf is 0 and an
empty subtree of height h has the precomputed default value `default_node(h)`
(default_node(0) = 0, default_node(h + 1) = Poseidon(d_h, d_h)), so a depth-32 tree
costs nothing until used. Position: bit k of the leaf index (least significant first)
is 1 when the path node at level k is the right child, i.e. the parent is
Poseidon(sibling, node), else Poseidon(node, sibling). Level 0 holds the leaves, level
`depth` the root. A membership proof is the list of `depth` siblings from the leaf level
upward, exactly what `circuits.merkle_native.merkle_root_from_path` consumes.

Storage: one dict per level holding only nodes that differ from the default.

Speed: hashing goes through `zkrollup.poseidon_fast` (Numba): a single update hashes its
whole path in one kernel call; `update_many` recomputes the touched nodes level by
level, one kernel call per level, sharing the upper levels between leaves. `hasher=
"reference"` uses the pure-Python `circuits.poseidon` instead (the twin for tests).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator, Mapping, Sequence

from circuits.field import R, ints_to_limbs, limbs_to_ints
from circuits.poseidon import poseidon as poseidon_reference

from . import poseidon_fast

MAX_DEPTH = 32


@lru_cache(maxsize=None)
def _defaults() -> tuple[int, ...]:
    d = [0]
    for _ in range(MAX_DEPTH):
        d.append(poseidon_fast.hash_pairs([d[-1]], [d[-1]])[0])
    return tuple(d)


def default_node(height: int) -> int:
    """Root of an empty subtree of the given height (0 = an empty leaf, value 0)."""
    if not 0 <= height <= MAX_DEPTH:
        raise ValueError(f"height must be in 0..{MAX_DEPTH}, got {height}")
    return _defaults()[height]


def _check_value(value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < R:
        raise ValueError(f"tree leaf must be a field element in [0, r), got {value!r}")


def root_from_path(leaf: int, index: int, siblings: Sequence[int]) -> int:
    """Root reached from `leaf` at `index` with `siblings` (leaf level first)."""
    if not siblings:
        return leaf
    return poseidon_fast.merkle_path(leaf, index, list(siblings))[-1]


class SparseMerkleTree:
    """A sparse Poseidon Merkle tree of fixed depth (1..32) with leaves in [0, r)."""

    def __init__(self, depth: int, *, hasher: str = "fast"):
        if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"tree depth must be in 1..{MAX_DEPTH}, got {depth!r}")
        if hasher not in ("fast", "reference"):
            raise ValueError(f"hasher must be 'fast' or 'reference', got {hasher!r}")
        self.depth = depth
        self.hasher = hasher
        self._defaults = _defaults()
        self._levels: list[dict[int, int]] = [dict() for _ in range(depth + 1)]

    # --- reading -----------------------------------------------------------------------

    @property
    def root(self) -> int:
        return self._levels[self.depth].get(0, self._defaults[self.depth])

    @property
    def capacity(self) -> int:
        return 1 << self.depth

    def _check_index(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (1 << self.depth):
            raise ValueError(f"leaf index must be an int in [0, 2^{self.depth}), got {index!r}")

    def node(self, level: int, index: int) -> int:
        """The node at `level` (0 = leaves) and position `index` within that level."""
        return self._levels[level].get(index, self._defaults[level])

    def get(self, index: int) -> int:
        """The leaf at `index` (0 when never set)."""
        self._check_index(index)
        return self._levels[0].get(index, 0)

    def proof(self, index: int) -> list[int]:
        """Membership proof: the `depth` siblings of the path of `index`, leaf level first."""
        self._check_index(index)
        return [self._levels[k].get((index >> k) ^ 1, self._defaults[k]) for k in range(self.depth)]

    def __len__(self) -> int:
        """Number of non-empty leaves."""
        return len(self._levels[0])

    def items(self) -> Iterator[tuple[int, int]]:
        """(index, leaf) of the non-empty leaves, in index order."""
        for i in sorted(self._levels[0]):
            yield i, self._levels[0][i]

    @staticmethod
    def verify_proof(root: int, index: int, leaf: int, siblings: Sequence[int]) -> bool:
        """True iff `leaf` at `index` with `siblings` hashes up to `root`."""
        return root_from_path(leaf, index, siblings) == root

    # --- writing -----------------------------------------------------------------------

    def _set(self, level: int, index: int, value: int) -> None:
        if value == self._defaults[level]:
            self._levels[level].pop(index, None)
        else:
            self._levels[level][index] = value

    def update(self, index: int, value: int) -> int:
        """Set one leaf; returns the new root."""
        self._check_index(index)
        _check_value(value)
        sibs = self.proof(index)
        if self.hasher == "fast":
            path = poseidon_fast.merkle_path(value, index, sibs)
        else:
            path, node = [], value
            for k, sib in enumerate(sibs):
                node = poseidon_reference([sib, node] if (index >> k) & 1 else [node, sib])
                path.append(node)
        self._set(0, index, value)
        for k, node in enumerate(path):
            self._set(k + 1, index >> (k + 1), node)
        return self.root

    def update_many(self, items: Mapping[int, int] | Iterable[tuple[int, int]]) -> int:
        """Set many leaves (a later duplicate index wins); returns the new root.

        Hashes level by level: at each level the parents of the touched nodes are
        recomputed in one batch, so leaves sharing upper subtrees share that work.
        """
        pairs = items.items() if isinstance(items, Mapping) else items
        changed: dict[int, int] = {}
        for index, value in pairs:
            self._check_index(index)
            _check_value(value)
            changed[index] = value
        if not changed:
            return self.root
        for index, value in changed.items():
            self._set(0, index, value)
        touched = sorted(changed)
        for level in range(self.depth):
            nodes, dflt = self._levels[level], self._defaults[level]
            parents = sorted({i >> 1 for i in touched})
            left = [nodes.get(2 * p, dflt) for p in parents]
            right = [nodes.get(2 * p + 1, dflt) for p in parents]
            if self.hasher == "fast":
                hashed = limbs_to_ints(poseidon_fast.hash_pairs_limbs(ints_to_limbs(left),
                                                                      ints_to_limbs(right)))
            else:
                hashed = [poseidon_reference([a, b]) for a, b in zip(left, right)]
            for p, h in zip(parents, hashed):
                self._set(level + 1, p, h)
            touched = parents
        return self.root

    def copy(self) -> "SparseMerkleTree":
        t = SparseMerkleTree.__new__(SparseMerkleTree)
        t.depth, t.hasher, t._defaults = self.depth, self.hasher, self._defaults
        t._levels = [dict(level) for level in self._levels]
        return t
