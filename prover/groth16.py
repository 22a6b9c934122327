"""Groth16 proving over BN254, for our own keys and snarkjs `.zkey` keys alike.

With a = A·w, b = B·w over the QAP rows (constraints, then one row per public wire, then
zero padding to the domain size n) and c = a∘b, the quotient enters the proof only through
(a·b - c) evaluated on the odd 2n-th roots of unity, paired with the key's H points
(see keys.py). Then, with fresh r, s from the OS CSPRNG:

    πA = α + Σ w_j·A_j + r·δ                       (G1)
    πB = β + Σ w_j·B_j + s·δ                       (G2, and its G1 twin for πC)
    πC = Σ_{private j} w_j·C_j + Σ_i h_i·H_i + s·πA + r·πB1 - r·s·δ   (G1)

`prove` uses the Numba kernels (sparse products, NTT, Pippenger MSM); its plain twin with the
same API is `prover.ref.groth16.prove` (tests compare them proof for proof).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from circuits.field import R, limbs_to_ints

from .convert import g1_point, g2_point
from .keys import ProvingKey


class WitnessError(ValueError):
    """The witness does not fit or does not satisfy the circuit of the key."""


@dataclass
class Proof:
    """Affine points as ints: a=(x, y), b=((x0, x1), (y0, y1)), c=(x, y); None = infinity."""
    a: Optional[tuple]
    b: Optional[tuple]
    c: Optional[tuple]
    public: list[int]
    timings: dict = field(default_factory=dict)


def fresh_randomisers(rs: Optional[tuple[int, int]]):
    if rs is not None:
        return rs[0] % R, rs[1] % R
    return secrets.randbelow(R), secrets.randbelow(R)


# --- fast path -------------------------------------------------------------------------------------

def _witness_limbs(witness) -> np.ndarray:
    """Canonical (n, 4) limbs from a list of ints or an array of limbs (each checked < r)."""
    from . import fr_vec
    if isinstance(witness, np.ndarray):
        arr = np.ascontiguousarray(witness, dtype=np.uint64)
        if arr.ndim != 2 or arr.shape[1] != 4:
            raise WitnessError(f"witness array must have shape (n, 4), got {arr.shape}")
        fr_vec.check_array(arr, "witness")  # below r
        return arr
    try:
        return fr_vec.limbs_from_ints([int(x) for x in witness])
    except (TypeError, ValueError) as e:
        raise WitnessError(f"witness: {e}") from None


def _qap(pk: ProvingKey):
    """The key's QAP rows in Montgomery form, prepared once per key object."""
    q = pk.__dict__.get("_qap")
    if q is None:
        from .qap import QapEvaluator
        q = QapEvaluator.from_matrices(pk.qap_A, pk.qap_B, pk.qap_C, pk.n_constraints,
                                       pk.n_public, pk.n_vars)
        pk.__dict__["_qap"] = q
    return q


def prepare(pk: ProvingKey) -> None:
    """Pay now what the first proof under `pk` in this process would: load (or compile) every
    proving kernel, on tiny inputs of the signatures real proofs use (`prover.jit.warm`), and
    prepare the key's QAP rows and its domain's tables. For a prover process that should
    answer its first batch at full speed; cheaper than a throwaway proof (no domain-sized NTT
    or MSM)."""
    from . import jit
    from .qap import prepare_domain
    for part in jit.PARTS["prove"]:
        jit.warm(part)
    _qap(pk)
    prepare_domain(pk.domain_size)


def first_unsatisfied_fast(pk, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> Optional[int]:
    """First constraint i < n_constraints with a_i*b_i != c_i (Montgomery rows, canonical reps)."""
    from . import fr_vec
    nc = pk.n_constraints
    ab = fr_vec.mul(np.ascontiguousarray(a[:nc]), np.ascontiguousarray(b[:nc]))
    bad = np.nonzero(np.any(ab != c[:nc], axis=1))[0]
    return int(bad[0]) if len(bad) else None


def prove(pk: ProvingKey, witness, rs: Optional[tuple[int, int]] = None, *,
          check: bool = True, progress: Optional[Callable[[str, float], None]] = None) -> Proof:
    """Groth16 proof of `witness` (list of ints or (n, 4) canonical limbs) under `pk`.

    With check=True and a key that carries C (our own keys), a witness that does not satisfy
    the circuit raises WitnessError naming the first failing constraint before any group
    work. (A .zkey carries no C: see zkrollup.keyfiles.check_witness.)"""
    from . import fr_vec
    from .msm import msm_g1, msm_g2
    from .qap import h_snarkjs

    report = progress or (lambda stage, frac: None)
    if progress is not None:        # first run on a machine: say so, compile on every core
        from . import jit
        jit.ensure(("prove",), lambda msg: report(msg, 0.0))
    t = {}
    t0 = time.perf_counter()
    wc = _witness_limbs(witness)
    if wc.shape[0] != pk.n_vars:
        raise WitnessError(f"witness has {wc.shape[0]} values, the key's circuit has {pk.n_vars} wires")
    if not (wc[0, 0] == 1 and not wc[0, 1:].any()):
        raise WitnessError("witness[0] must be 1 (the constant wire)")
    wm = fr_vec.to_montgomery(wc, check=False)
    qap = _qap(pk)
    a, b, c = qap.evaluations(wm, with_c=check and pk.qap_C is not None)
    if c is not None:
        bad = first_unsatisfied_fast(pk, a, b, c)
        if bad is not None:
            names = pk.meta.get("constraint_names")
            named = isinstance(names, list) and bad < len(names) and isinstance(names[bad], str) and names[bad]
            label = f"#{bad}" + (f" {names[bad]}" if named else "")
            raise WitnessError(f"the witness does not satisfy the circuit: constraint {label} fails")
    t["witness_s"] = time.perf_counter() - t0
    report("QAP", 0.05)
    t0 = time.perf_counter()
    h = h_snarkjs(a, b, None, canonical=True)
    del a, b, c, wm        # the domain-sized vectors: not needed by the MSMs
    t["qap_s"] = time.perf_counter() - t0
    report("MSM A", 0.2)
    t0 = time.perf_counter()
    r, s = fresh_randomisers(rs)
    npub = pk.n_public
    def timed(name, fn, *args):
        t1 = time.perf_counter()
        out = fn(*args)
        t[f"msm_{name}_s"] = time.perf_counter() - t1
        return out

    m_a = timed("a", msm_g1, pk.A, wc)
    report("MSM B1", 0.35)
    m_b1 = timed("b1", msm_g1, pk.B1, wc)
    report("MSM B2", 0.45)
    m_b2 = timed("b2", msm_g2, pk.B2, wc)
    report("MSM C", 0.75)
    m_c = timed("c", msm_g1, pk.C, np.ascontiguousarray(wc[npub + 1:]))
    report("MSM H", 0.85)
    m_h = timed("h", msm_g1, pk.H, h)
    t["msm_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    public = limbs_to_ints(wc[1:npub + 1])
    proof = _assemble_fast(pk, m_a, m_b1, m_b2, m_c, m_h, r, s, public)
    t["assemble_s"] = time.perf_counter() - t0
    proof.timings = t
    report("done", 1.0)
    return proof


def _assemble_fast(pk: ProvingKey, m_a, m_b1, m_b2, m_c, m_h, r: int, s: int, public) -> Proof:
    """`_assemble` with the Numba kernels: each line is a tiny MSM over the key's fixed points."""
    from circuits.field import ints_to_limbs
    from .msm import msm_g1, msm_g2

    def comb1(points, scalars):
        return msm_g1(np.ascontiguousarray(np.stack(points)), ints_to_limbs(scalars))

    pa = comb1([pk.alpha1, m_a, pk.delta1], [1, 1, r])
    pb = msm_g2(np.ascontiguousarray(np.stack([pk.beta2, m_b2, pk.delta2])), ints_to_limbs([1, 1, s]))
    pb1 = comb1([pk.beta1, m_b1, pk.delta1], [1, 1, s])
    pc = comb1([m_c, m_h, pa, pb1, pk.delta1], [1, 1, s, r, (-r * s) % R])
    return Proof(g1_point(pa), g2_point(pb), g1_point(pc), list(public))


def first_unsatisfied_r1cs(r1cs, witness) -> Optional[int]:
    """Index of the first constraint of `r1cs` the witness (ints or canonical limbs) violates,
    with the Numba sparse products (the twin is R1CS.first_unsatisfied)."""
    from . import fr_vec
    from .qap import QapEvaluator
    wc = _witness_limbs(witness)
    if wc.shape[0] != r1cs.n_wires:
        raise WitnessError(f"witness has {wc.shape[0]} values, the circuit has {r1cs.n_wires} wires")
    a, b, c = QapEvaluator.from_r1cs(r1cs).evaluations(fr_vec.to_montgomery(wc, check=False))
    return first_unsatisfied_fast(r1cs, a, b, c)
