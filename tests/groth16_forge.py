"""Test helper: Groth16 keys whose trapdoor we know, and valid proofs made from it.

With every key scalar known (alpha, beta, gamma, delta and IC_i = ic_i * G1), a proof
A = a G1, B = b G2, C = c G1 satisfies the verification equation
e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta) exactly when
a b = alpha beta + gamma sum_i x_i ic_i + c delta (x_0 = 1), so for any a, b and public
inputs, c = (a b - alpha beta - gamma sum x_i ic_i) / delta gives a valid proof without a
circuit or a prover. Verifiers must accept these and reject any change of them.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from py_ecc import optimized_bn128 as ob

from circuits.field import R
from verifier.curve import g1_from_py_ecc, g2_from_py_ecc
from verifier.groth16 import Proof, VerifyingKey


@dataclass(frozen=True)
class Trapdoor:
    alpha: int
    beta: int
    gamma: int
    delta: int
    ic: tuple


def g1(k: int):
    return g1_from_py_ecc(ob.multiply(ob.G1, k % R))


def g2(k: int):
    return g2_from_py_ecc(ob.multiply(ob.G2, k % R))


def trapdoor_key(n_public: int, seed: int = 1) -> tuple[VerifyingKey, Trapdoor]:
    rng = random.Random(seed)
    s = [rng.randrange(1, R) for _ in range(4 + n_public + 1)]
    t = Trapdoor(*s[:4], tuple(s[4:]))
    vk = VerifyingKey(alpha1=g1(t.alpha), beta2=g2(t.beta), gamma2=g2(t.gamma), delta2=g2(t.delta),
                      ic=[g1(k) for k in t.ic])
    return vk, t


def forge(t: Trapdoor, public: list[int], a: int, b: int) -> Proof:
    acc = sum(x * k for x, k in zip([1, *public], t.ic)) % R
    c = (a * b - t.alpha * t.beta - t.gamma * acc) * pow(t.delta, -1, R) % R
    return Proof(a=g1(a), b=g2(b), c=g1(c))


def snarkjs_calldata(proof: Proof) -> tuple[list, list, list]:
    """(a, b, c) as verifyProof takes them: b's coefficients in [c1, c0] order."""
    (x0, x1), (y0, y1) = proof.b if proof.b is not None else ((0, 0), (0, 0))
    a = list(proof.a) if proof.a is not None else [0, 0]
    c = list(proof.c) if proof.c is not None else [0, 0]
    return a, [[x1, x0], [y1, y0]], c
