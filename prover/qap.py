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

from typing import Optional, Tuple

import numpy as np

from .domain import domain_size_for
from .fr_vec import (OP_MUL, OP_MULSUB, OP_MULSUB_SCALE, _NO_K, _K_RAW_ONE, MontCSR, check_array,
                     elementwise)
from .convert import int_limbs
from .mont import FR
from .ntt import GENERATOR, TWO_ADICITY, Domain, dif, dit, domain, permute_mul, root_of_unity

R = FR.p
SNARKJS_LAST_SHIFT = 25
"""Coset shift snarkjs uses when the domain is the full 2^28 (ffjavascript Fr.shift)."""

__all__ = ["domain_size_for", "snarkjs_shift", "h_snarkjs", "h_classic", "QapEvaluator"]


def snarkjs_shift(n: int) -> int:
    """The coset shift of convention (a): w_2n, a primitive 2n-th root (25 when n = 2^28)."""
    d = domain(n)
    return SNARKJS_LAST_SHIFT if d.log_n == TWO_ADICITY else root_of_unity(2 * n)


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


def _abc_on_coset(a, b, c, d: Domain, shift: int) -> np.ndarray:
    """A (3, n, 4) stack of a, b, c moved from H_n to shift*H_n (natural order both).

    All three go through each kernel together: one parallel region per phase."""
    xs = np.empty((3, d.n, 4), dtype=np.uint64)
    xs[0] = a
    xs[1] = b
    if c is None:  # snarkjs: c = a * b on H_n
        elementwise(OP_MUL, a, b, a, xs[2], _NO_K)
    else:
        xs[2] = c
    dif(xs, d.tw_inv)                                  # bit-reversed coefficients * n
    dit(xs, d.tw, d.powers(shift, d.n_inv, bitrev=True))  # coeff j * shift^j / n, then evaluate
    return xs


def prepare_domain(n: int) -> None:
    """Build (once per process) the tables `h_snarkjs` uses for domain size n: the stage
    twiddles and the coset table, the part of a first proof's QAP stage that is not work."""
    d = domain(n)
    d.powers(snarkjs_shift(d.n), d.n_inv, bitrev=True)


def h_snarkjs(a: np.ndarray, b: np.ndarray, c: Optional[np.ndarray] = None, *,
              canonical: bool = False, overwrite: bool = False) -> np.ndarray:
    """Convention (a): [A(x_i)B(x_i) - C(x_i)] at x_i = w_2n * omega_n^i, i < n, natural order.

    These are the scalars for the zkey's H points (no division by Z). c=None derives
    c = a*b on H_n as snarkjs does. canonical=True returns plain limbs (what an MSM
    takes) instead of Montgomery, at no extra pass. overwrite=True writes the result
    into c (when given) instead of a new array; a and b are never modified."""
    d = _check_abc(a, b, c)
    xs = _abc_on_coset(a, b, c, d, snarkjs_shift(d.n))
    out = c if (overwrite and c is not None) else np.empty((d.n, 4), dtype=np.uint64)
    # mont_mul(x, 1) = x / 2^256: the canonical value, folded into the join
    if canonical:
        return elementwise(OP_MULSUB_SCALE, xs[0], xs[1], xs[2], out, _K_RAW_ONE)
    return elementwise(OP_MULSUB, xs[0], xs[1], xs[2], out, _NO_K)


def h_classic(a: np.ndarray, b: np.ndarray, c: np.ndarray, *, shift: int = GENERATOR,
              canonical: bool = False, order: str = "natural", overwrite: bool = False) -> np.ndarray:
    """Convention (b): the n coefficients of h = (A*B - C) / (x^n - 1), via the coset shift*H_n.

    order="natural": h[i] is the coefficient of x^i; order="bitrev": bit-reversed order
    (skips the scatter; the caller then permutes its H query once instead). The top
    coefficient is 0 exactly when Z divides A*B - C (a satisfying witness).
    canonical=True returns plain limbs instead of Montgomery; overwrite=True writes the
    result into c instead of a new array."""
    if order not in ("natural", "bitrev"):
        raise ValueError("order must be 'natural' or 'bitrev'")
    if c is None:
        raise ValueError("h_classic needs c = C.w")
    d = _check_abc(a, b, c)
    shift %= R
    z = (pow(shift, d.n, R) - 1) % R
    if shift == 0 or z == 0:
        raise ValueError("the coset shift must be nonzero and outside the 2-power subgroups")
    xs = _abc_on_coset(a, b, c, d, shift)
    zinv = int_limbs(FR.to_mont_int(pow(z, -1, R)))
    xc = xs[2]
    elementwise(OP_MULSUB_SCALE, xs[0], xs[1], xc, xc, zinv)  # h on the coset, natural order
    dif(xs[2:], d.tw_inv)                                 # bit-reversed coeffs of n*h(shift*x)
    # shift^-j / n at slot j; plain (non-Montgomery) values give a plain result for free
    table = d.powers(pow(shift, -1, R), d.n_inv, bitrev=True, canonical=canonical)
    out = c if overwrite else np.empty((d.n, 4), dtype=np.uint64)
    if order == "bitrev":
        elementwise(OP_MUL, xc, table, xc, out, _NO_K)
    else:
        permute_mul(xc, d.bitrev, table, out)
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
