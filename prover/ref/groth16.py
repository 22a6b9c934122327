"""The plain twin of `prover.groth16`, same API: `prove(pk, witness, rs)` with Python ints.

The same steps as the fast prover on the same `prover.keys.ProvingKey` (snarkjs layout):
a = A.w, b = B.w over the QAP rows, h = (a.b - c) at the odd 2n-th roots (`prover.ref.qap`),
five naive MSMs (`prover.ref.msm`) and the same assembly (see prover/groth16.py for the
formulas). Slow, obviously correct; tests compare its proofs with the fast prover's for
the same randomisers r, s.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from circuits.field import R, limbs_to_ints
from prover.convert import g1_point, g1_to_ints, g2_point, g2_to_ints
from prover.groth16 import Proof, WitnessError, fresh_randomisers
from prover.keys import ProvingKey

from .curves import g1_add, g1_mul, g1_neg, g2_add, g2_mul
from .msm import g1_msm_ints, g2_msm_ints
from .qap import h_snarkjs_ref


def _witness_ints(pk: ProvingKey, witness) -> list[int]:
    w = limbs_to_ints(witness) if isinstance(witness, np.ndarray) else [int(x) for x in witness]
    if len(w) != pk.n_vars:
        raise WitnessError(f"witness has {len(w)} values, the key's circuit has {pk.n_vars} wires")
    if w[0] != 1:
        raise WitnessError("witness[0] must be 1 (the constant wire)")
    for i, v in enumerate(w):
        if not 0 <= v < R:
            raise WitnessError(f"witness: value {i} is not a field element below r: {v}")
    return w


def qap_rows(pk: ProvingKey, w: Sequence[int]) -> tuple[list[int], list[int]]:
    """a = A.w and b = B.w over the n QAP rows (constraints, public-wire rows, zero padding)."""
    n = pk.domain_size
    a, b = pk.qap_A.evaluate(w), pk.qap_B.evaluate(w)
    return a + [0] * (n - len(a)), b + [0] * (n - len(b))


def prove(pk: ProvingKey, witness, rs: Optional[tuple[int, int]] = None, *,
          check: bool = True, progress: Optional[Callable[[str, float], None]] = None) -> Proof:
    """As `prover.groth16.prove` (progress is accepted and not called)."""
    w = _witness_ints(pk, witness)
    r1cs = pk.r1cs() if check else None
    if r1cs is not None:
        bad = r1cs.first_unsatisfied(w)
        if bad is not None:
            names = pk.meta.get("constraint_names")
            label = f"#{bad}" + (f" {names[bad]}" if names and bad < len(names) and names[bad] else "")
            raise WitnessError(f"the witness does not satisfy the circuit: constraint {label} fails")
    r, s = fresh_randomisers(rs)
    a, b = qap_rows(pk, w)
    h = h_snarkjs_ref(a, b)
    npub = pk.n_public
    alpha1, beta1, delta1 = (g1_point(x) for x in (pk.alpha1, pk.beta1, pk.delta1))
    beta2, delta2 = g2_point(pk.beta2), g2_point(pk.delta2)
    pa = g1_add(g1_add(alpha1, g1_msm_ints(g1_to_ints(pk.A), w)), g1_mul(delta1, r))
    pb = g2_add(g2_add(beta2, g2_msm_ints(g2_to_ints(pk.B2), w)), g2_mul(delta2, s))
    pb1 = g1_add(g1_add(beta1, g1_msm_ints(g1_to_ints(pk.B1), w)), g1_mul(delta1, s))
    pc = g1_msm_ints(g1_to_ints(pk.C) + g1_to_ints(pk.H) + [pa, pb1, g1_neg(delta1)],
                     w[npub + 1:] + h + [s, r, r * s % R])
    return Proof(pa, pb, pc, w[1:npub + 1])
