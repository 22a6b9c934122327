"""Groth16 verification through the EVM's BN254 precompiles (REVM, native code): the
verdicts of verifier.groth16 (py_ecc), ~50 times faster.

Same API and the same validation as verifier.groth16.verify: coordinates in [0, q), points
on their curves (checked here in Python), G2 points in the order-r subgroup (checked by the
pairing precompile, which refuses anything else: EIP-197), public inputs in [0, r) and
exactly len(IC) - 1 of them; VerifierInputError for malformed input, False for a proof
that does not verify. The computation is the contract's: vk_x = IC_0 + sum x_i IC_i with
ecMul (0x07) and ecAdd (0x06), then one ecPairing (0x08) check of
e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1.

Cost: REVM 8's pairing precompile computes each pair's pairing in full (about 2.6 ms a pair
here), so one proof costs about 11 ms. `verify_batch` checks k proofs under one key with k + 3
pairs (random 128-bit linear combination: a batch with an invalid proof passes with
probability below 2^-128), about 3 ms a proof for large k, and falls back to one check per
proof to say which failed.

    verify(vk, public_inputs, proof) -> bool
    verify_batch(vk, [(public_inputs, proof), ...]) -> [bool, ...]
    check_vk(vk, names=None), check_proof(proof, names=None): the readers' `check` hooks
        (verifier.snarkjs_json.read_vk(path, check=check_vk)).
"""
from __future__ import annotations

import secrets
import threading
from typing import Mapping, Optional, Sequence

from circuits.field import R

from .curve import Q, check_g1, check_g2, check_public_inputs
from .errors import VerifierInputError
from .evm_backend import RevmBackend
from .groth16 import Proof, VerifyingKey

_VK_NAMES = {"alpha1": "vk.alpha1", "beta2": "vk.beta2", "gamma2": "vk.gamma2",
             "delta2": "vk.delta2", "ic": "vk.ic"}
_PROOF_NAMES = {"a": "proof.a", "b": "proof.b", "c": "proof.c"}
_CALLER = "0x" + "00" * 19 + "01"
_GAS = 10_000_000
_ADD, _MUL, _PAIRING = ("0x" + "00" * 19 + f"{n:02x}" for n in (6, 7, 8))


class _Precompiles:
    """A private REVM used as a BN254 calculator (one per process, behind a lock)."""

    def __init__(self):
        self._evm = RevmBackend(chain_id=1, gas_limit=_GAS)
        self._lock = threading.Lock()

    def _call(self, to: str, data: bytes) -> Optional[bytes]:
        with self._lock:
            res = self._evm.execute(_CALLER, to, data, 0, _GAS, collect=False)
        return res.output if res.success else None

    def g1_mul(self, p: tuple, s: int) -> tuple:
        out = self._call(_MUL, _w(*p, s))
        return _from_words(out)

    def g1_add(self, p: tuple, q: tuple) -> tuple:
        return _from_words(self._call(_ADD, _w(*p, *q)))

    def pairing_check(self, pairs) -> Optional[bool]:
        """True/False, or None if the precompile refuses an input (a G2 point outside G2)."""
        out = self._call(_PAIRING, b"".join(_w(*g1) + _g2_words(g2) for g1, g2 in pairs))
        return None if out is None else out[-1] == 1


_PC: Optional[_Precompiles] = None


def _pc() -> _Precompiles:
    global _PC
    if _PC is None:
        _PC = _Precompiles()
    return _PC


def _w(*xs: int) -> bytes:
    return b"".join(x.to_bytes(32, "big") for x in xs)


def _from_words(out: Optional[bytes]) -> tuple:
    if out is None or len(out) != 64:     # cannot happen for validated points
        raise RuntimeError("BN254 precompile failed on validated input")
    return int.from_bytes(out[:32], "big"), int.from_bytes(out[32:], "big")


def _g1(p) -> tuple:
    return (0, 0) if p is None else tuple(p)


def _g2_words(p) -> bytes:
    if p is None:
        return bytes(128)
    (x0, x1), (y0, y1) = p
    return _w(x1, x0, y1, y0)


def _in_g2(p) -> bool:
    return p is None or _pc().pairing_check([((0, 0), p)]) is not None


def _g2_checked(p, what: str, allow_infinity: bool, subgroup: bool = True):
    check_g2(p, what, allow_infinity, subgroup=False)           # shape, range, twist
    if subgroup and not _in_g2(p):
        raise VerifierInputError(f"{what}: point is on the twist but not in the order-r subgroup G2")
    return p


def check_vk(vk: VerifyingKey, names: Optional[Mapping[str, str]] = None) -> VerifyingKey:
    """Validate a verification key once (cached on it); VerifierInputError naming the field."""
    if not isinstance(vk, VerifyingKey):
        raise VerifierInputError(f"verification key: expected a VerifyingKey, got {type(vk).__name__}")
    if vk.__dict__.get("_fast_checked"):
        return vk
    n = dict(_VK_NAMES, **(names or {}))
    if len(vk.ic) < 1:
        raise VerifierInputError(f"{n['ic']}: needs at least one point (IC_0)")
    check_g1(vk.alpha1, n["alpha1"])
    for key in ("beta2", "gamma2", "delta2"):
        _g2_checked(getattr(vk, key), n[key], allow_infinity=False)
    for i, p in enumerate(vk.ic):
        check_g1(p, f"{n['ic']}[{i}]", allow_infinity=True)
    object.__setattr__(vk, "_fast_checked", True)
    return vk


def check_proof(proof: Proof, names: Optional[Mapping[str, str]] = None, subgroup: bool = True) -> Proof:
    """Validate a proof's points (B's subgroup too unless `subgroup` is False: `verify` leaves
    that to the pairing precompile); VerifierInputError naming the field."""
    if not isinstance(proof, Proof):
        raise VerifierInputError(f"proof: expected a Proof, got {type(proof).__name__}")
    done = proof.__dict__.get("_fast_checked")
    if done == "full" or (done and not subgroup):
        return proof
    n = dict(_PROOF_NAMES, **(names or {}))
    check_g1(proof.a, n["a"], allow_infinity=True)
    _g2_checked(proof.b, n["b"], allow_infinity=True, subgroup=subgroup)
    check_g1(proof.c, n["c"], allow_infinity=True)
    object.__setattr__(proof, "_fast_checked", "full" if subgroup else "curve")
    return proof


def _vk_x(vk: VerifyingKey, xs: Sequence[int], pc: _Precompiles) -> tuple:
    acc = _g1(vk.ic[0])
    for x, ic in zip(xs, vk.ic[1:]):
        if x and ic is not None:
            acc = pc.g1_add(acc, pc.g1_mul(ic, x))
    return acc


def _neg(p) -> tuple:
    x, y = _g1(p)
    return (x, (Q - y) % Q)


def verify(vk: VerifyingKey, public_inputs: Sequence[int], proof: Proof) -> bool:
    """True iff `proof` is valid for `public_inputs` under `vk` (see the module docstring)."""
    check_vk(vk)
    check_proof(proof, subgroup=False)
    xs = check_public_inputs(public_inputs, vk.n_public)
    pc = _pc()
    ok = pc.pairing_check([(_neg(proof.a), proof.b), (_g1(vk.alpha1), vk.beta2),
                           (_vk_x(vk, xs, pc), vk.gamma2), (_g1(proof.c), vk.delta2)])
    if ok is None:              # only B's subgroup membership was left to the precompile
        check_proof(proof)      # raises, naming proof.b
        raise RuntimeError("pairing precompile refused validated input")
    return ok


def verify_batch(vk: VerifyingKey, items: Sequence[tuple[Sequence[int], Proof]]) -> list[bool]:
    """Verdicts for many (public_inputs, proof) under one key, with one pairing check when
    all are valid (see the module docstring); raises like `verify` for malformed input."""
    check_vk(vk)
    checked = []
    for i, (public, proof) in enumerate(items):
        try:
            checked.append((check_public_inputs(public, vk.n_public), check_proof(proof, subgroup=False)))
        except VerifierInputError as e:
            raise VerifierInputError(f"item {i}: {e}") from None
    if len(checked) <= 1:
        return [verify(vk, xs, p) for xs, p in checked]
    pc = _pc()
    rs = [secrets.randbits(128) | 1 for _ in checked]
    pairs, vkx_sum, c_sum = [], (0, 0), (0, 0)
    for rho, (xs, p) in zip(rs, checked):
        pairs.append((_neg(pc.g1_mul(_g1(p.a), rho)), p.b))
        vkx_sum = pc.g1_add(vkx_sum, pc.g1_mul(_vk_x(vk, xs, pc), rho))
        c_sum = pc.g1_add(c_sum, pc.g1_mul(_g1(p.c), rho))
    pairs += [(pc.g1_mul(_g1(vk.alpha1), sum(rs) % R), vk.beta2), (vkx_sum, vk.gamma2),
              (c_sum, vk.delta2)]
    if pc.pairing_check(pairs):
        return [True] * len(checked)
    out = []
    for i, (xs, p) in enumerate(checked):       # find the failing ones (and malformed B)
        try:
            out.append(verify(vk, xs, p))
        except VerifierInputError as e:
            raise VerifierInputError(f"item {i}: {e}") from None
    return out
