"""Scenario margin in the circuit (rules of `zkrollup.risk`, docs/state.md "Margin rules").

    equity_s = cash - haircut + sum_k size_k * table[k][s],   haircut = sum_k |size_k|

Initial margin: equity_s >= 0 for every s of the initial grid; maintenance likewise on
the maintenance grid. The table entries are witnesses (hashed once per batch), so each
equity vector costs K*S products; a check "value >= 0" of a value known to satisfy
|v| < 2^E is a decomposition of v into E bits (E + 1 constraints): a negative v is the
field element r - |v| >= 2^E and fails.

Native twins: `equities_native`, `haircut_native`.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc, lc_sum
from ..gadgets.bits import bits_le


def equities(cs: ConstraintSystem, base: Operand, sizes: Sequence[Operand],
             table: Sequence[Sequence[LC]], name: str = "equity") -> list[LC]:
    """[base + sum_k sizes[k] * table[k][s] for each s]; base is cash - haircut.

    Cost: K * S constraints (fewer where a size or an entry is a constant).
    """
    base = as_lc(base)
    n_s = len(table[0])
    with cs.namespace(name):
        prods = [[cs.mul(sz, table[k][s], name=f"p{k}_{s}") for s in range(n_s)]
                 for k, sz in enumerate(sizes)]
    return [base + lc_sum(prods[k][s] for k in range(len(sizes))) for s in range(n_s)]


def assert_nonneg(cs: ConstraintSystem, x: Operand, bits: int, name: str) -> None:
    """Enforce 0 <= x < 2^bits, i.e. x >= 0 for a value with |x| < 2^bits.
    Fails at '<name>.sum'. Cost: bits + 1 constraints."""
    bits_le(cs, x, bits, name=name)


def dot(cs: ConstraintSystem, sel: Sequence[Operand], values: Sequence[Operand],
        name: str = "dot") -> LC:
    """sum(sel[i] * values[i]); with a one-hot sel this picks one value.
    Cost: one constraint per non-constant pair."""
    with cs.namespace(name):
        return lc_sum(cs.mul(s, v, name=f"t{i}") for i, (s, v) in enumerate(zip(sel, values)))


# ---- native twins -------------------------------------------------------------------------

def haircut_native(sizes: Sequence[int]) -> int:
    return sum(abs(x) for x in sizes)


def equities_native(cash: int, sizes: Sequence[int], table: Sequence[Sequence[int]]) -> list[int]:
    base = cash - haircut_native(sizes)
    return [base + sum(sz * table[k][s] for k, sz in enumerate(sizes)) for s in range(len(table[0]))]
