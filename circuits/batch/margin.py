"""Scenario margin in the circuit (the rules of `circuits.spec.margin`, docs/risk.md).

    E_s = cash - haircut + sum_k size_k * scen[k][s],   haircut = sum_k |size_k|
    Q_s = IM_NUM * E_s - (IM_NUM - IM_DEN) * E_0       (`circuits.spec.margin.im_quantity`)

Maintenance: E_s >= 0 for every s; initial: Q_s >= 0 for every s (scenario 0 is the
mark). The table entries are witnesses (hashed once per batch), so each equity vector
costs K*S products and its Q_s are free linear combinations; a check "value >= 0" of a
value known to satisfy |v| < 2^E is a decomposition of v into E bits (E + 1
constraints): a negative v is the field element r - |v| >= 2^E and fails.

Native twins: `equities_native`, `haircut_native`, `circuits.spec.margin.im_quantities`.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc, lc_sum
from ..gadgets.bits import bits_le
from ..spec import margin as spec


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


def im_quantities(e: Sequence[LC]) -> list[LC]:
    """[Q_s for each s] of the equities e (scenario 0 the mark). Cost: 0 constraints."""
    return [spec.im_quantity(x, e[0]) for x in e]


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

haircut_native = spec.haircut
equities_native = spec.equities
