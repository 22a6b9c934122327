"""The QAP step of Groth16: from A.w, B.w, C.w to the scalars of the H query.

Inputs are evaluations on the domain H_n = {omega_n^i} (n a power of two, row i of the
QAP <-> omega_n^i): a[i] = <A_i, w>, b[i] = <B_i, w>, c[i] = <C_i, w>, Montgomery (n, 4)
arrays, zero past the last row. The QAP rows are the R1CS constraints followed by one
row per public wire p = 0..n_public with A = {p: 1}, B = C = 0 (this makes the public
inputs' polynomials independent, as Groth16 needs; snarkjs's zkey does the same, see
`QapEvaluator`). The domain is `domain_size_for(constraints, public)`: the smallest
power of two >= constraints + public + 1, exactly snarkjs's.

Two conventions for what the prover multiplies with the H query:

(a) snarkjs / rapidsnark (`h_snarkjs`; our own keys use it too, see prover/setup.py).
    The zkey's H points are [L^{2n}_{2i+1}(tau) / delta]_1, Lagrange polynomials of the
    2n-th roots at the odd ones, so the 1/Z(x) factor is inside the points. The prover
    needs (A(x)B(x) - C(x)) at the odd 2n-th roots x_i = w_2n * omega_n^i, natural order:
    each of a, b, c is interpolated (iNTT), coefficient j multiplied by w_2n^j, and
    evaluated (NTT) -- snarkjs's ifft / batchApplyKey(1, w_2n) / fft -- then
    h_i = a_i * b_i - c_i ("joinABC"), no division by Z. snarkjs reads c as a * b on
    H_n (its zkey has no C coefficients); that equals C.w for a satisfying witness,
    and `h_snarkjs(a, b, None)` does the same. If n = 2^28 there is no 2n-th root and
    snarkjs shifts by 25 instead (ffjavascript's Fr.shift = 5^2); so do we.

(b) classic (`h_classic`): for keys whose H query is [tau^i * Z(tau) / delta]_1, i < n-1,
    the prover needs the coefficients of h = (A*B - C) / Z, Z = x^n - 1. On a coset
    g*H_n (g = 5, not in any 2-power subgroup) Z is the constant g^n - 1, so: a, b, c to
    the coset as above, h_i = (a_i * b_i - c_i) / (g^n - 1), then a coset iNTT gives the
    n coefficients of h (the last is 0 when the witness satisfies the circuit).

Each transform is a pair of kernels that change order once each (`prover.ntt`): iNTT
natural -> bit-reversed coefficients, coset scaling by a bit-reversed power table (with
1/n folded in), NTT bit-reversed -> natural. No permutation pass runs, except the
natural-order output of (b), which folds a scatter into its last scaling.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np
from numba import njit, prange

from . import fr_vec
from .domain import domain_size_for
from .fr_vec import MontCSR, check_array, int_to_limb_array, run
from .mont import FR, fr_mul, fr_sub
from .ntt import (BLOCK_LOG, GENERATOR, N_CHUNKS, TWO_ADICITY, Domain, _k_dif, _k_dit,
                  _k_permute_mul, domain, root_of_unity)

R = FR.p
SNARKJS_LAST_SHIFT = 25
"""Coset shift snarkjs uses when the domain is the full 2^28 (ffjavascript Fr.shift)."""

__all__ = ["domain_size_for", "snarkjs_shift", "h_snarkjs", "h_classic", "QapEvaluator"]


def snarkjs_shift(n: int) -> int:
    """The coset shift of convention (a): w_2n, a primitive 2n-th root (25 when n = 2^28)."""
    d = domain(n)
    return SNARKJS_LAST_SHIFT if d.log_n == TWO_ADICITY else root_of_unity(2 * n)


@njit(cache=True, parallel=True)
def _k_join(a, b, c, k, use_k, out):
    """out = (a*b - c) [* k] elementwise; c may alias out."""
    k0, k1, k2, k3 = k[0], k[1], k[2], k[3]
    for i in prange(a.shape[0]):
        p0, p1, p2, p3 = fr_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
        p0, p1, p2, p3 = fr_sub(p0, p1, p2, p3, c[i, 0], c[i, 1], c[i, 2], c[i, 3])
        if use_k:
            p0, p1, p2, p3 = fr_mul(p0, p1, p2, p3, k0, k1, k2, k3)
        out[i, 0] = p0
        out[i, 1] = p1
        out[i, 2] = p2
        out[i, 3] = p3


def _check_abc(a, b, c) -> Domain:
    check_array(a, "a")
    check_array(b, "b")
    if c is not None:
        check_array(c, "c")
        if c.shape[0] != a.shape[0]:
            raise ValueError("a, b and c must have the same length (the domain size)")
    if b.shape[0] != a.shape[0]:
        raise ValueError("a, b and c must have the same length (the domain size)")
    n = a.shape[0]
    if n < 2:
        raise ValueError(f"QAP domain size must be a power of two >= 2, got {n}")
    return domain(n)  # validates the power of two


def _to_coset(x: np.ndarray, d: Domain, shift: int) -> None:
    """In place: evaluations on H_n (natural) -> evaluations on shift*H_n (natural)."""
    run(_k_dif, x.shape[0], x, d.tw_inv, d.log_n, BLOCK_LOG, N_CHUNKS)          # bit-reversed coeffs * n
    run(fr_vec._k_mul, x.shape[0], x, d.powers(shift, d.n_inv, bitrev=True), x)  # coeff j * shift^j / n
    run(_k_dit, x.shape[0], x, d.tw, d.log_n, BLOCK_LOG, N_CHUNKS)              # natural coset evaluations


def _abc_on_coset(a, b, c, d: Domain, shift: int, overwrite: bool):
    xa = a if overwrite else a.copy()
    xb = b if overwrite else b.copy()
    if c is None:  # snarkjs: c = a * b on H_n
        xc = np.empty_like(xa)
        run(fr_vec._k_mul, xa.shape[0], xa, xb, xc)
    else:
        xc = c if overwrite else c.copy()
    for x in (xa, xb, xc):
        _to_coset(x, d, shift)
    return xa, xb, xc


def h_snarkjs(a: np.ndarray, b: np.ndarray, c: Optional[np.ndarray] = None, *,
              canonical: bool = False, overwrite: bool = False) -> np.ndarray:
    """Convention (a): [A(x_i)B(x_i) - C(x_i)] at x_i = w_2n * omega_n^i, i < n, natural order.

    These are the scalars for the zkey's H points (no division by Z). c=None derives
    c = a*b on H_n as snarkjs does. canonical=True returns plain limbs (what an MSM
    takes) instead of Montgomery, at no extra pass. overwrite=True lets the function
    use a, b, c as scratch (saves three copies of n elements)."""
    d = _check_abc(a, b, c)
    xa, xb, xc = _abc_on_coset(a, b, c, d, snarkjs_shift(d.n), overwrite)
    # mont_mul(x, 1) = x / 2^256: the canonical value, folded into the join
    k = np.array([1, 0, 0, 0], dtype=np.uint64)
    run(_k_join, xa.shape[0], xa, xb, xc, k, bool(canonical), xc)
    return xc


def h_classic(a: np.ndarray, b: np.ndarray, c: np.ndarray, *, shift: int = GENERATOR,
              canonical: bool = False, order: str = "natural", overwrite: bool = False) -> np.ndarray:
    """Convention (b): the n coefficients of h = (A*B - C) / (x^n - 1), via the coset shift*H_n.

    order="natural": h[i] is the coefficient of x^i; order="bitrev": bit-reversed order
    (skips the scatter; the caller then permutes its H query once instead). The top
    coefficient is 0 exactly when Z divides A*B - C (a satisfying witness).
    canonical=True returns plain limbs instead of Montgomery."""
    if order not in ("natural", "bitrev"):
        raise ValueError("order must be 'natural' or 'bitrev'")
    if c is None:
        raise ValueError("h_classic needs c = C.w")
    d = _check_abc(a, b, c)
    shift %= R
    z = (pow(shift, d.n, R) - 1) % R
    if shift == 0 or z == 0:
        raise ValueError("the coset shift must be nonzero and outside the 2-power subgroups")
    xa, xb, xc = _abc_on_coset(a, b, c, d, shift, overwrite)
    zinv = int_to_limb_array(FR.to_mont_int(pow(z, -1, R)))
    run(_k_join, xa.shape[0], xa, xb, xc, zinv, True, xc)                  # h on the coset, natural order
    run(_k_dif, xc.shape[0], xc, d.tw_inv, d.log_n, BLOCK_LOG, N_CHUNKS)   # bit-reversed coeffs of n*h(shift*x)
    # shift^-j / n at slot j; plain (non-Montgomery) values give a plain result for free
    table = d.powers(pow(shift, -1, R), d.n_inv, bitrev=True, canonical=canonical)
    if order == "bitrev":
        run(fr_vec._k_mul, xc.shape[0], xc, table, xc)
        return xc
    out = np.empty_like(xc)
    run(_k_permute_mul, xc.shape[0], xc, d.bitrev, table, out)
    return out


class QapEvaluator:
    """The QAP rows of a circuit, prepared once, turning a witness into a, b, c.

    Rows: the n_constraints R1CS rows, then for every public wire p = 0..n_public the
    row A = {p: 1}, B = C = 0, then zeros up to the domain size. `from_r1cs` adds the
    public rows itself; `from_matrices` takes A with them already appended (a zkey's
    coefficients, or prover.setup's `qap_A`)."""

    def __init__(self, A: MontCSR, B: MontCSR, C: Optional[MontCSR], n_constraints: int,
                 n_public: int, n_wires: int):
        self.n_constraints, self.n_public, self.n_wires = n_constraints, n_public, n_wires
        self.n = domain_size_for(n_constraints, n_public)
        if A.n_rows != n_constraints + n_public + 1:
            raise ValueError(f"A has {A.n_rows} rows, expected constraints + public + 1 = "
                             f"{n_constraints + n_public + 1}")
        for name, m in (("B", B), ("C", C)):
            if m is not None and m.n_rows > n_constraints + n_public + 1:
                raise ValueError(f"{name} has {m.n_rows} rows, more than the QAP's")
        for name, m in (("A", A), ("B", B), ("C", C)):
            if m is not None and m.n_cols_min > n_wires:
                raise ValueError(f"{name} refers to wire {m.n_cols_min - 1}, the circuit has {n_wires}")
        self.A, self.B, self.C = A, B, C

    @staticmethod
    def public_rows(a_matrix, n_public: int):
        """CSR arrays (indptr, indices, canonical coeffs) of A followed by the public rows."""
        extra = n_public + 1
        indptr = np.concatenate([a_matrix.indptr, a_matrix.indptr[-1] + np.arange(1, extra + 1, dtype=np.int64)])
        indices = np.concatenate([a_matrix.indices, np.arange(extra, dtype=np.int64)])
        one = np.zeros((extra, 4), dtype=np.uint64)
        one[:, 0] = 1
        coeffs = np.concatenate([np.asarray(a_matrix.coeffs, dtype=np.uint64).reshape(-1, 4), one])
        return indptr, indices, coeffs

    @classmethod
    def from_r1cs(cls, r1cs) -> "QapEvaluator":
        """From a `circuits.r1cs.R1CS`: public rows appended to A here."""
        from circuits.r1cs import SparseMatrix
        qa = SparseMatrix(*cls.public_rows(r1cs.A, r1cs.n_public))
        return cls(MontCSR.from_sparse(qa), MontCSR.from_sparse(r1cs.B), MontCSR.from_sparse(r1cs.C),
                   r1cs.n_constraints, r1cs.n_public, r1cs.n_wires)

    @classmethod
    def from_matrices(cls, qap_a, qap_b, qap_c, n_constraints: int, n_public: int,
                      n_wires: int) -> "QapEvaluator":
        """From SparseMatrix (canonical) or MontCSR matrices; A includes the public rows,
        qap_c may be None (then only h_snarkjs(a, b, None) applies)."""
        def prep(m):
            return m if m is None or isinstance(m, MontCSR) else MontCSR.from_sparse(m)
        return cls(prep(qap_a), prep(qap_b), prep(qap_c), n_constraints, n_public, n_wires)

    def evaluations(self, w: np.ndarray, with_c: bool = True) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
        """(a, b, c) on the domain, each (n, 4) Montgomery, from the Montgomery witness w.
        c is None when with_c is False or there is no C matrix."""
        check_array(w, "w")
        if w.shape[0] != self.n_wires:
            raise ValueError(f"witness has {w.shape[0]} values, the circuit has {self.n_wires} wires")
        out = []
        for m in (self.A, self.B, self.C if with_c else None):
            if m is None:
                out.append(None)
                continue
            v = np.empty((self.n, 4), dtype=np.uint64)
            m.matvec(w, v)
            v[m.n_rows:] = 0
            out.append(v)
        return out[0], out[1], out[2]
