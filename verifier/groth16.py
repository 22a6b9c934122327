"""Groth16 verification over BN254 with py_ecc, independent of the prover's code.

A proof (A, B, C) for public inputs x_1..x_l is accepted iff

    e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1,
    vk_x = IC_0 + sum_i x_i * IC_i,

computed as four Miller loops multiplied in Fq12 and ONE final exponentiation. The Miller
loop of (alpha, beta) depends on the key only and is cached on the key object, so a verify
costs three Miller loops and one final exponentiation (about 1 s with py_ecc here).

Everything is validated first (see verifier/curve.py): coordinates in [0, q), points on
their curves, G2 points (beta, gamma, delta, B) in the order-r subgroup, public inputs in
[0, r) and exactly len(IC) - 1 of them. Malformed input raises VerifierInputError; a
well-formed proof that does not verify returns False.

The point at infinity is refused for alpha, beta, gamma and delta (a degenerate key) and
allowed for IC entries and for A, B, C: the Groth16 soundness argument covers every group
element, identity included, and snarkjs / EIP-197 accept it too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from py_ecc import optimized_bn128 as ob

from .curve import G1Point, G2Point, check_g1, check_g2, check_public_inputs
from .errors import VerifierInputError

_VK_NAMES = {"alpha1": "vk.alpha1", "beta2": "vk.beta2", "gamma2": "vk.gamma2",
             "delta2": "vk.delta2", "ic": "vk.ic"}
_PROOF_NAMES = {"a": "proof.a", "b": "proof.b", "c": "proof.c"}


@dataclass(frozen=True)
class VerifyingKey:
    """Groth16 verification key, affine-int points (see verifier/curve.py); ic has n_public + 1 points."""
    alpha1: G1Point
    beta2: G2Point
    gamma2: G2Point
    delta2: G2Point
    ic: tuple

    def __post_init__(self) -> None:
        if not isinstance(self.ic, (list, tuple)):
            raise VerifierInputError(f"vk.ic: expected a list of G1 points, got {type(self.ic).__name__}")
        object.__setattr__(self, "ic", tuple(self.ic))

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1

    def checked(self, names: Optional[Mapping[str, str]] = None) -> dict:
        """Validate once (cached on the object) and return the py_ecc points:
        {'alpha1', 'beta2', 'gamma2', 'delta2', 'ic', 'ml_alpha_beta'}."""
        cache = self.__dict__.get("_checked")
        if cache is not None:
            return cache
        n = dict(_VK_NAMES, **(names or {}))
        if len(self.ic) < 1:
            raise VerifierInputError(f"{n['ic']}: needs at least one point (IC_0)")
        pts = {
            "alpha1": check_g1(self.alpha1, n["alpha1"]),
            "beta2": check_g2(self.beta2, n["beta2"]),
            "gamma2": check_g2(self.gamma2, n["gamma2"]),
            "delta2": check_g2(self.delta2, n["delta2"]),
            "ic": [check_g1(p, f"{n['ic']}[{i}]", allow_infinity=True) for i, p in enumerate(self.ic)],
        }
        pts["ml_alpha_beta"] = ob.pairing(pts["beta2"], pts["alpha1"], final_exponentiate=False)
        object.__setattr__(self, "_checked", pts)
        return pts


@dataclass(frozen=True)
class Proof:
    """Groth16 proof: a, c in G1, b in G2, affine ints (None = infinity)."""
    a: G1Point
    b: G2Point
    c: G1Point

    def checked(self, names: Optional[Mapping[str, str]] = None) -> dict:
        """Validate (cached on the object) and return the py_ecc points {'a', 'b', 'c'}."""
        cache = self.__dict__.get("_checked")
        if cache is not None:
            return cache
        n = dict(_PROOF_NAMES, **(names or {}))
        pts = {"a": check_g1(self.a, n["a"], allow_infinity=True),
               "b": check_g2(self.b, n["b"], allow_infinity=True),
               "c": check_g1(self.c, n["c"], allow_infinity=True)}
        object.__setattr__(self, "_checked", pts)
        return pts


def verify(vk: VerifyingKey, public_inputs: Sequence[int], proof: Proof) -> bool:
    """True iff `proof` is valid for `public_inputs` under `vk`; VerifierInputError if any input
    is malformed (see the module docstring)."""
    if not isinstance(vk, VerifyingKey):
        raise VerifierInputError(f"verification key: expected a VerifyingKey, got {type(vk).__name__}")
    if not isinstance(proof, Proof):
        raise VerifierInputError(f"proof: expected a Proof, got {type(proof).__name__}")
    k = vk.checked()
    p = proof.checked()
    xs = check_public_inputs(public_inputs, vk.n_public)

    vk_x = k["ic"][0]
    for x, ic in zip(xs, k["ic"][1:]):
        if x:
            vk_x = ob.add(vk_x, ob.multiply(ic, x))

    f = k["ml_alpha_beta"]
    f = f * ob.pairing(p["b"], ob.neg(p["a"]), final_exponentiate=False)
    f = f * ob.pairing(k["gamma2"], vk_x, final_exponentiate=False)
    f = f * ob.pairing(k["delta2"], p["c"], final_exponentiate=False)
    return ob.final_exponentiate(f) == ob.FQ12.one()
