"""EdDSA-Poseidon signature verification in the circuit (circomlib's verifyPoseidon rule).

`eddsa_verify(cs, enabled, Ax, Ay, R8x, R8y, S, msg)` enforces the rule of
`circuits.eddsa.verify` when enabled == 1 and nothing when enabled == 0 (padding slots);
3,051 constraints (circomlib: about 4,200), and it is satisfiable for exactly the inputs
that `circuits.eddsa.verify` accepts: every scalar multiplication inside is complete
(`circuits.gadgets.babyjub_mul`), so no key, message or signature a user can choose makes
an accepted signature unprovable. `bits_le_at_most` (bit split with x <= a constant
bound) is the S < L check; it generalises `bits.bits_le_strict`.

Native twin: `eddsa_verify_native` (= `circuits.eddsa.verify` when enabled).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from .. import babyjub as bj
from .. import eddsa as native
from ..cs import LC, ConstraintSystem, Operand, as_lc
from .babyjub import (PointLC, add_torsion, assert_on_curve, clear_cofactor, mont_add, mont_neg,
                      select_point, to_montgomery)
from .babyjub_mul import VarChain, fixed_base_mont, require, torsion_sum, var_base_chain
from .bits import bits_le_strict, from_bits
from .boolean import all_, assert_bool, select
from .poseidon import poseidon

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


FIXED_BASE_TORSION = 4
"""S * BASE8 is computed with torsion 4 attached: the torsion of the variable-base result is
2 or 6, so their difference is a regular chord and has torsion 2 or 6 (order 4)."""


def eddsa_verify(cs: ConstraintSystem, enabled: Operand, Ax: Operand, Ay: Operand,
                 R8x: Operand, R8y: Operand, S: Operand, msg: Operand,
                 name: str = "eddsa") -> None:
    """Enforce, when enabled == 1, that (R8, S) is a valid EdDSA-Poseidon signature of msg
    under the public key A, by the rule of `circuits.eddsa.verify`:

        S < L,  A and R8 on the curve,  8A != identity,
        S * BASE8 == R8 + h * (8A)   with h = Poseidon(R8x, R8y, Ax, Ay, msg) in [0, r).

    When enabled == 0 it constrains nothing about the inputs: each input is first replaced
    by a fixed valid signature (`dummy_signature`), select(enabled, input, dummy), and the
    checks run on the selection. ``enabled`` is enforced boolean. A constant enabled = 1
    skips the selection, a constant 0 emits nothing.

    How: S is split into 251 bits with S <= L - 1 (`bits_le_at_most`), h into 254 bits
    with `bits_le_strict`. Q = 8A by three doublings after the on-curve check; Q in
    Montgomery form (unsatisfiable for Q = identity, i.e. for a small-order A). Then, all
    in Montgomery form with regular chords only (`_combine`):
    F = S BASE8 + torsion(4) (`fixed_base_mont`), V = (2 h' + 1) Q + torsion(2 + 4 h_2)
    (`var_base_chain` on h' = h >> 1), D = F - V + (1 - h_0) Q = S BASE8 - h Q + a torsion
    point of order 4 that depends on h_2; and D must be the Montgomery image of R8
    translated by that torsion point (`_check_equals`). So D == R8 + torsion <=>
    S BASE8 == R8 + h Q.

    Cost: 3,051 constraints (3,058 with a variable ``enabled``: 1 boolean, 6 selections):
    343 S range, 6 on-curve, 13 doublings, 321 Poseidon, 332 h bits, 499 fixed base,
    2 Q to Montgomery, 5 tables + 6 per bit of h but bit 0 (1518) variable base,
    8 to combine, 4 final check. Before (incomplete Montgomery steps): 3,312.
    circomlib's EdDSAPoseidonVerifier: about 4,200.

    Failing constraints: S >= L at '<name>.s_range.*'; A or R8 off the curve at
    '<name>.a_on_curve.curve' / '<name>.r8_on_curve.curve'; a small-order A at
    '<name>.q_mont.u'; a wrong signature at '<name>.check.x' or '<name>.check.y'.

    Soundness and completeness (a malicious prover controls A, R8, S, msg when it picks
    them, and every intermediate witness; an honest one must succeed for every input the
    native rule accepts):
    - S >= L (the S + L malleability) is refused by the bit split with the order check;
      S has a single decomposition (251 bits, no wrap).
    - h: `bits_le_strict` gives the canonical bits of h < r, so the prover cannot use
      h + r (which would be a different multiple of Q, since r mod L != 0).
    - Small-order and mixed-order points: Q = 8A lies in the subgroup of order L for
      every A on the curve, and Q = identity (A of small order, which would make the
      equation independent of the key) is unsatisfiable. A torsion component of A does not
      matter (8h A = h Q); A itself still enters the hash, so a signature is bound to the
      exact A. R8 must be on the curve; the final check forces it to equal S BASE8 - h Q.
    - Intermediate values: every chord addition and conversion is regular for every input
      by the torsion argument (`circuits.gadgets.babyjub_mul`): there is no exceptional
      case at all, for any A (on the curve, any torsion), R8, S and h. So every
      intermediate is determined by the inputs, the constraints hold exactly for the true
      values, and the circuit is satisfiable iff the native rule accepts.
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
        q = clear_cofactor(cs, a_pt, a_sq, name="cofactor")

        h = poseidon(cs, [rx, ry, ax, ay, m], name="hash")
        h_bits = bits_le_strict(cs, h, name="h_bits")

        fb = fixed_base_mont(cs, s_bits, bj.BASE8, FIXED_BASE_TORSION, name="fixed_base")
        # Q = identity (y = 1) makes u (1 - y) == 1 + y unsatisfiable; every other point of
        # the subgroup has x != 0
        q_mont = to_montgomery(cs, q, name="q_mont", x_nonzero=True)
        chain = var_base_chain(cs, h_bits[1:], q, q_mont=q_mont, name="var_base")
        d = _combine(cs, fb, chain, q_mont, h_bits[0])
        _check_equals(cs, d, r8, chain)


def _combine(cs: ConstraintSystem, fb: PointLC, chain: VarChain, q_mont: PointLC,
             h0: LC) -> PointLC:
    """D = fb - chain.acc + (1 - h0) Q in Montgomery form, = S BASE8 - h Q + torsion(
    FIXED_BASE_TORSION - chain.torsion - 4 chain.torsion_bit). Both chords are regular:
    torsions 4 and -{2, 6}, then {2, 6} and Q's 0 (Q != identity: q_mont refused it).

    Cost: 8 constraints (two chords, one selection)."""
    diff = torsion_sum({FIXED_BASE_TORSION}, {-t for t in chain.states})
    require(torsion_sum(diff, {0}, b_not_identity=True) == diff == {2, 6}, "eddsa: combine")
    with cs.namespace("combine"):
        d = mont_add(cs, fb, mont_neg(chain.acc), name="diff")
        dq = mont_add(cs, d, q_mont, name="plus_q")
        return select_point(cs, h0, d, dq, name="bit0")


def _check_equals(cs: ConstraintSystem, d: PointLC, r8: PointLC, chain: VarChain) -> None:
    """Enforce that D (Montgomery) is the image of R8 + torsion(t), t = FIXED_BASE_TORSION
    - chain.torsion - 4 chain.torsion_bit (2 or 6: D is not (0, 0), so v != 0), i.e.
    x v == u and y (u + 1) == u - 1 for (x, y) = R8 + torsion(t), a linear translation of
    R8 selected by the bit. These determine (x, y) from (u, v), so they hold iff
    R8 == D - torsion(t) == S BASE8 - h Q. Fails at '<name>.check.x' / '.check.y'.

    Cost: 4 constraints (2 for the selection, 2 for the equality)."""
    t = (FIXED_BASE_TORSION - chain.torsion) % 8
    if chain.torsion_bit is None:
        x, y = add_torsion(r8, t)
    else:
        x, y = select_point(cs, chain.torsion_bit, add_torsion(r8, t - 4), add_torsion(r8, t),
                            name="r8_torsion")
    u, v = d
    with cs.namespace("check"):
        cs.enforce(x, v, u, name="x")
        cs.enforce(y, u + 1, u - 1, name="y")


def eddsa_verify_native(enabled: int, Ax: int, Ay: int, R8x: int, R8y: int, S: int, msg: int) -> bool:
    """Native twin: True iff the gadget is satisfiable for these inputs (enabled in {0, 1})."""
    if enabled not in (0, 1):
        return False
    if enabled == 0:
        return True
    return native.verify((Ax, Ay), msg, native.Signature((R8x, R8y), S))
