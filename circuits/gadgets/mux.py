"""Multiplexers: pick an element of a small table by an index in the circuit.

Two selector forms:
* one-hot: a vector of n bits with exactly one 1 (`one_hot` builds it from an index and
  enforces the index is in [0, n)); selecting is then a dot product, free when the
  table holds constants, 1 constraint per non-constant entry otherwise.
* binary: k little-endian bits choose among 2^k entries with a tree of selects.

Native twins: `one_hot_native`, `mux_native`, `mux_bits_native`.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc, lc_sum
from .boolean import select


def one_hot(cs: ConstraintSystem, index: Operand, n: int, name: str = "one_hot") -> list[LC]:
    """n bits with sel[i] = 1 iff index == i; enforces 0 <= index < n.

    Enforces sel[i] * (index - i) == 0 for every i (so only sel[index] can be nonzero)
    and sum(sel) == 1 (so it is 1, and an index outside [0, n) fails at '<name>.sum').
    The outputs are boolean as a consequence.

    Cost: n + 1 constraints.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"table size must be a positive int, got {n!r}")
    index = as_lc(index)
    with cs.namespace(name):
        sel = cs.hint(lambda v: [int(v == i) for i in range(n)], index, n_out=n, name="sel")
        if n == 1:
            sel = [sel]
        for i, s in enumerate(sel):
            cs.enforce(s, index - i, 0, name=f"sel{i}")
        cs.enforce(lc_sum(sel), 1, 1, name="sum")
    return sel


def assert_one_hot(cs: ConstraintSystem, sel: Sequence[Operand], name: str = "one_hot") -> None:
    """Enforce that sel is boolean with exactly one 1. Cost: len(sel) + 1 constraints."""
    with cs.namespace(name):
        for i, s in enumerate(sel):
            s = as_lc(s)
            cs.enforce(s, s - 1, 0, name=f"bool{i}")
        cs.enforce(lc_sum(sel), 1, 1, name="sum")


def mux_one_hot(cs: ConstraintSystem, sel: Sequence[Operand], table: Sequence[Operand],
                name: str = "mux") -> LC:
    """sum(sel[i] * table[i]) for a one-hot selector (precondition: sel is one-hot, e.g.
    from `one_hot` or `assert_one_hot`).

    Cost: one constraint per non-constant table entry (0 for a constant table).
    """
    if len(sel) != len(table):
        raise ValueError(f"selector has {len(sel)} entries, table has {len(table)}")
    with cs.namespace(name):
        return lc_sum(cs.mul(s, t, name=f"term{i}") for i, (s, t) in enumerate(zip(sel, table)))


def mux(cs: ConstraintSystem, index: Operand, table: Sequence[Operand], name: str = "mux") -> LC:
    """table[index]; enforces 0 <= index < len(table) (fails at '<name>.one_hot.sum').

    Cost: len(table) + 1 constraints, plus one per non-constant table entry.
    """
    with cs.namespace(name):
        sel = one_hot(cs, index, len(table))
        return mux_one_hot(cs, sel, table, name="dot")


def mux_rows(cs: ConstraintSystem, index: Operand, rows: Sequence[Sequence[Operand]],
             name: str = "mux_rows") -> list[LC]:
    """rows[index] (a list), sharing one selector across the columns; enforces the index
    is in [0, len(rows)).

    Cost: len(rows) + 1 constraints, plus one per non-constant entry.
    """
    if not rows:
        raise ValueError("mux_rows needs at least one row")
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise ValueError("all rows must have the same length")
    with cs.namespace(name):
        sel = one_hot(cs, index, len(rows))
        return [mux_one_hot(cs, sel, [r[j] for r in rows], name=f"col{j}") for j in range(width)]


def mux_bits(cs: ConstraintSystem, bits: Sequence[Operand], table: Sequence[Operand],
             name: str = "mux_bits") -> LC:
    """table[sum(bits[i] * 2^i)] for len(table) == 2^len(bits) (precondition: bits boolean).

    A tree of selects; bits[0] picks within adjacent pairs.

    Cost: 2^k - 1 constraints for k bits, or 2^(k-1) - 1 if the table holds constants
    (the first level of selects between constants is linear).
    """
    if len(table) != 1 << len(bits):
        raise ValueError(f"table has {len(table)} entries, {len(bits)} bits need {1 << len(bits)}")
    level = [as_lc(t) for t in table]
    with cs.namespace(name):
        for k, b in enumerate(bits):
            level = [select(cs, b, level[2 * i + 1], level[2 * i], name=f"l{k}s{i}")
                     for i in range(len(level) // 2)]
    return level[0]


# ---- native twins ---------------------------------------------------------------------

def one_hot_native(index: int, n: int) -> list[int]:
    if not 0 <= index < n:
        raise ValueError(f"index {index} outside [0, {n})")
    return [int(i == index) for i in range(n)]


def mux_native(index: int, table: Sequence[int]) -> int:
    if not 0 <= index < len(table):
        raise ValueError(f"index {index} outside [0, {len(table)})")
    return table[index]


def mux_bits_native(bits: Sequence[int], table: Sequence[int]) -> int:
    if any(b not in (0, 1) for b in bits):
        raise ValueError("bits must be 0 or 1")
    return mux_native(sum(b << i for i, b in enumerate(bits)), table)
