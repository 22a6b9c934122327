"""Circuit-specific Groth16 setup producing a `ProvingKey` in the snarkjs layout (see keys.py).

The toxic waste (tau, alpha, beta, gamma, delta) comes from the OS CSPRNG and is never stored
or returned. `seed=` derives it from BLAKE2b instead: reproducible, for tests only, insecure.
"""
from __future__ import annotations

import hashlib
import secrets
from functools import partial
from typing import Callable, Optional

import numpy as np

from circuits.field import R
from circuits.r1cs import R1CS, SparseMatrix

from .domain import batch_inverse, domain_size_for
from .keys import ProvingKey
from . import fixed_base, fr_vec, setup_evals

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
    nw, npub = r1cs.n_wires, r1cs.n_public
    lag = setup_evals.lagrange(tau, n)
    qap_a = qap_a_rows(r1cs)
    a_t, b_t, c_t = (setup_evals.wire_evaluations(m, lag, nw) for m in (qap_a, r1cs.B, r1cs.C))
    del lag
    gamma_inv, delta_inv = batch_inverse([gamma, delta])
    lin = fr_vec.scale(a_t, beta)                       # beta*A_j + alpha*B_j + C_j
    fr_vec.add(lin, fr_vec.scale(b_t, alpha), out=lin)
    fr_vec.add(lin, c_t, out=lin)
    del c_t
    canon = fr_vec.from_montgomery
    ic = canon(fr_vec.scale(lin[:npub + 1], gamma_inv))
    cq = canon(fr_vec.scale(lin[npub + 1:], delta_inv))
    del lin
    hq = setup_evals.lagrange_odd(tau, n)                # H[i] = L^{2n}_{2i+1}(tau) / delta
    canon(fr_vec.scale(hq, delta_inv, out=hq), out=hq)
    a_t, b_t = canon(a_t, out=a_t), canon(b_t, out=b_t)
    report("G1 points", 0.1)
    g1 = partial(fixed_base.g1_batch_mul, fixed_base.G1_GEN)
    A = g1(a_t)
    del a_t
    report("G1 points", 0.3)
    B1 = g1(b_t)
    report("G1 points", 0.45)
    C = g1(cq) if cq.shape[0] else np.zeros((0, 8), dtype=np.uint64)
    IC = g1(ic)
    del cq, ic
    report("G1 points", 0.6)
    H = g1(hq)
    del hq
    report("G2 points", 0.75)
    B2 = fixed_base.g2_batch_mul(fixed_base.G2_GEN, b_t)
    del b_t
    small1 = fixed_base.g1_mul_many([alpha, beta, delta])
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
