"""A tiny textbook Groth16 in plain Python ints: setup, prove, and the conventions the fast prover follows.

Meant for circuits of at most a few dozen constraints (everything is quadratic in the
domain size and every point is a separate double-and-add). It fixes the conventions the
fast prover (prover/setup.py, prover/groth16.py) follows, which are snarkjs's:

Notation: an R1CS with n constraints, m wires w_0..w_{m-1} (w_0 = 1, w_1..w_l public,
l = n_public), matrices A, B, C (row j, wire i).

QAP rows. Rows 0..n-1 are the constraints. For every public wire k = 0..l one more row
    A[n + k] = {k: 1},  B[n + k] = C[n + k] = {}
is appended (a*b = c holds there as w_k * 0 = 0). It makes the IC polynomials linearly
independent, so a proof cannot be moved from one public input to another.

Domain. N = the smallest power of two >= n + l + 1; rows n + l + 1..N - 1 are zero.
omega = 5^((r-1)/N) (5 is the smallest quadratic non-residue of Fr; ffjavascript and
arkworks derive their roots of unity the same way); row j lives at the point omega^j.
L_j is the Lagrange polynomial with L_j(omega^k) = [j = k]:
    L_j(x) = omega^j (x^N - 1) / (N (x - omega^j)),     t(x) = x^N - 1.
u_i(x) = sum_j A[j][i] L_j(x), likewise v_i (from B) and w_i (from C).

Setup with toxic waste (tau, alpha, beta, gamma, delta), all non-zero, tau^N != 1
(the fast setup also needs tau^(2N) != 1):
    alpha1 = [alpha]_1, beta1 = [beta]_1, beta2 = [beta]_2, delta1 = [delta]_1,
    delta2 = [delta]_2, gamma2 = [gamma]_2
    A_query[i]  = [u_i(tau)]_1                                 i = 0..m-1
    B1_query[i] = [v_i(tau)]_1,  B2_query[i] = [v_i(tau)]_2     i = 0..m-1
    C_query[i - l - 1] = [(beta u_i + alpha v_i + w_i)(tau) / delta]_1   i = l+1..m-1 (private)
    H_query[k]  = [tau^k t(tau) / delta]_1                      k = 0..N-2
    IC[i]       = [(beta u_i + alpha v_i + w_i)(tau) / gamma]_1  i = 0..l   (verification key)
(The fast key stores H as [L^{2N}_{2k+1}(tau) / delta]_1 over the odd 2N-th roots of unity,
snarkjs's layout; its sum with the matching evaluations of a*b - c is the same point
h(tau) t(tau) / delta, so both give identical proofs for the same toxic waste and r, s.)

Prove, for a witness satisfying the R1CS and randomisers r, s:
    a(x) = sum_i w_i u_i(x), b(x), c(x) likewise;  h(x) = (a(x) b(x) - c(x)) / t(x),
        deg h <= N - 2 (exact division: the witness satisfies every row);
    A  = alpha1 + sum_i w_i A_query[i] + r delta1
    B  = beta2  + sum_i w_i B2_query[i] + s delta2      (B1: the same in G1, for C)
    C  = sum_{i>l} w_i C_query[i-l-1] + sum_k h_k H_query[k] + s A + r B1 - r s delta1
Verification: e(A, B) = e(alpha1, beta2) e(sum_{i<=l} w_i IC[i], gamma2) e(C, delta2).

Points are affine ints (prover.ref.curves; None = infinity). `VerifyingKey` and `Proof`
have the field names of verifier.groth16's, so `verifier.groth16.VerifyingKey(
**dataclasses.asdict(vk))` converts (prover must not import verifier).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Optional, Sequence

from circuits.r1cs import R1CS

from .curves import G1_GEN, G2_GEN, g1_add, g1_mul, g1_neg, g2_add, g2_mul
from .fields import R, fr_inv
from .msm import g1_msm_ints as msm_g1, g2_msm_ints as msm_g2

MULTIPLICATIVE_GENERATOR = 5
TWO_ADICITY = 28


@dataclass
class ToxicWaste:
    tau: int
    alpha: int
    beta: int
    gamma: int
    delta: int

    @classmethod
    def random(cls) -> "ToxicWaste":
        """Fresh values from the OS CSPRNG (for tests: this reference is not a ceremony)."""
        return cls(*(secrets.randbelow(R - 2) + 2 for _ in range(5)))


@dataclass
class VerifyingKey:
    alpha1: tuple
    beta2: tuple
    gamma2: tuple
    delta2: tuple
    ic: list


@dataclass
class Proof:
    a: Optional[tuple]
    b: Optional[tuple]
    c: Optional[tuple]


@dataclass
class ProvingKey:
    n_wires: int
    n_public: int
    n_constraints: int
    domain_size: int
    alpha1: tuple
    beta1: tuple
    beta2: tuple
    delta1: tuple
    delta2: tuple
    a_query: list     # G1, one per wire
    b1_query: list    # G1, one per wire
    b2_query: list    # G2, one per wire
    c_query: list     # G1, one per private wire (wire n_public + 1 + k at index k)
    h_query: list     # G1, domain_size - 1 points
    vk: VerifyingKey


# --- domain and QAP -----------------------------------------------------------------------------

def domain_size(n_constraints: int, n_public: int) -> int:
    """Smallest power of two >= n_constraints + n_public + 1."""
    n = 1
    while n < n_constraints + n_public + 1:
        n *= 2
    return n


def root_of_unity(n: int) -> int:
    """omega_n = 5^((r-1)/n), a primitive n-th root of unity (n a power of two <= 2^28)."""
    if n < 1 or n & (n - 1) or n > 1 << TWO_ADICITY:
        raise ValueError(f"domain size {n} is not a power of two <= 2^{TWO_ADICITY}")
    return pow(MULTIPLICATIVE_GENERATOR, (R - 1) // n, R)


def qap_rows(r1cs: R1CS) -> tuple[list, list, list, int]:
    """The QAP's rows as lists of (wire, coeff), with the public-input rows appended and zero
    rows up to the domain size N; returns (A_rows, B_rows, C_rows, N)."""
    n, l = r1cs.n_constraints, r1cs.n_public
    N = domain_size(n, l)
    a, b, c = r1cs.A.rows(), r1cs.B.rows(), r1cs.C.rows()
    a += [[(k, 1)] for k in range(l + 1)]
    pad = N - len(a)
    return a + [[]] * pad, b + [[]] * (N - n), c + [[]] * (N - n), N


def lagrange_at(tau: int, N: int) -> list[int]:
    """[L_0(tau), .., L_{N-1}(tau)] for the N-th roots of unity; tau must not be one of them."""
    z = (pow(tau, N, R) - 1) % R
    if z == 0:
        raise ValueError("tau is on the evaluation domain (tau^N = 1)")
    omega = root_of_unity(N)
    out, wj = [], 1
    for _ in range(N):
        out.append(wj * z % R * fr_inv(N * (tau - wj)) % R)
        wj = wj * omega % R
    return out


def qap_at(r1cs: R1CS, tau: int) -> tuple[list[int], list[int], list[int]]:
    """(u_i(tau), v_i(tau), w_i(tau)) for every wire i."""
    a_rows, b_rows, c_rows, N = qap_rows(r1cs)
    lag = lagrange_at(tau, N)
    out = []
    for rows in (a_rows, b_rows, c_rows):
        acc = [0] * r1cs.n_wires
        for j, row in enumerate(rows):
            for wire, coeff in row:
                acc[wire] = (acc[wire] + coeff * lag[j]) % R
        out.append(acc)
    return out[0], out[1], out[2]


def _interpolate(values: list[int], N: int) -> list[int]:
    """Coefficients of the polynomial of degree < N taking values[j] at omega^j (inverse DFT)."""
    inv_omega = fr_inv(root_of_unity(N))
    inv_n = fr_inv(N)
    coeffs = []
    for k in range(N):
        step, x, acc = pow(inv_omega, k, R), 1, 0
        for v in values:
            acc += v * x
            x = x * step % R
        coeffs.append(acc % R * inv_n % R)
    return coeffs


def quotient(r1cs: R1CS, witness: Sequence[int]) -> list[int]:
    """h's coefficients (N - 1 of them) with a(x) b(x) - c(x) = h(x) (x^N - 1).

    Raises ValueError naming the first unsatisfied constraint if the witness is not a solution."""
    bad = r1cs.which_is_unsatisfied(witness)
    if bad is not None:
        raise ValueError(f"witness does not satisfy constraint {bad}")
    a_rows, b_rows, c_rows, N = qap_rows(r1cs)
    evals = [[sum(coeff * witness[wire] for wire, coeff in row) % R for row in rows]
             for rows in (a_rows, b_rows, c_rows)]
    a, b, c = (_interpolate(e, N) for e in evals)
    p = [0] * (2 * N - 1)
    for i, ai in enumerate(a):
        for j, bj in enumerate(b):
            p[i + j] += ai * bj
    for i, ci in enumerate(c):
        p[i] -= ci
    p = [v % R for v in p]
    # p = h (x^N - 1) with deg h <= N - 2: h_k = p_{N+k}, and p_k + h_k = 0 for k < N
    h = p[N:]
    if any((p[k] + (h[k] if k < N - 1 else 0)) % R for k in range(N)):
        raise AssertionError("a*b - c is not divisible by x^N - 1 (bug: the witness was checked)")
    return h


# --- setup and prove ----------------------------------------------------------------------------

def setup(r1cs: R1CS, toxic: ToxicWaste) -> ProvingKey:
    """The proving key (with its verifying key) for `r1cs` from the given toxic waste."""
    tau, alpha, beta, gamma, delta = toxic.tau, toxic.alpha, toxic.beta, toxic.gamma, toxic.delta
    if any(v % R == 0 for v in (tau, alpha, beta, gamma, delta)):
        raise ValueError("toxic waste values must be non-zero mod r")
    l, m = r1cs.n_public, r1cs.n_wires
    N = domain_size(r1cs.n_constraints, l)
    u, v, w = qap_at(r1cs, tau)
    gi, di = fr_inv(gamma), fr_inv(delta)
    lin = [(beta * u[i] + alpha * v[i] + w[i]) % R for i in range(m)]
    t_tau = (pow(tau, N, R) - 1) % R
    vk = VerifyingKey(alpha1=g1_mul(G1_GEN, alpha), beta2=g2_mul(G2_GEN, beta),
                      gamma2=g2_mul(G2_GEN, gamma), delta2=g2_mul(G2_GEN, delta),
                      ic=[g1_mul(G1_GEN, lin[i] * gi % R) for i in range(l + 1)])
    return ProvingKey(
        n_wires=m, n_public=l, n_constraints=r1cs.n_constraints, domain_size=N,
        alpha1=vk.alpha1, beta1=g1_mul(G1_GEN, beta), beta2=vk.beta2,
        delta1=g1_mul(G1_GEN, delta), delta2=vk.delta2,
        a_query=[g1_mul(G1_GEN, x) for x in u],
        b1_query=[g1_mul(G1_GEN, x) for x in v],
        b2_query=[g2_mul(G2_GEN, x) for x in v],
        c_query=[g1_mul(G1_GEN, lin[i] * di % R) for i in range(l + 1, m)],
        h_query=[g1_mul(G1_GEN, pow(tau, k, R) * t_tau % R * di % R) for k in range(N - 1)],
        vk=vk)


def prove(pk: ProvingKey, r1cs: R1CS, witness: Sequence[int],
          r: Optional[int] = None, s: Optional[int] = None) -> Proof:
    """A proof for `witness` (all m wire values, w[0] = 1). r, s default to fresh CSPRNG values;
    pass them to reproduce a proof (e.g. to compare with the fast prover)."""
    if r1cs.n_wires != pk.n_wires or r1cs.n_public != pk.n_public \
            or r1cs.n_constraints != pk.n_constraints:
        raise ValueError("the proving key was made for another circuit")
    r1cs.check_witness_shape(witness)
    w = [int(x) % R for x in witness]
    h = quotient(r1cs, w)
    r = secrets.randbelow(R) if r is None else r % R
    s = secrets.randbelow(R) if s is None else s % R
    l = pk.n_public
    a = g1_add(g1_add(pk.alpha1, msm_g1(pk.a_query, w)), g1_mul(pk.delta1, r))
    b2 = g2_add(g2_add(pk.beta2, msm_g2(pk.b2_query, w)), g2_mul(pk.delta2, s))
    b1 = g1_add(g1_add(pk.beta1, msm_g1(pk.b1_query, w)), g1_mul(pk.delta1, s))
    c = msm_g1(pk.c_query + pk.h_query + [a, b1, g1_neg(pk.delta1)],
               w[l + 1:] + h + [s, r, r * s % R])
    return Proof(a=a, b=b2, c=c)


def public_inputs(r1cs: R1CS, witness: Sequence[int]) -> list[int]:
    """The public inputs the verifier needs: w_1..w_l."""
    return r1cs.public_inputs(witness)
