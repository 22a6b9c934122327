"""Merkle paths of the 4-ary Poseidon tree in the circuit: membership and update.

The tree, its digit convention and sibling order are defined once in `circuits.spec.tree`:
node = Poseidon(c0, c1, c2, c3); digit k of the index is (b0, b1) = bits 2k, 2k + 1
(least significant first) and is the running node's position among the 4 children;
the flat path lists per level s0 (the partner in the node's pair, position digit ^ 1)
then s1, s2 (the other pair, left to right). A tree of depth D bits has ceil(D / 2)
levels; for an odd D the top level's b1 is the constant 0.

Placing the running node x among (s0, s1, s2) is two layers of binary swaps:
    l = x + b0 (s0 - x),  r = x + s0 - l            (the pair, in order)
    c0 = l + b1 (s1 - l), c2 = l + s1 - c0          (b1 = 1: the pair moves right)
    c1 = r + b1 (s2 - r), c3 = r + s2 - c1
3 products per level, and 3 is the least for any sibling order: the children's
x-coefficients are the 4 digit indicators, which span b0, b1 and b0 b1 beyond the
affine functions, so x times each needs its own constraint. (A half level, b1 = 0,
needs only the first product.) Each level then costs one Poseidon of 4 inputs (297):
300 constraints for 2 bits of depth, where the binary tree pays 2 x 241.

The gadgets taking the index as one field element split it with `bits_le` (each bit
boolean, index < 2^D), so they are self-contained; `merkle4_root_unchecked` takes bits
the caller has already constrained boolean (to share one decomposition between paths).

Native twin: `circuits.spec.tree.root_from_path`.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..spec import tree
from .bits import bits_le
from .poseidon import cost as poseidon_cost
from .poseidon import poseidon

PLACE_COST = 3
"""Constraints placing the running node among its 3 siblings (one level, both bits)."""

LEVEL_COST = PLACE_COST + poseidon_cost(tree.ARITY)
"""Constraints per full level of one path: the placement and one Poseidon(4) (300)."""


def place(cs: ConstraintSystem, node: Operand, b0: Operand, b1: Operand,
          sibs: Sequence[Operand]) -> list[LC]:
    """The 4 children [c0, c1, c2, c3] with ``node`` at position b0 + 2 b1 and the
    siblings (s0, s1, s2) in the order of `circuits.spec.tree.sibling_positions`.

    Enforces nothing about the bits: the caller must have constrained them boolean (a
    non-boolean bit yields a mix of children). Constraints 'pair' (b0), 'left', 'right' (b1).

    Cost: 3 constraints (1 when b1 is the constant 0; 0 when both bits are constants).
    """
    if len(sibs) != tree.SIBLINGS_PER_LEVEL:
        raise ValueError(f"a level has {tree.SIBLINGS_PER_LEVEL} siblings, got {len(sibs)}")
    x, s0, s1, s2 = (as_lc(v) for v in (node, *sibs))
    left = x + cs.mul(b0, s0 - x, name="pair")
    right = x + s0 - left
    c0 = left + cs.mul(b1, s1 - left, name="left")
    c1 = right + cs.mul(b1, s2 - right, name="right")
    return [c0, c1, left + s1 - c0, right + s2 - c1]


def _digit_bits(index_bits: Sequence[Operand], n_levels: int) -> list[tuple[Operand, Operand]]:
    if len(index_bits) not in (2 * n_levels, 2 * n_levels - 1):
        raise ValueError(f"need 2 index bits per level ({n_levels} levels of 3 siblings), "
                         f"got {len(index_bits)} bits")
    bits = list(index_bits) + [0] * (2 * n_levels - len(index_bits))   # odd depth: b1 = 0 on top
    return [(bits[2 * k], bits[2 * k + 1]) for k in range(n_levels)]


def merkle4_root_unchecked(cs: ConstraintSystem, leaf: Operand, index_bits: Sequence[Operand],
                           siblings: Sequence[Operand], name: str = "path") -> LC:
    """The root reached from ``leaf`` along the flat path ``siblings`` (3 per level),
    turning by ``index_bits`` (D bits of the index, least significant first; D = 2L or,
    for an odd depth, 2L - 1: the top level's high bit is then 0).

    Enforces nothing about the bits (the caller constrained each boolean). Constraint
    names '<name>.level<k>.{pair,left,right}' and the level's Poseidon.

    Cost: 300 per full level, 298 for the half level of an odd depth (depth 24: 3,600).
    """
    if len(siblings) % tree.SIBLINGS_PER_LEVEL:
        raise ValueError(f"a path has 3 siblings per level, got {len(siblings)}")
    n_levels = len(siblings) // tree.SIBLINGS_PER_LEVEL
    cur = as_lc(leaf)
    with cs.namespace(name):
        for k, (b0, b1) in enumerate(_digit_bits(index_bits, n_levels)):
            with cs.namespace(f"level{k}"):
                cur = poseidon(cs, place(cs, cur, b0, b1, siblings[3 * k:3 * k + 3]))
    return cur


def path_cost(depth: int) -> int:
    """Constraints of `merkle4_root_unchecked` for a tree of ``depth`` bits (variable bits)."""
    n = tree.levels(depth)
    return n * LEVEL_COST - (2 if depth % 2 else 0)


def merkle4_root(cs: ConstraintSystem, leaf: Operand, index: Operand, siblings: Sequence[Operand],
                 depth: int | None = None, name: str = "merkle4") -> LC:
    """The root of the tree of ``depth`` bits (default 2 * levels) holding ``leaf`` at
    ``index`` with the flat path ``siblings``.

    Enforces 0 <= index < 2^depth (fails at '<name>.index.sum'; a non-boolean bit at
    '<name>.index.bool<i>'); the caller compares the result.

    Cost: depth + 1 + `path_cost(depth)` constraints.
    """
    depth = _depth_of(siblings, depth)
    with cs.namespace(name):
        bits = bits_le(cs, index, depth, name="index")
        return merkle4_root_unchecked(cs, leaf, bits, siblings)


def merkle4_verify(cs: ConstraintSystem, leaf: Operand, index: Operand, siblings: Sequence[Operand],
                   root: Operand, depth: int | None = None, name: str = "merkle4") -> None:
    """Enforce that ``leaf`` sits at ``index`` (< 2^depth) of the tree with root ``root``.
    A wrong leaf, path or root fails at '<name>.root'.

    Cost: depth + 2 + `path_cost(depth)` constraints (depth 24: 3,626).
    """
    depth = _depth_of(siblings, depth)
    with cs.namespace(name):
        bits = bits_le(cs, index, depth, name="index")
        computed = merkle4_root_unchecked(cs, leaf, bits, siblings)
        cs.assert_equal(computed, root, name="root")


def merkle4_update(cs: ConstraintSystem, old_leaf: Operand, new_leaf: Operand, index: Operand,
                   siblings: Sequence[Operand], root: Operand, depth: int | None = None,
                   name: str = "merkle4_update") -> LC:
    """Enforce that ``old_leaf`` sits at ``index`` of the tree with root ``root`` and return
    the root after replacing it with ``new_leaf`` (same index, same siblings). One index
    decomposition serves both paths. A wrong old leaf, path or root fails at
    '<name>.old_root'.

    Cost: `merkle4_update_cost(depth)` (depth 24: 7,226).
    """
    depth = _depth_of(siblings, depth)
    with cs.namespace(name):
        bits = bits_le(cs, index, depth, name="index")
        old = merkle4_root_unchecked(cs, old_leaf, bits, siblings, name="old")
        cs.assert_equal(old, root, name="old_root")
        return merkle4_root_unchecked(cs, new_leaf, bits, siblings, name="new")


def merkle4_update_cost(depth: int) -> int:
    """Constraints of `merkle4_update` for a tree of ``depth`` bits."""
    return 2 * path_cost(depth) + depth + 2


def _depth_of(siblings: Sequence[Operand], depth: int | None) -> int:
    if len(siblings) % tree.SIBLINGS_PER_LEVEL:
        raise ValueError(f"a path has 3 siblings per level, got {len(siblings)}")
    if depth is None:
        depth = 2 * (len(siblings) // tree.SIBLINGS_PER_LEVEL)
    if tree.path_length(depth) != len(siblings):
        raise ValueError(f"a tree of depth {depth} has paths of {tree.path_length(depth)} siblings, "
                         f"got {len(siblings)}")
    return depth
