"""Scalar multiplication on Baby Jubjub in the circuit, complete for every scalar and every
base point of the subgroup of order L (identity included).

Both multiplications run in Montgomery form, where a chord addition costs 3 constraints
(`mont_add`) instead of 6, and are made complete by bookkeeping of torsion components
instead of offsets that merely make exceptional cases unlikely:

* The group is cyclic, Z/8 x Z/L. Every accumulator and every point added to it carries a
  torsion component known when the circuit is built: an element of Z/8 (a set of two when
  it depends on a scalar bit). Table points are Q + torsion(t) or d * base + torsion(t)
  with Q, base in the subgroup of order L.
* A chord addition P1 + P2 is exceptional only if P1 = +-P2 (equal u coordinates); and a
  Montgomery point must not be the identity. Points with different torsion components
  are different, whatever their components of order L. So if tor(P1) != +-tor(P2) and
  tor(P1), tor(P2), tor(P1 + P2) are all nonzero, the addition is regular for EVERY
  choice of the L-components: for every scalar and every base.
* `torsion_sum` and `_double_add_torsion` check exactly these conditions over all
  reachable torsion states while a circuit is built (integer work, no curve arithmetic),
  so a schedule that breaks the argument raises instead of building; the tests re-check
  every schedule independently. There is no exceptional input left for a user to pick:
  with every chord regular, each output is determined by the inputs, so the constraints
  are satisfiable exactly by the true values (completeness and soundness alike).

Fixed base (`fixed_base_mont`, `fixed_base_mul`): 3-bit windows, each looking up the
constant d * 2^s * base + torsion(t_w) and adding it; the t_w are chosen (`_fixed_torsions`)
so that the accumulator's torsion is always nonzero and never +-t_w, and ends at a
requested value. About 2 constraints per bit.

Variable base (`var_base_chain`, `var_base_mul`): one signed digit per bit,
acc' = 2 acc + (2 b - 1) T in one combined step (Eisentraeger-Lauter-Montgomery, 6
constraints), where T alternates between Q + torsion(4) and Q + torsion(1). The torsion of
acc then cycles {2, 6} -> {3, 5} -> {2, 6}: never +-tor(T), never sent to 0.

Bits given to these gadgets must already be constrained boolean (from `bits_le`,
`bits_le_strict`, ...): they are not re-checked. Native twins: `bj.mul_fixed`,
`bj.scalar_mul`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from .. import babyjub as bj
from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..field import R
from .babyjub import (MA, PointLC, SubgroupPoint, _inv0, add_torsion, mont_add, mont_neg,
                      point_add, select_point, to_edwards, to_montgomery)
from .boolean import xor

WINDOW = 3


# ---- the torsion argument -------------------------------------------------------------------

def _regular_add(a: int, b: int, b_not_identity: bool = False) -> bool:
    """Torsions a, b (mod 8) of two points: their chord addition is regular whatever the
    L-components: neither point is the identity (a != 0; b != 0 unless the caller has
    refused the identity for the second point by a constraint, ``b_not_identity``), they
    are not equal or opposite (a != +-b), so neither is the sum the identity."""
    a, b = a % 8, b % 8
    return a != 0 and (b != 0 or b_not_identity) and a not in (b, -b % 8)


def require(cond: bool, what: str) -> None:
    """Raise AssertionError unless ``cond``: the torsion argument's checks must run even
    under ``python -O``, so they never use the assert statement."""
    if not cond:
        raise AssertionError(what)


def torsion_sum(a: Iterable[int], b: Iterable[int], b_not_identity: bool = False) -> frozenset[int]:
    """The torsions of P1 + P2 for tor(P1) in ``a`` and tor(P2) in ``b``; raises
    AssertionError unless every such chord addition is regular (`_regular_add`)."""
    out = set()
    for x in a:
        for y in b:
            require(_regular_add(x, y, b_not_identity),
                    f"a chord addition with torsions {x % 8}, {y % 8} may be exceptional")
            out.add((x + y) % 8)
    return frozenset(out)


def _double_add_torsion(a: Iterable[int], t: int) -> frozenset[int]:
    """Torsions of 2 acc +- T for tor(acc) in ``a``, tor(T) = t: the step adds U = acc +- T
    and then U + acc, and both chords must be regular (else AssertionError)."""
    out: set[int] = set()
    for x in a:
        for y in (t, -t):
            torsion_sum({x}, {y})                          # U = acc + T
            out |= torsion_sum({(x + y) % 8}, {x})         # U + acc
    return frozenset(out)


# ---- lookups of constant points ---------------------------------------------------------------

def _lookup(cs: ConstraintSystem, bits: Sequence[LC], tables: Sequence[Sequence[int]],
            name: str) -> list[LC]:
    """For each table (2^len(bits) constants), the entry indexed by the little-endian bits.

    Cost: 0 constraints for 1 bit, 1 for 2 bits, 1 + len(tables) for 3 bits.
    """
    k = len(bits)
    if k == 1:
        b0 = bits[0]
        return [t[0] + (t[1] - t[0]) * b0 for t in tables]
    b0, b1 = bits[0], bits[1]
    p = cs.mul(b0, b1, name=f"{name}.b01")

    def bilinear(e: Sequence[int]) -> LC:
        return (as_lc(e[0]) + (e[1] - e[0]) * b0 + (e[2] - e[0]) * b1
                + (e[3] - e[2] - e[1] + e[0]) * p)

    if k == 2:
        return [bilinear(t) for t in tables]
    if k != 3:
        raise ValueError("windows are 1 to 3 bits")
    out = []
    for j, t in enumerate(tables):
        lo, hi = bilinear(t[:4]), bilinear(t[4:])
        out.append(lo + cs.mul(bits[2], hi - lo, name=f"{name}.c{j}"))
    return out


# ---- fixed base ------------------------------------------------------------------------------------

_ENTRY_TORSIONS = (2, 1, 3, 5, 6, 7)
"""Torsions a window's entries may carry, in order of preference: never 0 or 4, so no
entry is the identity or (0, -1), the two points without an affine Montgomery image."""


@lru_cache(maxsize=64)
def _fixed_torsions(n_windows: int, final: int) -> tuple[int, ...]:
    """t_0..t_{W-1} with t_0 + ... + t_w = tor(acc after window w), every window addition
    regular (`_regular_add`) and the last accumulator's torsion equal to ``final``."""
    final %= 8
    # reach[w]: accumulator torsions after window w from which ``final`` is reachable
    reach = [set() for _ in range(n_windows)]
    reach[-1] = {final}
    for w in range(n_windows - 2, -1, -1):
        reach[w] = {a for a in range(1, 8)
                    if any(_regular_add(a, t) and (a + t) % 8 in reach[w + 1] for t in _ENTRY_TORSIONS)}
    first = [t for t in _ENTRY_TORSIONS if t in reach[0]]
    if not first:
        raise ValueError(f"no torsion schedule ends at {final} after {n_windows} windows")
    ts, acc = [first[0]], first[0]
    for w in range(1, n_windows):
        t = next(t for t in _ENTRY_TORSIONS if _regular_add(acc, t) and (acc + t) % 8 in reach[w])
        ts.append(t)
        acc = (acc + t) % 8
    return tuple(ts)


@dataclass(frozen=True)
class _FixedPlan:
    windows: tuple[tuple[int, int], ...]                             # (first bit, width)
    torsions: tuple[int, ...]                                        # t_w of window w's entries
    tables: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]      # (u entries, v entries)


@lru_cache(maxsize=16)
def _fixed_plan(base: bj.Point, n: int, final: int) -> _FixedPlan:
    windows = tuple((s, min(WINDOW, n - s)) for s in range(0, n, WINDOW))
    ts = _fixed_torsions(len(windows), final)
    states = frozenset({ts[0]})
    for t in ts[1:]:
        states = torsion_sum(states, {t})          # the proof, re-run on the chosen schedule
    require(states == {final % 8}, "fixed-base torsion schedule")
    tables = []
    for (s, c), t in zip(windows, ts):
        tor = bj.torsion(t)
        pts = [bj.to_montgomery(bj.add(bj.mul_fixed(d << s, base), tor)) for d in range(1 << c)]
        tables.append((tuple(p[0] for p in pts), tuple(p[1] for p in pts)))
    return _FixedPlan(windows, ts, tuple(tables))


@lru_cache(maxsize=16)
def _is_subgroup_generator(b: bj.Point) -> bool:
    return b != bj.IDENTITY and bj.is_in_subgroup(b)


def _check_base(base: Sequence[int]) -> bj.Point:
    b = bj.check_point(tuple(base), "base")
    if not _is_subgroup_generator(b):
        raise ValueError("the fixed base must be a point of the subgroup of order L, not the identity")
    return b


def fixed_base_mont(cs: ConstraintSystem, bits: Sequence[Operand], base: Sequence[int],
                    torsion: int, name: str = "fixed_base") -> PointLC:
    """Montgomery (u, v) of k * base + bj.torsion(torsion), for the constant ``base`` (a
    point of the subgroup of order L other than the identity), k = sum(bits[i] 2^i) with
    bits already boolean, 1 <= n <= 254, and a constant torsion in 1..7 (not 0: the
    result could be the identity). Any k in [0, 2^n) works, k >= L included.

    Windows of 3 bits (the last one shorter): a lookup of the window's constant entry (3
    constraints: the shared product b0 b1, one product per coordinate) and a chord
    addition (3), regular for every k by the torsion argument of the module docstring.

    Cost: 6 per full window, 3 for the first; 499 constraints for n = 251.
    """
    base = _check_base(base)
    bits = [as_lc(b) for b in bits]
    n = len(bits)
    if not 1 <= n <= 254:
        raise ValueError("a fixed-base scalar has 1..254 bits")
    plan = _fixed_plan(base, n, torsion % 8)
    with cs.namespace(name):
        acc: Optional[PointLC] = None
        for w, ((s, c), table) in enumerate(zip(plan.windows, plan.tables)):
            with cs.namespace(f"w{w}"):
                u, v = _lookup(cs, bits[s:s + c], table, name="lookup")
                acc = (u, v) if acc is None else mont_add(cs, acc, (u, v), name="add")
    assert acc is not None
    return acc


FIXED_BASE_TORSION = 6
"""`fixed_base_mul` ends on torsion 6 (order 4): v != 0 and the translation back is free."""


def fixed_base_mul(cs: ConstraintSystem, bits: Sequence[Operand], base: Sequence[int],
                   name: str = "fixed_base") -> PointLC:
    """k * base in Edwards form, as `fixed_base_mont` with torsion 6, then `to_edwards`
    (v != 0: the torsion is 6, not 0 or 4) and the linear translation by torsion(2).

    Cost: `fixed_base_mont` + 2; 501 constraints for n = 251. Native twin: `bj.mul_fixed`.
    """
    m = fixed_base_mont(cs, bits, base, FIXED_BASE_TORSION, name=name)
    with cs.namespace(name):
        e = to_edwards(cs, m, v_nonzero=True)
    return add_torsion(e, -FIXED_BASE_TORSION)


# ---- variable base ----------------------------------------------------------------------------------

def _step_values(ua: int, va: int, uq: int, vt: int) -> list[int]:
    # one signed-digit step 2*acc + T in Montgomery form (hint of _double_add_step)
    l1 = (vt - va) * _inv0(uq - ua) % R
    uu = (l1 * l1 - MA - ua - uq) % R
    l2 = (2 * va * _inv0(ua - uu) - l1) % R
    uo = (l2 * l2 - MA - uu - ua) % R
    vo = (l2 * (ua - uo) - va) % R
    return [l1, uu, l2, uo, vo]


def _double_add_step(cs: ConstraintSystem, acc: PointLC, q: PointLC, bit: LC) -> PointLC:
    """acc' = 2 acc + (2 bit - 1) q: U = acc + T by the chord (T = +-q, slope l1), then
    U + acc by a second chord whose slope l2 = 2 v_acc / (u_acc - u_U) - l1 needs no v_U.

    Precondition (proved by the caller's torsion schedule): u_q != u_acc and
    u_U != u_acc for every input, so every value is determined.

    Cost: 6 constraints (1 for the sign, 5 for the two chords).
    """
    (ua, va), (uq, vq) = acc, q
    bv = cs.mul(bit, vq, name="sign")
    vt = 2 * bv - vq
    l1, uu, l2, uo, vo = cs.hint(_step_values, ua, va, uq, vt, n_out=5, name="w")
    cs.enforce(l1, uq - ua, vt - va, name="lambda1")
    cs.enforce(l1, l1, uu + MA + ua + uq, name="u_mid")
    cs.enforce(l1 + l2, ua - uu, 2 * va, name="lambda2")
    cs.enforce(l2, l2, uo + MA + uu + ua, name="u")
    cs.enforce(l2, ua - uo, vo + va, name="v")
    return uo, vo


@dataclass(frozen=True)
class _VarPlan:
    start: int                  # torsion of the first accumulator, Q + torsion(start)
    steps: tuple[int, ...]      # torsion t_k of the point +-(Q + torsion(t_k)) of step k
    torsion: int                # the result's torsion is torsion + 4 * (bit of step bit_step)
    bit_step: Optional[int]     # None: the result's torsion is the constant `torsion`
    states: frozenset[int]      # the result's possible torsions (for callers' own checks)


@lru_cache(maxsize=16)
def _var_plan(m: int) -> _VarPlan:
    """Steps alternate T = +-(Q + torsion(4)) and +-(Q + torsion(1)), the last one with 4;
    the start is Q + torsion(1) (m odd) or Q + torsion(2) (m even). Torsion of acc:
    {1} or {3, 5} before a 4-step, {2, 6} before a 1-step; both kinds of step are regular
    (`_double_add_torsion` checks it here). The final torsion is exactly
    2^m start + sum_k 2^(m-1-k) t_k (2 b_k - 1) mod 8; as a function of the bits, only
    the bit of the second-last step survives (a 1-step: coefficient 2^2 * 1 = 4; the
    4-steps' coefficients 2^(m-k) * 4 vanish mod 8, and so do all earlier ones)."""
    if m < 1:
        raise ValueError("the chain needs at least one bit")
    start = 1 if m % 2 else 2
    steps = tuple((4 if k % 2 == 0 else 1) if m % 2 else (1 if k % 2 == 0 else 4) for k in range(m))
    states = frozenset({start})
    for t in steps:
        states = _double_add_torsion(states, t)
    const = (pow(2, m, 8) * start - sum(pow(2, m - 1 - k, 8) * t for k, t in enumerate(steps))) % 8
    coef = [pow(2, m - k, 8) * t % 8 for k, t in enumerate(steps)]
    live = [k for k, c in enumerate(coef) if c]
    require(all(coef[k] == 4 for k in live) and len(live) <= 1, "var chain: final torsion form")
    require(states == ({const, (const + 4) % 8} if live else {const}), "var chain: final torsions")
    return _VarPlan(start, steps, const, live[0] if live else None, states)


@dataclass(frozen=True)
class VarChain:
    """The result of `var_base_chain`: ``acc`` is the Montgomery form of
    (2 k' + 1) Q + bj.torsion(torsion + 4 * torsion_bit) (torsion_bit None: 0), and
    ``tables[t]`` the Montgomery form of Q + bj.torsion(t) for t in 1, 4 (and 2)."""

    acc: PointLC
    torsion: int
    torsion_bit: Optional[LC]
    states: frozenset[int]
    tables: dict[int, PointLC]


def _var_tables(cs: ConstraintSystem, q: SubgroupPoint, q_mont: Optional[PointLC],
                need_2: bool) -> dict[int, PointLC]:
    """Montgomery forms of Q + torsion(t), t = 1, 4 (2 if ``need_2``). Each conversion is
    regular: Q + torsion(t) has torsion t, so it is neither the identity nor (0, -1) for
    t = 1, 2; the chords add points of torsions (0, 1) or (1, 3).

    With ``q_mont`` (the Montgomery form of Q, which refuses Q = identity): 3 + 2 (+2).
    Without (Q = identity allowed): 3 + 2 + 3 (+2)."""
    t1, t3 = bj.to_montgomery(bj.torsion(1)), bj.to_montgomery(bj.torsion(3))
    tables: dict[int, PointLC] = {}
    if q_mont is not None:
        torsion_sum({1}, {0}, b_not_identity=True)
        tables[1] = mont_add(cs, q_mont, t1, name="q1")
        # Q != identity here (q_mont refused it), so Q + torsion(4) = (-x, -y) has x != 0
        tables[4] = to_montgomery(cs, add_torsion(q, 4), name="q4", x_nonzero=True)
    else:
        e1 = point_add(cs, q, bj.torsion(1), name="e1")
        tables[1] = to_montgomery(cs, e1, name="q1", x_nonzero=True)
        torsion_sum({1}, {3})
        tables[4] = mont_add(cs, tables[1], t3, name="q4")
    if need_2:
        tables[2] = to_montgomery(cs, add_torsion(q, 2), name="q2", x_nonzero=True)
    return tables


def var_base_chain(cs: ConstraintSystem, bits_hi: Sequence[Operand], q: SubgroupPoint,
                   q_mont: Optional[PointLC] = None, name: str = "var_base") -> VarChain:
    """(2 k' + 1) Q plus a known torsion, in Montgomery form, for k' = the little-endian
    value of ``bits_hi`` (m >= 1 boolean bits) and Q a point of the subgroup of order L.

    acc starts at Q + torsion(1 or 2) (contributing 2^m Q) and takes one signed digit per
    bit, most significant first: acc' = 2 acc + (2 b - 1)(Q + torsion(t_k)) (`_var_plan`).
    ``q_mont``: Q's Montgomery form if the caller has it (then Q != identity).

    Cost: 6 m + 5 (with q_mont) or 6 m + 8 (without), + 2 if m is even.
    """
    if not isinstance(q, SubgroupPoint):
        raise TypeError("var_base_chain needs a SubgroupPoint (from mul_cofactor / clear_cofactor)")
    bits_hi = [as_lc(b) for b in bits_hi]
    m = len(bits_hi)
    plan = _var_plan(m)
    with cs.namespace(name):
        tables = _var_tables(cs, q, q_mont, need_2=plan.start == 2)
        acc = tables[plan.start]
        for k, t in enumerate(plan.steps):
            i = m - 1 - k
            with cs.namespace(f"step{i}"):
                acc = _double_add_step(cs, acc, tables[t], bits_hi[i])
    bit = None if plan.bit_step is None else bits_hi[m - 1 - plan.bit_step]
    return VarChain(acc, plan.torsion, bit, plan.states, tables)


def var_base_mul(cs: ConstraintSystem, bits: Sequence[Operand], q: SubgroupPoint,
                 name: str = "var_base") -> PointLC:
    """k * Q in Edwards form for Q a point of the subgroup of order L (a `SubgroupPoint`:
    e.g. `mul_cofactor(cs, A)`; the identity included) and k = sum(bits[i] 2^i), bits
    already boolean, 2 <= n <= 254; any k in [0, 2^n).

    `var_base_chain` on bits 1.. gives (2 k' + 1) Q + torsion; Q + torsion(4) is
    subtracted (a regular chord: torsions {2, 6} and 4) and one of the two kept by bit 0;
    back in Edwards form (v != 0: torsion 2 or 6), the torsion, which depends on bit 0 and
    one bit of the chain, is removed by one of two linear translations.

    Cost: 6 n + 12 constraints (1536 for n = 254); + 2 if n is odd; - 1 for n = 2.
    Native twin: `bj.scalar_mul`.
    """
    if not isinstance(q, SubgroupPoint):
        raise TypeError("var_base_mul needs a SubgroupPoint (from mul_cofactor / clear_cofactor)")
    bits = [as_lc(b) for b in bits]
    if not 2 <= len(bits) <= 254:
        raise ValueError("var_base_mul takes 2..254 bits")
    with cs.namespace(name):
        ch = var_base_chain(cs, bits[1:], q, name="chain")
        require(torsion_sum(ch.states, {-4}) <= {2, 6}, "var_base_mul: acc - (Q + torsion(4))")
        acc_m = mont_add(cs, ch.acc, mont_neg(ch.tables[4]), name="minus_q")
        sel = select_point(cs, bits[0], ch.acc, acc_m, name="bit0")
        # torsion of sel: c + 4 beta + 4 (1 - b0) = (c + 4) + 4 (beta xor b0)
        g = bits[0] if ch.torsion_bit is None else xor(cs, ch.torsion_bit, bits[0], name="tbit")
        e = to_edwards(cs, sel, v_nonzero=True)
        c4 = ch.torsion + 4
        return select_point(cs, g, add_torsion(e, -(c4 + 4)), add_torsion(e, -c4), name="untorsion")
