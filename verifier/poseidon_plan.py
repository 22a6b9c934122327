"""The Poseidon permutation as the L1 contracts compute it: circuits.poseidon's fast form,
cut into dense and sparse partial rounds.

circuits.poseidon.fast_params carries the partial rounds' constants out (one scalar per
round on element 0) and rewrites every partial round's MDS multiplication as a sparse one
(first row, first column, identity), which needs 2t - 1 constants per round. Contract size
(EIP-170) cannot hold that for every round of the wide hashes, so a Plan keeps only the LAST
`sparse` partial rounds sparse; the earlier ones multiply by the MDS matrix M itself (the
carried constants are valid for either form), and the partial round just before the sparse
ones multiplies by M' = diag(1, M11^sparse) . M, the factor the sparse rewriting of the
later rounds leaves behind (with sparse = R_P that factor lands in the last first-half full
round: fast_params's pre_sparse). `permute_plan` runs a Plan in Python; tests compare it
with circuits.poseidon.permute for every cut.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from circuits.field import R
from circuits.poseidon import fast_params


def _mat_mul(a, b):
    return tuple(tuple(sum(x * y for x, y in zip(row, col)) % R for col in zip(*b)) for row in a)


def _mat_vec(m, v):
    return [sum(a * b for a, b in zip(row, v)) % R for row in m]


@dataclass(frozen=True)
class Plan:
    t: int
    half: int                   # full rounds per side (4)
    full_constants: tuple       # 2 * half rows of t
    partial_constants: tuple    # R_P scalars (element 0 only)
    mds: tuple
    pre_matrix: tuple           # matrix of the last first-half full round
    dense_last: Optional[tuple]  # matrix of the last dense partial round (None if none)
    sparse: int                 # the last `sparse` partial rounds are sparse
    sparse_rows: tuple
    sparse_cols: tuple

    @property
    def n_partial(self) -> int:
        return len(self.partial_constants)


@lru_cache(maxsize=None)
def plan(t: int, sparse: Optional[int] = None) -> Plan:
    f = fast_params(t)
    P = f.n_rounds_p
    k = P if sparse is None else sparse
    if not 0 <= k <= P:
        raise ValueError(f"sparse must be 0..{P}, got {k}")
    if k == P:
        pre, last = f.pre_sparse, None
    else:
        m11 = tuple(row[1:] for row in f.mds[1:])
        power = tuple(tuple(int(i == j) for j in range(t - 1)) for i in range(t - 1))
        for _ in range(k):
            power = _mat_mul(m11, power)
        block = ((1,) + (0,) * (t - 1),) + tuple((0,) + row for row in power)
        pre, last = f.mds, _mat_mul(block, f.mds)
    return Plan(t, f.half, f.full_constants, f.partial_constants, f.mds, pre, last, k,
                f.sparse_first_row[P - k:], f.sparse_first_col[P - k:])


def pow5(x: int) -> int:
    return pow(x, 5, R)


def permute_plan(p: Plan, state) -> list[int]:
    """The permutation exactly as the generated code computes it (round by round)."""
    s = list(state)
    for k in range(p.half):
        s = [pow5(x + c) for x, c in zip(s, p.full_constants[k])]
        s = _mat_vec(p.pre_matrix if k == p.half - 1 else p.mds, s)
    dense = p.n_partial - p.sparse
    for i in range(dense):
        s[0] = pow5(s[0] + p.partial_constants[i])
        s = _mat_vec(p.dense_last if i == dense - 1 else p.mds, s)
    for i in range(dense, p.n_partial):
        row, col = p.sparse_rows[i - dense], p.sparse_cols[i - dense]
        x0 = pow5(s[0] + p.partial_constants[i])
        s = [(row[0] * x0 + sum(a * b for a, b in zip(row[1:], s[1:]))) % R] + \
            [(x + g * x0) % R for x, g in zip(s[1:], col)]
    for k in range(p.half, 2 * p.half):
        s = _mat_vec(p.mds, [pow5(x + c) for x, c in zip(s, p.full_constants[k])])
    return s
