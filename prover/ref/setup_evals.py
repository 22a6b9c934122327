"""The plain twin of `prover.setup_evals`, same API: the setup's evaluations at tau with
Python ints and `%` (the textbook formulas), returned as (n, 4) Montgomery arrays."""
from __future__ import annotations

import numpy as np

from circuits.r1cs import SparseMatrix
from prover.convert import from_mont, to_mont
from prover.domain import root_of_unity
from prover.mont import FR

R = FR.p


def _arr(vals: list[int]) -> np.ndarray:
    return to_mont(vals, FR) if vals else np.zeros((0, 4), dtype=np.uint64)


def powers(w: int, n: int) -> np.ndarray:
    out, x = [], 1
    for _ in range(n):
        out.append(x)
        x = x * w % R
    return _arr(out)


def _lagrange(tau: int, pts: list[int], n: int) -> np.ndarray:
    tau %= R
    if pow(tau, n, R) == 1:
        raise ValueError(f"tau is an {n}-th root of unity: the Lagrange basis is not defined there")
    z_over_n = (pow(tau, n, R) - 1) * pow(n, -1, R) % R
    return _arr([z_over_n * p * pow(tau - p, -1, R) % R for p in pts])


def lagrange(tau: int, n: int) -> np.ndarray:
    w = root_of_unity(n)
    return _lagrange(tau, [pow(w, k, R) for k in range(n)], n)


def lagrange_odd(tau: int, n: int) -> np.ndarray:
    w2 = root_of_unity(2 * n)
    return _lagrange(tau, [pow(w2, 2 * j + 1, R) for j in range(n)], 2 * n)


def wire_evaluations(m: SparseMatrix, lag: np.ndarray, n_wires: int) -> np.ndarray:
    lv = from_mont(lag, FR)
    if len(lv) < m.n_rows:
        raise ValueError(f"lag has {len(lv)} entries, the matrix has {m.n_rows} rows")
    acc = [0] * n_wires
    vals, idx, ptr = m.coeff_ints(), m.indices.tolist(), m.indptr.tolist()
    for i in range(m.n_rows):
        for k in range(ptr[i], ptr[i + 1]):
            if not 0 <= idx[k] < n_wires:
                raise ValueError(f"the matrix refers to a wire outside 0..{n_wires - 1}")
            acc[idx[k]] += vals[k] * lv[i]
    return _arr([v % R for v in acc])
