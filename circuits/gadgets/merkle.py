"""Merkle paths of a binary Poseidon tree in the circuit: membership and update.

Tree: node = Poseidon(left, right), any depth d = len(siblings). Path convention (the
one used everywhere in the project): `siblings[k]` is the sibling at level k counted
from the leaves upwards, and bit k of the leaf index, least significant first, is 1
when the running node is the right child at level k, i.e.
node_{k+1} = Poseidon(siblings[k], node_k) if bit k else Poseidon(node_k, siblings[k]).
Leaf number `index` therefore sits at position `index` from the left.

The gadgets take the index as one field element and split it with `bits_le`, which
constrains each bit boolean and the index below 2^d, so they are self-contained. The
`_unchecked` variant takes bits the caller has already constrained boolean (e.g. to
share one decomposition between several paths).

Native twin: `circuits.merkle_native.merkle_root_from_path`.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc
from .bits import bits_le
from .poseidon import cost as poseidon_cost
from .poseidon import poseidon

LEVEL_COST = 1 + poseidon_cost(2)
"""Constraints per level of one path: the conditional swap and one Poseidon(2)."""


def merkle_root_unchecked(cs: ConstraintSystem, leaf: Operand, index_bits: Sequence[Operand],
                          siblings: Sequence[Operand], name: str = "path") -> LC:
    """The root reached from `leaf` along `siblings`, turning by `index_bits`.

    Enforces nothing about the bits: the caller must have constrained each one boolean
    (a non-boolean b would hash a mix of the two children). Per level the swap is
    left = cur + b * (sib - cur), right = cur + sib - left: one constraint.

    Cost: len(siblings) * 241 constraints.
    """
    if len(index_bits) != len(siblings):
        raise ValueError(f"need one index bit per level: {len(index_bits)} bits, "
                         f"{len(siblings)} siblings")
    cur = as_lc(leaf)
    with cs.namespace(name):
        for k, (b, sib) in enumerate(zip(index_bits, siblings)):
            with cs.namespace(f"level{k}"):
                sib = as_lc(sib)
                d = cs.mul(b, sib - cur, name="swap")
                left = cur + d
                cur = poseidon(cs, [left, cur + sib - left])
    return cur


def index_bits(cs: ConstraintSystem, index: Operand, depth: int, name: str = "index") -> list[LC]:
    """The depth bits of a leaf index, least significant first, each constrained boolean,
    and index < 2^depth enforced (fails at '<name>.sum' otherwise).

    Cost: depth + 1 constraints.
    """
    return bits_le(cs, index, depth, name=name)


def merkle_root(cs: ConstraintSystem, leaf: Operand, index: Operand,
                siblings: Sequence[Operand], name: str = "merkle") -> LC:
    """The root of the tree holding `leaf` at position `index` with path `siblings`.

    Enforces 0 <= index < 2^d (d = len(siblings)); the caller compares the result.

    Cost: d + 1 + 241 d constraints.
    """
    with cs.namespace(name):
        bits = index_bits(cs, index, len(siblings))
        return merkle_root_unchecked(cs, leaf, bits, siblings)


def merkle_verify(cs: ConstraintSystem, leaf: Operand, index: Operand,
                  siblings: Sequence[Operand], root: Operand, name: str = "merkle") -> None:
    """Enforce that `leaf` sits at position `index` of the tree with root `root`
    (membership), with 0 <= index < 2^d. A wrong leaf, path or root fails at
    '<name>.root'.

    Cost: 242 d + 2 constraints.
    """
    with cs.namespace(name):
        bits = index_bits(cs, index, len(siblings))
        computed = merkle_root_unchecked(cs, leaf, bits, siblings)
        cs.assert_equal(computed, root, name="root")


def merkle_update(cs: ConstraintSystem, old_leaf: Operand, new_leaf: Operand, index: Operand,
                  siblings: Sequence[Operand], root: Operand, name: str = "merkle_update") -> LC:
    """Enforce that `old_leaf` sits at `index` of the tree with root `root`, and return the
    root after replacing it with `new_leaf` (same index, same siblings).

    One index decomposition serves both paths. A wrong old leaf, path or root fails at
    '<name>.old_root'.

    Cost: 483 d + 2 constraints (depth 24: 11,594).
    """
    with cs.namespace(name):
        bits = index_bits(cs, index, len(siblings))
        old = merkle_root_unchecked(cs, old_leaf, bits, siblings, name="old")
        cs.assert_equal(old, root, name="old_root")
        return merkle_root_unchecked(cs, new_leaf, bits, siblings, name="new")


def merkle_update_cost(depth: int) -> int:
    """Constraints of `merkle_update` for a tree of the given depth."""
    return 2 * depth * LEVEL_COST + depth + 2
