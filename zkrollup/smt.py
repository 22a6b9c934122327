"""Sparse 4-ary Poseidon Merkle tree: the account tree and every account's order-fill
subtree, the tree of `circuits.spec.tree` (node = Poseidon(c0, c1, c2, c3)).

Shape, digits, sibling order and empty subtrees are those of `circuits.spec.tree`; this
module only stores and hashes. A tree of depth D (bits) holds indices 0 <= i < 2^D in
L = ceil(D / 2) levels: level 0 the leaves, level L the root; the node at position p of
level h has the children 4p .. 4p + 3. A proof is the flat path of 3 L siblings (per level
s0, s1, s2), exactly what `circuits.spec.tree.root_from_path` and the circuit's
`circuits.gadgets.merkle4` consume.

Storage: one dict per level holding only the nodes that differ from the default.

Speed: hashing goes through `zkrollup.poseidon_fast` (Numba): a single update hashes its
whole path in one kernel call (`merkle4_path`); `update_many` recomputes the touched nodes
level by level, one kernel call per level (`hash_quads_limbs`), sharing upper levels.
``hasher="reference"`` hashes with the spec's pure-Python definition (the twin for tests).
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Sequence

from circuits.field import R, ints_to_limbs, limbs_to_ints
from circuits.poseidon import poseidon as poseidon_reference
from circuits.spec import tree
from circuits.spec.tree import default_node

from . import poseidon_fast

__all__ = ["MAX_DEPTH", "SparseMerkleTree", "default_node", "root_from_path"]

MAX_DEPTH = tree.MAX_DEPTH


def _check_value(value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < R:
        raise ValueError(f"tree leaf must be a field element in [0, r), got {value!r}")


def root_from_path(leaf: int, index: int, siblings: Sequence[int], depth: int | None = None) -> int:
    """Root reached from ``leaf`` at ``index`` along the flat path ``siblings`` (depth in
    bits, default 2 * levels); the fast twin of `circuits.spec.tree.root_from_path`."""
    nodes = poseidon_fast.merkle4_path(leaf, index, list(siblings), depth)
    return nodes[-1] if nodes else leaf


class SparseMerkleTree:
    """A sparse 4-ary Poseidon Merkle tree of fixed depth (1..32 bits) with leaves in [0, r)."""

    def __init__(self, depth: int, *, hasher: str = "fast"):
        tree.check_depth(depth, lo=1)
        if hasher not in ("fast", "reference"):
            raise ValueError(f"hasher must be 'fast' or 'reference', got {hasher!r}")
        self.depth = depth
        self.levels = tree.levels(depth)
        self.hasher = hasher
        self._defaults = tuple(tree.default_node(h) for h in range(self.levels + 1))
        self._levels: list[dict[int, int]] = [dict() for _ in range(self.levels + 1)]

    # --- reading -----------------------------------------------------------------------

    @property
    def root(self) -> int:
        return self._levels[self.levels].get(0, self._defaults[self.levels])

    @property
    def capacity(self) -> int:
        return 1 << self.depth

    def node(self, level: int, index: int) -> int:
        """The node at ``level`` (0 = leaves, `levels` = root) and position ``index`` in it."""
        return self._levels[level].get(index, self._defaults[level])

    def get(self, index: int) -> int:
        """The leaf at ``index`` (0 when never set)."""
        tree.check_index(index, self.depth)
        return self._levels[0].get(index, 0)

    def proof(self, index: int) -> list[int]:
        """Membership proof: the flat path of ``index`` (3 siblings per level, leaf level first)."""
        tree.check_index(index, self.depth)
        out = []
        for k in range(self.levels):
            nodes, dflt, p = self._levels[k], self._defaults[k], index >> (2 * k)
            base = p & ~3
            out += [nodes.get(base + pos, dflt) for pos in tree.sibling_positions(p & 3)]
        return out

    def __len__(self) -> int:
        """Number of non-empty leaves."""
        return len(self._levels[0])

    def items(self) -> Iterator[tuple[int, int]]:
        """(index, leaf) of the non-empty leaves, in index order."""
        for i in sorted(self._levels[0]):
            yield i, self._levels[0][i]

    @staticmethod
    def verify_proof(root: int, index: int, leaf: int, siblings: Sequence[int],
                     depth: int | None = None) -> bool:
        """True iff ``leaf`` at ``index`` with ``siblings`` hashes up to ``root``
        (ValueError for a malformed path)."""
        return root_from_path(leaf, index, siblings, depth) == root

    # --- writing -----------------------------------------------------------------------

    def _set(self, level: int, index: int, value: int) -> None:
        if value == self._defaults[level]:
            self._levels[level].pop(index, None)
        else:
            self._levels[level][index] = value

    def update(self, index: int, value: int) -> int:
        """Set one leaf; returns the new root."""
        self.update_path(index, value)
        return self.root

    def update_path(self, index: int, value: int) -> tuple[list[int], list[int]]:
        """Set one leaf; returns its path (the siblings, unchanged by the update) and the
        new nodes at levels 1..L on it (the last one is the new root): what a witness
        records, without walking the path twice."""
        tree.check_index(index, self.depth)
        _check_value(value)
        sibs = self.proof(index)
        if self.hasher == "fast":
            path = poseidon_fast.merkle4_path(value, index, sibs, self.depth)
        else:
            path = tree.path_nodes(value, index, sibs, self.depth, poseidon_reference)
        self._set(0, index, value)
        for k, node in enumerate(path):
            self._set(k + 1, index >> (2 * (k + 1)), node)
        return sibs, path

    def _hash_parents(self, level: int, parents: list[int]) -> list[int]:
        nodes, dflt = self._levels[level], self._defaults[level]
        kids = [nodes.get(4 * p + j, dflt) for p in parents for j in range(tree.ARITY)]
        if self.hasher == "fast":
            return limbs_to_ints(poseidon_fast.hash_quads_limbs(ints_to_limbs(kids).reshape(-1, 4, 4)))
        return [tree.node_hash(kids[4 * i:4 * i + 4], poseidon_reference) for i in range(len(parents))]

    def update_many(self, items: Mapping[int, int] | Iterable[tuple[int, int]]) -> int:
        """Set many leaves (a later duplicate index wins); returns the new root.

        Hashes level by level: at each level the parents of the touched nodes are
        recomputed in one batch, so leaves sharing upper subtrees share that work.
        """
        pairs = items.items() if isinstance(items, Mapping) else items
        changed: dict[int, int] = {}
        for index, value in pairs:
            tree.check_index(index, self.depth)
            _check_value(value)
            changed[index] = value
        if not changed:
            return self.root
        for index, value in changed.items():
            self._set(0, index, value)
        touched = sorted(changed)
        for level in range(self.levels):
            parents = sorted({i >> 2 for i in touched})
            for p, h in zip(parents, self._hash_parents(level, parents)):
                self._set(level + 1, p, h)
            touched = parents
        return self.root

    def copy(self) -> "SparseMerkleTree":
        t = SparseMerkleTree.__new__(SparseMerkleTree)
        t.depth, t.levels, t.hasher, t._defaults = self.depth, self.levels, self.hasher, self._defaults
        t._levels = [dict(level) for level in self._levels]
        return t
