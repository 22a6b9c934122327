"""EdDSA-Poseidon signature verification in the circuit (circomlib's verifyPoseidon rule).

`eddsa_verify(cs, enabled, Ax, Ay, R8x, R8y, S, msg)` enforces the rule of
`circuits.eddsa.verify` when enabled == 1 and nothing when enabled == 0 (padding slots);
3,312 constraints (circomlib: about 4,200). `bits_le_at_most` (bit split with x <= a
constant bound) is the S < L check; it generalises `bits.bits_le_strict`.

Native twin: `eddsa_verify_native` (= `circuits.eddsa.verify` when enabled).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from .. import babyjub as bj
from .. import eddsa as native
from ..cs import LC, ConstraintSystem, Operand, as_lc
from .babyjub import (assert_on_curve, assert_sum, double_on_curve, fixed_base_mul_offset,
                      fixed_base_offset,
                      point_add, select_point, to_edwards, to_montgomery, var_base_core)
from .bits import bits_le_strict, from_bits
from .boolean import all_, assert_bool, select
from .poseidon import poseidon

S_BITS = (bj.L - 1).bit_length()  # 251
H_DIGITS = 253                       # bits 1..253 of h drive the variable-base steps


def _low_bits(v: int, n: int) -> list[int]:
    return [(v >> i) & 1 for i in range(n)]


def bits_le_at_most(cs: ConstraintSystem, x: Operand, bound: int, name: str = "bits_at_most") -> list[LC]:
    """Decompose x into n = bound.bit_length() little-endian bits and enforce x <= bound
    (x read as an integer in [0, r); bound a constant, 1 <= bound < 2^253).

    As `bits_le_strict` does for r - 1: scanning from the most significant bit, ``run``
    is 1 while the bits so far equal those of ``bound``; at each 0-bit of ``bound`` the
    constraint (1 - run - b) * b == 0 makes b boolean and forbids b = 1 while run = 1; at
    1-bits b * (b - 1) == 0; runs of ones are folded into ``run`` by `all_`. With the sum
    constraint this gives x < 2^n and x <= bound. A value above ``bound`` fails at
    '<name>.le{i}' or '<name>.sum'.

    Cost: n + 1 + (constraints of the folds: 0 to 2 per run of ones of ``bound`` that is
    followed by a 0). For bound = L - 1 (n = 251): 343 constraints.
    """
    if not 1 <= bound < 1 << 253:
        raise ValueError("bound must be in [1, 2^253)")
    n = bound.bit_length()
    with cs.namespace(name):
        bits = cs.hint(_low_bits, x, n, n_out=n, name="b")
        if n == 1:
            bits = [bits]
        run = None
        pending: list[LC] = []
        for i in range(n - 1, -1, -1):
            b = bits[i]
            if (bound >> i) & 1:
                cs.enforce(b, b - 1, 0, name=f"bool{i}")
                pending.append(b)
                continue
            if pending:
                run = all_(cs, pending + ([run] if run is not None else []), name=f"run{i}")
                pending = []
            cs.enforce(1 - run - b, b, 0, name=f"le{i}")  # run is set: bound's top bit is 1
        cs.enforce(from_bits(bits), 1, x, name="sum")
    return bits


@lru_cache(maxsize=1)
def dummy_signature() -> tuple[bj.Point, int, bj.Point, int]:
    """(A, msg, R8, S): a fixed valid signature that a disabled slot verifies instead of
    its inputs, so padding can hold anything (zeros included)."""
    priv = hashlib.blake2b(b"zkrollup.eddsa.padding", digest_size=32).digest()
    sig = native.sign(priv, 0)
    return native.public_key(priv), 0, sig.R8, sig.S


def _fixed_offset() -> int:
    """C: the fixed-base result for S is (S + C) * BASE8."""
    return fixed_base_offset(bj.BASE8, S_BITS)


@lru_cache(maxsize=1)
def _offset_point() -> bj.Point:
    """F with 2^253 F = C * BASE8: the offsets of the two scalar multiplications then
    cancel in the final equation."""
    return bj.mul_base8(_fixed_offset() * pow(2, -H_DIGITS, bj.L))


def eddsa_verify(cs: ConstraintSystem, enabled: Operand, Ax: Operand, Ay: Operand,
                 R8x: Operand, R8y: Operand, S: Operand, msg: Operand,
                 name: str = "eddsa") -> None:
    """Enforce, when enabled == 1, that (R8, S) is a valid EdDSA-Poseidon signature of msg
    under the public key A, by circomlib's rule (`circuits.eddsa.verify`):

        S < L,  A and R8 on the curve,  8A != identity,
        S * BASE8 == R8 + h * (8A)   with h = Poseidon(R8x, R8y, Ax, Ay, msg) in [0, r).

    When enabled == 0 it constrains nothing about the inputs: each input is first replaced
    by a fixed valid signature (`dummy_signature`), select(enabled, input, dummy), and the
    checks run on the selection. ``enabled`` is enforced boolean. A constant enabled = 1
    skips the selection, a constant 0 emits nothing.

    How: S is split into 251 bits with S <= L - 1 (`bits_le_at_most`); h into 254 bits
    with `bits_le_strict`; S * BASE8 by `fixed_base_mul_offset` (result (S + C) BASE8);
    Q = 8A by three doublings after the on-curve check; Q to Montgomery form (which is
    unsatisfiable for Q = identity, i.e. for a small-order A); `var_base_core` gives
    2^253 F + (2 h' + 1) Q with h' = h >> 1 and 2^253 F = C BASE8; finally one equation
    with complete Edwards additions:  (S + C) BASE8 + (1 - h_0) Q == R8 + that point.

    Cost: 3,312 constraints (3,319 with a variable ``enabled``: 1 boolean, 6 selections):
    343 S range, 6 on-curve, 13 doublings, 321 Poseidon, 332 h bits, 504 fixed base,
    2 + 1775 variable base (4 + 7 per bit of h but bit 0), 2 back to Edwards, 2 + 6 + 6
    final equation. circomlib's EdDSAPoseidonVerifier: about 4,200.

    Failing constraints: S >= L at '<name>.s_range.*'; A or R8 off the curve at
    '<name>.a_on_curve.curve' / '<name>.r8_on_curve.curve'; a small-order A at
    '<name>.q_mont.u'; a wrong signature at '<name>.check.x' or '<name>.check.y'.

    Soundness (what a malicious prover controls: A, R8, S, msg when it picks them, and
    every intermediate witness):
    - S >= L (the S + L malleability) is refused by the bit split with the order check;
      S has a single decomposition (251 bits, no wrap).
    - h: `bits_le_strict` gives the canonical bits of h < r, so the prover cannot use
      h + r (which would be a different multiple of Q, since r mod L != 0).
    - Small-order and mixed-order points: Q = 8A lies in the subgroup of order L for
      every A on the curve (cofactor cleared), and Q = identity (A of small order, which
      would make the equation independent of the key) is unsatisfiable. A torsion
      component of A does not matter (8h A = h Q); A itself still enters the hash, so a
      signature is bound to the exact A. R8 must be on the curve; the equation forces it
      into the subgroup.
    - Intermediate values: Edwards additions are complete; Montgomery steps of the
      variable base check that their u coordinates differ (never a free slope), those of
      the fixed base provably never meet an exceptional case. So every intermediate is
      determined by the inputs and the result is the true point, or the circuit is
      unsatisfiable. Completeness: an honest prover fails only if 2^j F + c Q = +-Q for a
      running multiple c, a discrete-log relation between A and BASE8 that no honest key
      meets (and a key crafted to meet it only locks its own owner out).
    - enabled not boolean is refused; with enabled == 0 the dummy inputs make all checks
      pass whatever the slot holds.
    """
    en = as_lc(enabled)
    k = en.constant_value()
    if k == 0:
        return
    if k not in (None, 1):
        raise ValueError("enabled must be 0 or 1")
    inputs = [as_lc(v) for v in (Ax, Ay, R8x, R8y, S, msg)]
    with cs.namespace(name):
        if k is None:
            assert_bool(cs, en, name="enabled")
            (dax, day), dmsg, (drx, dry), ds = dummy_signature()
            dummies = (dax, day, drx, dry, ds, dmsg)
            inputs = [select(cs, en, v, d, name=f"sel{j}") for j, (v, d) in enumerate(zip(inputs, dummies))]
        ax, ay, rx, ry, s, m = inputs
        a_pt, r8 = (ax, ay), (rx, ry)

        s_bits = bits_le_at_most(cs, s, bj.L - 1, name="s_range")
        a_sq = assert_on_curve(cs, a_pt, name="a_on_curve")
        assert_on_curve(cs, r8, name="r8_on_curve")
        with cs.namespace("cofactor"):
            a2 = double_on_curve(cs, a_pt, squares=a_sq, name="dbl1")
            a4 = double_on_curve(cs, a2, name="dbl2")
            q = double_on_curve(cs, a4, name="dbl3")

        h = poseidon(cs, [rx, ry, ax, ay, m], name="hash")
        h_bits = bits_le_strict(cs, h, name="h_bits")

        fb, c_off = fixed_base_mul_offset(cs, s_bits, bj.BASE8, name="fixed_base")
        assert c_off == _fixed_offset()

        # Q = identity (y = 1) makes u (1 - y) == 1 + y unsatisfiable; Q = (0, -1) is
        # impossible in the subgroup of order L, so v is determined.
        q_mont = to_montgomery(cs, q, name="q_mont")
        with cs.namespace("var_base"):
            acc = var_base_core(cs, h_bits[1:], q_mont, _offset_point())
        # acc is in the subgroup of order L and affine, so v != 0
        acc_ed = to_edwards(cs, acc, name="to_edwards")

        sub = select_point(cs, h_bits[0], (0, 1), q, name="bit0")
        lhs = point_add(cs, fb, sub, name="lhs")
        assert_sum(cs, r8, acc_ed, lhs, name="check")


def eddsa_verify_native(enabled: int, Ax: int, Ay: int, R8x: int, R8y: int, S: int, msg: int) -> bool:
    """Native twin: True iff the gadget is satisfiable for these inputs (enabled in {0, 1})."""
    if enabled not in (0, 1):
        return False
    if enabled == 0:
        return True
    return native.verify((Ax, Ay), msg, native.Signature((R8x, R8y), S))
