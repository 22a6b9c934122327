"""The 4-ary Poseidon Merkle tree: shape, index digits, sibling order, empty subtrees, paths.

One definition for every layer: the in-circuit path gadget (`circuits.gadgets.merkle4`),
the native sparse tree (`zkrollup.smt`) and its Numba kernels, exits on L1 (the exodus
contract reads its sibling order from the constants rendered from this module).

Shape. node = Poseidon(c0, c1, c2, c3) (4 inputs, width 5: 297 constraints, where two
binary levels cost 2 x 240). Level 0 holds the leaves, level `levels(depth)` the root;
the node at position p of level h has the children 4p .. 4p + 3 of level h - 1.

Depth. The user-facing depth counts BITS: a tree of depth D holds the leaf indices
0 <= index < 2^D (capacity 2^D, the CLI's --account-depth / --order-depth keep their
meaning). It has L = ceil(D / 2) levels. For an odd D the top level is a half level: its
digit is 0 or 1 (the high bit is absent, i.e. a constant 0 in the circuit), so children
2 and 3 of the root always hold empty subtrees. That keeps odd depths (small test trees)
legal at no extra rule: the tree is simply the 4-ary tree of L levels whose leaves at
indices >= 2^D stay empty, and the range check index < 2^D (D bits) is what enforces it.

Digits. Digit k of a leaf index (k = 0 at the leaves) is (index >> 2k) & 3, two bits
b0 = bit 2k, b1 = bit 2k + 1 of the index, least significant first; it is the position
(0..3) of the running node among the 4 children of its parent at level k + 1.

Sibling order. At each level the path lists the 3 other children in the order
    s0 = the running node's partner in its pair: position digit ^ 1
    s1, s2 = the other pair ({0, 1} or {2, 3}), left to right: positions (digit & 2) ^ 2
             and ((digit & 2) ^ 2) + 1
so placing the running node costs two binary swaps' worth of selections (3 products in the
circuit: one by b0 inside the pair, two by b1 moving the pair), the minimum for any order.
A path is FLAT: siblings[3k + j] = s_j of level k, 3 L elements in all.

Empty subtrees. The empty leaf is 0; an empty subtree of height h (levels) has root
default(h): default(0) = 0, default(h + 1) = Poseidon(d, d, d, d) with d = default(h).

``hash_fn`` as in `circuits.spec.accounts` (field elements in, one out).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from ..field import check_elements
from ..poseidon import poseidon
from . import HashFn

ARITY = 4
"""Children per node."""

BITS_PER_LEVEL = 2
"""Index bits per level (ARITY = 2^BITS_PER_LEVEL): a level's digit."""

SIBLINGS_PER_LEVEL = ARITY - 1

MAX_DEPTH = 32
"""Largest tree depth in bits (16 levels)."""

MAX_LEVELS = -(-MAX_DEPTH // BITS_PER_LEVEL)


def check_depth(depth: int, lo: int = 0) -> None:
    """ValueError unless ``depth`` is an int (bits) in lo..MAX_DEPTH."""
    if not isinstance(depth, int) or isinstance(depth, bool) or not lo <= depth <= MAX_DEPTH:
        raise ValueError(f"tree depth must be an int in {lo}..{MAX_DEPTH} bits, got {depth!r}")


def levels(depth: int) -> int:
    """Levels of a tree of ``depth`` bits: ceil(depth / 2)."""
    check_depth(depth)
    return -(-depth // BITS_PER_LEVEL)


def path_length(depth: int) -> int:
    """Siblings in one path of a tree of ``depth`` bits: 3 per level."""
    return SIBLINGS_PER_LEVEL * levels(depth)


def check_index(index: int, depth: int) -> None:
    """ValueError unless ``index`` is an int in [0, 2^depth)."""
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (1 << depth):
        raise ValueError(f"leaf index must be an int in [0, 2^{depth}), got {index!r}")


def digit(index: int, level: int) -> int:
    """Position (0..3) of the path node at ``level`` among its parent's children."""
    return (index >> (BITS_PER_LEVEL * level)) & (ARITY - 1)


def sibling_positions(d: int) -> tuple[int, int, int]:
    """Positions of s0, s1, s2 among the 4 children when the running node is at ``d``."""
    other = (d & 2) ^ 2
    return d ^ 1, other, other + 1


def children(node: int, d: int, sibs: Sequence[int]) -> list[int]:
    """The 4 children [c0, c1, c2, c3] with ``node`` at position ``d`` and the siblings
    (s0, s1, s2) at `sibling_positions(d)`."""
    out = [0] * ARITY
    out[d] = node
    for pos, s in zip(sibling_positions(d), sibs):
        out[pos] = s
    return out


def siblings_of(kids: Sequence[int], d: int) -> list[int]:
    """Inverse of `children`: (s0, s1, s2) of the child at position ``d``."""
    return [kids[pos] for pos in sibling_positions(d)]


def node_hash(kids: Sequence[int], hash_fn: HashFn = poseidon) -> int:
    """A parent node: Poseidon of its 4 children in position order."""
    if len(kids) != ARITY:
        raise ValueError(f"a node has {ARITY} children, got {len(kids)}")
    return hash_fn(list(kids))


@lru_cache(maxsize=None)
def _defaults() -> tuple[int, ...]:
    d = [0]
    for _ in range(MAX_LEVELS):
        d.append(poseidon([d[-1]] * ARITY))
    return tuple(d)


def default_node(height: int) -> int:
    """Root of an empty subtree of ``height`` levels (0: an empty leaf, 0)."""
    if not isinstance(height, int) or not 0 <= height <= MAX_LEVELS:
        raise ValueError(f"height must be in 0..{MAX_LEVELS} levels, got {height!r}")
    return _defaults()[height]


def empty_root(depth: int) -> int:
    """Root of the empty tree of ``depth`` bits."""
    return default_node(levels(depth))


def check_path(index: int, siblings: Sequence[int], depth: int | None = None) -> int:
    """Validate a path; returns its depth in bits (default: 2 * levels, i.e. even).

    ValueError for a depth whose path length is not len(siblings), an index outside
    [0, 2^depth) or a sibling outside [0, r).
    """
    n = len(siblings)
    if n % SIBLINGS_PER_LEVEL:
        raise ValueError(f"a path has 3 siblings per level, got {n}")
    if depth is None:
        depth = 2 * (n // SIBLINGS_PER_LEVEL)
    check_depth(depth)
    if path_length(depth) != n:
        raise ValueError(f"a tree of depth {depth} has paths of {path_length(depth)} siblings, got {n}")
    check_index(index, depth)
    check_elements(siblings, "sibling")
    return depth


def path_nodes(leaf: int, index: int, siblings: Sequence[int], depth: int | None = None,
               hash_fn: HashFn = poseidon) -> list[int]:
    """The nodes at levels 1..L on the path from ``leaf`` at ``index`` (the last is the root)."""
    check_path(index, siblings, depth)
    check_elements([leaf], "leaf")
    out, node = [], leaf
    for k in range(len(siblings) // SIBLINGS_PER_LEVEL):
        node = node_hash(children(node, digit(index, k), siblings[3 * k:3 * k + 3]), hash_fn)
        out.append(node)
    return out


def root_from_path(leaf: int, index: int, siblings: Sequence[int], depth: int | None = None,
                   hash_fn: HashFn = poseidon) -> int:
    """Root reached from ``leaf`` at ``index`` along the flat path ``siblings``.

    ``depth`` in bits (default 2 * levels); the native twin of
    `circuits.gadgets.merkle4.merkle4_root`.
    """
    nodes = path_nodes(leaf, index, siblings, depth, hash_fn)
    return nodes[-1] if nodes else leaf
