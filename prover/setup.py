"""Circuit-specific Groth16 setup producing a `ProvingKey` in the snarkjs layout (see keys.py).

The toxic waste (tau, alpha, beta, gamma, delta) comes from the OS CSPRNG and is never stored
or returned. `seed=` derives it from BLAKE2b instead: reproducible, for tests only, insecure.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Callable, Optional

import numpy as np

from circuits.field import R
from circuits.r1cs import R1CS, SparseMatrix

from .domain import batch_inverse, domain_size_for, lagrange_at
from .keys import ProvingKey
from . import fixed_base

Progress = Optional[Callable[[str, float], None]]


def _toxic_waste(seed: Optional[bytes]) -> list[int]:
    out = []
    for i in range(5):
        while True:
            if seed is None:
                v = secrets.randbelow(R)
            else:
                d = hashlib.blake2b(seed + bytes([i, len(out)]), digest_size=64).digest()
                v = int.from_bytes(d, "little") % R
                seed = d[:32]
            if v > 1:
                break
        out.append(v)
    return out


def qap_a_rows(r1cs: R1CS) -> SparseMatrix:
    """A's constraint rows followed by the row {p: 1} for every public wire p = 0..n_public."""
    from .qap import QapEvaluator
    return SparseMatrix(*QapEvaluator.public_rows(r1cs.A, r1cs.n_public))


def _wire_evaluations(r1cs: R1CS, qap_a: SparseMatrix, lag: list[int]):
    """A_j(tau), B_j(tau), C_j(tau) for every wire j from the QAP rows and the Lagrange
    values lag[i] = L_i(tau)."""
    nw = r1cs.n_wires
    out = []
    for m in (qap_a, r1cs.B, r1cs.C):
        acc = [0] * nw
        vals = m.coeff_ints()
        idx = m.indices.tolist()
        ptr = m.indptr.tolist()
        for i in range(m.n_rows):
            li = lag[i]
            for k in range(ptr[i], ptr[i + 1]):
                acc[idx[k]] += vals[k] * li
        out.append(acc)
    return [[v % R for v in vec] for vec in out]


def setup(r1cs: R1CS, seed: Optional[bytes] = None, progress: Progress = None) -> ProvingKey:
    """Groth16 setup for `r1cs`. Returns the proving key (the verifying key is derived from it)."""
    tau, alpha, beta, gamma, delta = _toxic_waste(seed)
    n = domain_size_for(r1cs.n_constraints, r1cs.n_public)
    # tau must avoid the 2n-th roots of unity (probability ~2^-230; checked anyway)
    if pow(tau, 2 * n, R) == 1:
        raise RuntimeError("setup drew tau on the evaluation domain; run it again")
    report = progress or (lambda stage, frac: None)
    if progress is not None:        # first run: compile the setup's and the prover's kernels at once
        from . import jit
        jit.ensure(("setup", "prove"), lambda msg: report(msg, 0.0))
    report("lagrange", 0.0)
    lag = lagrange_at(tau, n)
    qap_a = qap_a_rows(r1cs)
    a_t, b_t, c_t = _wire_evaluations(r1cs, qap_a, lag)
    npub = r1cs.n_public
    gamma_inv, delta_inv = batch_inverse([gamma, delta])
    lin = [(beta * a + alpha * b + c) % R for a, b, c in zip(a_t, b_t, c_t)]
    ic = [v * gamma_inv % R for v in lin[:npub + 1]]
    cq = [v * delta_inv % R for v in lin[npub + 1:]]
    # H[i] = L^{2n}_{2i+1}(tau) / delta
    lag2 = lagrange_at(tau, 2 * n, indices=range(1, 2 * n, 2))
    hq = [v * delta_inv % R for v in lag2]
    report("G1 points", 0.1)
    g1 = fixed_base.g1_mul_many
    A = g1(a_t)
    report("G1 points", 0.3)
    B1 = g1(b_t)
    report("G1 points", 0.45)
    C = g1(cq) if cq else np.zeros((0, 8), dtype=np.uint64)
    IC = g1(ic)
    report("G1 points", 0.6)
    H = g1(hq)
    report("G2 points", 0.75)
    B2 = fixed_base.g2_mul_many(b_t)
    small1 = g1([alpha, beta, delta])
    small2 = fixed_base.g2_mul_many([beta, gamma, delta])
    report("done", 1.0)
    pk = ProvingKey(n_vars=r1cs.n_wires, n_public=npub, domain_size=n,
                    n_constraints=r1cs.n_constraints,
                    alpha1=small1[0].copy(), beta1=small1[1].copy(), delta1=small1[2].copy(),
                    beta2=small2[0].copy(), gamma2=small2[1].copy(), delta2=small2[2].copy(),
                    A=A, B1=B1, B2=B2, C=C, H=H, IC=IC,
                    qap_A=qap_a, qap_B=r1cs.B, qap_C=r1cs.C, source="zkrollup")
    pk.check_shapes()
    return pk
