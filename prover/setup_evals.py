"""The Groth16 setup's evaluations at tau, on (n, 4) Montgomery arrays (`prover.fr_vec`).

- `lagrange(tau, n)`: L_k(tau) for the n-th roots of unity w^k,
  L_k(x) = (x^n - 1)/n * w^k / (x - w^k).
- `lagrange_odd(tau, n)`: the same on the 2n-th roots, at the odd indices 2j + 1 only
  (what the H points need: L^{2n}_{2j+1}(tau), j < n).
- `wire_evaluations(m, lag, n_wires)`: for a QAP matrix m (rows = constraints), every
  wire's polynomial at tau, sum_i m[i, j] * lag[i]: the transpose of m times the
  Lagrange vector, computed with the prover's sparse mat-vec on the transposed matrix.

Everything is a few passes of `prover.fr_vec` kernels (one batched inversion, no Python
loop over elements), so the setup of a 4-million-constraint circuit spends seconds here
and holds a few 32-byte arrays, not lists of Python ints.

The plain twin with the same API is `prover.ref.setup_evals`.
"""
from __future__ import annotations

import numpy as np

from circuits.r1cs import SparseMatrix

from . import fr_vec
from .convert import int_limbs
from .domain import root_of_unity
from .mont import FR

R = fr_vec.R


def powers(w: int, n: int) -> np.ndarray:
    """w^0 .. w^(n-1) (Montgomery), by doubling: [w^m .. w^2m) = w^m * [w^0 .. w^m)."""
    out = np.empty((n, 4), dtype=np.uint64)
    if n == 0:
        return out
    out[0] = int_limbs(fr_vec.MONT_ONE)
    m, wm = 1, w % R
    while m < n:
        k = min(m, n - m)
        fr_vec.scale(out[:k], wm, out=out[m:m + k])
        m += k
        wm = wm * wm % R
    return out


def _check_tau(tau: int, n: int) -> int:
    tau %= R
    if pow(tau, n, R) == 1:
        raise ValueError(f"tau is an {n}-th root of unity: the Lagrange basis is not defined there")
    return tau


def _lagrange_on(tau: int, points: np.ndarray, n: int) -> np.ndarray:
    """z_n(tau)/n * p / (tau - p) for every point p of the n-th roots given."""
    d = np.empty_like(points)
    d[:] = int_limbs(FR.to_mont_int(tau))
    fr_vec.sub(d, points, out=d)
    inv = fr_vec.batch_inverse(d)
    del d
    out = fr_vec.mul(points, inv, out=inv)
    return fr_vec.scale(out, (pow(tau, n, R) - 1) * pow(n, R - 2, R), out=out)


def lagrange(tau: int, n: int) -> np.ndarray:
    """L_k(tau), k < n, on the n-th roots of unity (n a power of two; tau not a root)."""
    tau = _check_tau(tau, n)
    return _lagrange_on(tau, powers(root_of_unity(n), n), n)


def lagrange_odd(tau: int, n: int) -> np.ndarray:
    """L_{2j+1}(tau), j < n, on the 2n-th roots of unity: w2^(2j+1) = w2 * w_n^j."""
    tau = _check_tau(tau, 2 * n)
    pts = powers(root_of_unity(n), n)
    fr_vec.scale(pts, root_of_unity(2 * n), out=pts)
    return _lagrange_on(tau, pts, 2 * n)


def wire_evaluations(m: SparseMatrix, lag: np.ndarray, n_wires: int) -> np.ndarray:
    """sum_i m[i, j] * lag[i] for every wire j < n_wires (Montgomery; lag Montgomery with
    at least m.n_rows entries)."""
    fr_vec.check_array(lag, "lag")
    if lag.shape[0] < m.n_rows:
        raise ValueError(f"lag has {lag.shape[0]} entries, the matrix has {m.n_rows} rows")
    if m.nnz and (int(m.indices.min()) < 0 or int(m.indices.max()) >= n_wires):
        raise ValueError(f"the matrix refers to a wire outside 0..{n_wires - 1}")
    rows = np.repeat(np.arange(m.n_rows, dtype=np.int64), np.diff(m.indptr))
    order = np.argsort(m.indices, kind="stable")
    indptr = np.zeros(n_wires + 1, dtype=np.int64)
    np.cumsum(np.bincount(m.indices, minlength=n_wires), out=indptr[1:])
    coeffs = np.asarray(m.coeffs, dtype=np.uint64).reshape(-1, 4)[order]
    return fr_vec.MontCSR.from_sparse(SparseMatrix(indptr, rows[order], coeffs)).matvec(lag)
