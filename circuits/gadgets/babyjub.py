"""Baby Jubjub in the circuit: on-curve checks, complete addition, doubling, scalar
multiplication by a fixed base and by a variable base.

Points are pairs (x, y) of LCs or int constants, in twisted Edwards form (the native twin
is `circuits.babyjub`). Edwards addition is complete on Baby Jubjub (a square, d not), so
`point_add`/`point_double` work for every pair of points on the curve, identity included.
The scalar multiplications run most of their steps in Montgomery form, where an addition
costs 3 constraints instead of 6, and the incomplete Montgomery formulas are made safe:

* fixed base (`fixed_base_mul`): 3-bit windows whose table entries carry offsets chosen so
  that, for every scalar, no window addition can meet an exceptional case (checked
  exhaustively over intervals when the table is built, `_fixed_base_plan`); the windows
  where no such offset exists (the top one for a 251-bit scalar) use Edwards addition.
* variable base (`var_base_mul`): signed-digit double-and-add, 2*acc + (+-P) per bit in
  one combined step (Eisentraeger-Lauter-Montgomery), from a fixed offset point F, with an
  explicit "u coordinates differ" check per step. So every step either computes the true
  point or leaves the circuit unsatisfiable: a prover can never pick a free slope.

Bits given to the scalar multiplications must already be constrained boolean (from
`bits_le`, `bits_le_strict`, ...): these gadgets do not re-check them.

Native twins: `circuits.babyjub.add`, `double`, `scalar_mul`, `mul_fixed`, `is_on_curve`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence

from .. import babyjub as bj
from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..field import R
from .comparators import assert_nonzero

A = bj.A
D = bj.D
MA = bj.MONT_A

PointLC = tuple[LC, LC]


def _inv0(x: int) -> int:
    # the inverse, or 0 for 0: an exceptional input then fails a named constraint
    return pow(x, -1, R) if x % R else 0


def _pt(p: Sequence[Operand]) -> PointLC:
    if len(p) != 2:
        raise ValueError("a point is a pair (x, y)")
    return (as_lc(p[0]), as_lc(p[1]))


def _const_point(p: PointLC) -> Optional[bj.Point]:
    x, y = p[0].constant_value(), p[1].constant_value()
    return None if x is None or y is None else (x, y)


# ---- curve membership, addition, doubling --------------------------------------------------

def assert_on_curve(cs: ConstraintSystem, pt: Sequence[Operand], name: str = "on_curve") -> tuple[LC, LC]:
    """Enforce a*x^2 + y^2 == 1 + d*x^2*y^2. Returns (x^2, y^2) for reuse (`double_on_curve`).

    Fails at '<name>.curve' for a point off the curve.

    Cost: 3 constraints.
    """
    x, y = _pt(pt)
    with cs.namespace(name):
        xx = cs.mul(x, x, name="xx")
        yy = cs.mul(y, y, name="yy")
        cs.enforce(D * xx, yy, A * xx + yy - 1, name="curve")
    return xx, yy


def _add_core(cs: ConstraintSystem, p1: PointLC, p2: PointLC) -> tuple[LC, LC, LC]:
    """(num_x, num_y, tau) with x3 = num_x / (1 + tau), y3 = num_y / (1 - tau)."""
    (x1, y1), (x2, y2) = p1, p2
    beta = cs.mul(x1, y2, name="beta")
    gamma = cs.mul(y1, x2, name="gamma")
    delta = cs.mul(y1 - A * x1, x2 + y2, name="delta")
    tau = D * cs.mul(beta, gamma, name="tau")
    return beta + gamma, delta + A * beta - gamma, tau


def point_add(cs: ConstraintSystem, p1: Sequence[Operand], p2: Sequence[Operand],
              name: str = "add") -> PointLC:
    """p1 + p2 by the complete twisted Edwards law:
    x3 = (x1 y2 + y1 x2) / (1 + d x1 x2 y1 y2), y3 = (y1 y2 - a x1 x2) / (1 - d x1 x2 y1 y2).

    Precondition: both points on the curve (then the denominators never vanish; off the
    curve a vanishing denominator leaves the circuit unsatisfiable or the output free).

    Cost: 6 constraints; 3 if one point is constant; 0 if both are.
    """
    p1, p2 = _pt(p1), _pt(p2)
    c1, c2 = _const_point(p1), _const_point(p2)
    if c1 is not None and c2 is not None:
        x, y = bj.add(c1, c2)
        return LC.constant(x), LC.constant(y)
    with cs.namespace(name):
        nx, ny, tau = _add_core(cs, p1, p2)
        x3 = cs.hint(lambda n, t: n * _inv0(1 + t) % R, nx, tau, name="x")
        y3 = cs.hint(lambda n, t: n * _inv0(1 - t) % R, ny, tau, name="y")
        cs.enforce(x3, 1 + tau, nx, name="x")
        cs.enforce(y3, 1 - tau, ny, name="y")
    return x3, y3


def assert_sum(cs: ConstraintSystem, p1: Sequence[Operand], p2: Sequence[Operand],
               out: Sequence[Operand], name: str = "sum") -> None:
    """Enforce p1 + p2 == out (complete law, no new output variables): fails at
    '<name>.x' or '<name>.y' when the sum differs. Precondition as `point_add`.

    Cost: 6 constraints (3 if p1 or p2 is constant).
    """
    p1, p2, (xo, yo) = _pt(p1), _pt(p2), _pt(out)
    with cs.namespace(name):
        nx, ny, tau = _add_core(cs, p1, p2)
        cs.enforce(xo, 1 + tau, nx, name="x")
        cs.enforce(yo, 1 - tau, ny, name="y")


def point_double(cs: ConstraintSystem, pt: Sequence[Operand], name: str = "double") -> PointLC:
    """2 * pt by the complete law with p1 = p2 (any point on the curve).

    Cost: 5 constraints.
    """
    x, y = _pt(pt)
    c = _const_point((x, y))
    if c is not None:
        return tuple(LC.constant(v) for v in bj.double(c))  # type: ignore[return-value]
    with cs.namespace(name):
        xy = cs.mul(x, y, name="xy")
        delta = cs.mul(y - A * x, x + y, name="delta")
        tau = D * cs.mul(xy, xy, name="tau")
        nx, ny = 2 * xy, delta + (A - 1) * xy
        x3 = cs.hint(lambda n, t: n * _inv0(1 + t) % R, nx, tau, name="x")
        y3 = cs.hint(lambda n, t: n * _inv0(1 - t) % R, ny, tau, name="y")
        cs.enforce(x3, 1 + tau, nx, name="x")
        cs.enforce(y3, 1 - tau, ny, name="y")
    return x3, y3


def double_on_curve(cs: ConstraintSystem, pt: Sequence[Operand],
                    squares: Optional[tuple[LC, LC]] = None, name: str = "double") -> PointLC:
    """2 * pt for a point known to be on the curve, using the curve equation to replace
    1 +- d x^2 y^2 by a x^2 + y^2 and 2 - a x^2 - y^2 (so no product for d x^2 y^2):
    x3 = 2xy / (a x^2 + y^2), y3 = (y^2 - a x^2) / (2 - a x^2 - y^2).

    ``squares``: (x^2, y^2) already constrained (as `assert_on_curve` returns them).
    Precondition: pt on the curve (enforced before, or the output of on-curve gadgets).

    Cost: 5 constraints, 3 with ``squares``.
    """
    x, y = _pt(pt)
    with cs.namespace(name):
        if squares is None:
            xx = cs.mul(x, x, name="xx")
            yy = cs.mul(y, y, name="yy")
        else:
            xx, yy = squares
        xy = cs.mul(x, y, name="xy")
        dx, dy = A * xx + yy, 2 - A * xx - yy
        x3 = cs.hint(lambda n, t: n * _inv0(t) % R, 2 * xy, dx, name="x")
        y3 = cs.hint(lambda n, t: n * _inv0(t) % R, yy - A * xx, dy, name="y")
        cs.enforce(x3, dx, 2 * xy, name="x")
        cs.enforce(y3, dy, yy - A * xx, name="y")
    return x3, y3


def mul_cofactor(cs: ConstraintSystem, pt: Sequence[Operand], name: str = "cofactor") -> PointLC:
    """Enforce pt on the curve and return 8 * pt (in the subgroup of order L).

    Fails at '<name>.on_curve.curve' for a point off the curve.

    Cost: 16 constraints (3 on-curve + 3 + 5 + 5 for the doublings).
    """
    with cs.namespace(name):
        sq = assert_on_curve(cs, pt, name="on_curve")
        p2 = double_on_curve(cs, pt, squares=sq, name="dbl1")
        p4 = double_on_curve(cs, p2, name="dbl2")
        return double_on_curve(cs, p4, name="dbl3")


def select_point(cs: ConstraintSystem, bit: Operand, if_true: Sequence[Operand],
                 if_false: Sequence[Operand], name: str = "select") -> PointLC:
    """bit ? if_true : if_false, coordinate-wise, for a boolean bit.

    Cost: 2 constraints (fewer where coordinates coincide or are constant).
    """
    (tx, ty), (fx, fy) = _pt(if_true), _pt(if_false)
    with cs.namespace(name):
        return (fx + cs.mul(bit, tx - fx, name="x"), fy + cs.mul(bit, ty - fy, name="y"))


# ---- Montgomery form ------------------------------------------------------------------------

def _mont_u(y: int) -> int:
    return (1 + y) * _inv0(1 - y) % R


def to_montgomery(cs: ConstraintSystem, pt: Sequence[Operand], name: str = "to_mont") -> PointLC:
    """(u, v) = ((1 + y)/(1 - y), u/x) by u (1 - y) == 1 + y and v x == u.

    Unsatisfiable for the identity (y = 1). For the point (0, -1) of order 2 it leaves v
    free: callers must exclude it (a point of the subgroup of order L is never (0, -1)).

    Cost: 2 constraints.
    """
    x, y = _pt(pt)
    with cs.namespace(name):
        u = cs.hint(_mont_u, y, name="u")
        v = cs.hint(lambda uu, xx: uu * _inv0(xx) % R, u, x, name="v")
        cs.enforce(u, 1 - y, 1 + y, name="u")
        cs.enforce(v, x, u, name="v")
    return u, v


def to_edwards(cs: ConstraintSystem, m: Sequence[Operand], name: str = "to_edwards") -> PointLC:
    """(x, y) = (u/v, (u - 1)/(u + 1)) by x v == u and y (u + 1) == u - 1.

    u + 1 never vanishes on the curve (A - 2 = d is not a square). v vanishes only at the
    point (0, 0) of order 2, which leaves x free: callers must exclude it.

    Cost: 2 constraints.
    """
    u, v = _pt(m)
    with cs.namespace(name):
        x = cs.hint(lambda uu, vv: uu * _inv0(vv) % R, u, v, name="x")
        y = cs.hint(lambda uu: (uu - 1) * _inv0(uu + 1) % R, u, name="y")
        cs.enforce(x, v, u, name="x")
        cs.enforce(y, u + 1, u - 1, name="y")
    return x, y


def _mont_add(cs: ConstraintSystem, p1: PointLC, p2: PointLC, checked: bool) -> PointLC:
    """p1 + p2 in Montgomery form by the chord; ``checked`` adds (u2 - u1) * inv == 1, so
    that equal u coordinates make the circuit unsatisfiable instead of freeing the slope.
    Cost: 3 constraints (+1 checked)."""
    (u1, v1), (u2, v2) = p1, p2
    du = u2 - u1
    if checked:
        inv = cs.hint(_inv0, du, name="inv")
        cs.enforce(du, inv, 1, name="distinct")
    lam = cs.hint(lambda a, b: a * _inv0(b) % R, v2 - v1, du, name="lambda")
    cs.enforce(lam, du, v2 - v1, name="lambda")
    u3 = cs.hint(lambda la, s: (la * la - s) % R, lam, MA + u1 + u2, name="u")
    cs.enforce(lam, lam, u3 + MA + u1 + u2, name="u")
    v3 = cs.hint(lambda la, a, b, c: (la * (a - b) - c) % R, lam, u1, u3, v1, name="v")
    cs.enforce(lam, u1 - u3, v3 + v1, name="v")
    return u3, v3


def _step_values(ua: int, va: int, uq: int, vt: int) -> list[int]:
    # one signed-digit step 2*acc + T in Montgomery form (hint of _double_add_step)
    du = (uq - ua) % R
    inv = _inv0(du)
    l1 = (vt - va) * inv % R
    uu = (l1 * l1 - MA - ua - uq) % R
    l2 = (2 * va * _inv0(ua - uu) - l1) % R
    uo = (l2 * l2 - MA - uu - ua) % R
    vo = (l2 * (ua - uo) - va) % R
    return [inv, l1, uu, l2, uo, vo]


def _double_add_step(cs: ConstraintSystem, acc: PointLC, q: PointLC, bit: LC) -> PointLC:
    """acc' = 2 acc + (2 bit - 1) q: U = acc + T by the chord (u_T = u_q, slope l1), then
    U + acc by a second chord whose slope l2 = 2 v_acc / (u_acc - u_U) - l1 needs no v_U.

    Exceptional cases: u_q == u_acc fails '.distinct' (never a free slope); u_U == u_acc
    fails '.lambda2' because v_acc != 0 for every point but the order-2 one, and acc of
    order 2 would need T = O. Cost: 7 constraints.
    """
    (ua, va), (uq, vq) = acc, q
    bv = cs.mul(bit, vq, name="sign")
    vt = 2 * bv - vq
    inv, l1, uu, l2, uo, vo = cs.hint(_step_values, ua, va, uq, vt, n_out=6, name="w")
    cs.enforce(uq - ua, inv, 1, name="distinct")
    cs.enforce(l1, uq - ua, vt - va, name="lambda1")
    cs.enforce(l1, l1, uu + MA + ua + uq, name="u_mid")
    cs.enforce(l1 + l2, ua - uu, 2 * va, name="lambda2")
    cs.enforce(l2, l2, uo + MA + uu + ua, name="u")
    cs.enforce(l2, ua - uo, vo + va, name="v")
    return uo, vo


# ---- window lookups of constant points ----------------------------------------------------

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


# ---- fixed-base scalar multiplication ---------------------------------------------------------

WINDOW = 3


@dataclass(frozen=True)
class _FixedPlan:
    """How `fixed_base_mul` handles an n-bit scalar times a constant base."""

    windows: tuple[tuple[int, int], ...]        # (first bit, width)
    n_mont: int                                  # windows 0..n_mont-1 in Montgomery form
    mont_tables: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # (u entries, v entries)
    ed_tables: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]    # (x entries, y entries)
    offset: int                                  # the result is (k + offset) * base


def _avoids(lo: int, width: int, forbidden: set[int]) -> bool:
    """No element of ``forbidden`` (residues mod L) is in {lo, ..., lo + width - 1} mod L."""
    if width >= bj.L:
        return False
    return all((f - lo) % bj.L >= width for f in forbidden)


@lru_cache(maxsize=16)
def _fixed_base_plan(base: bj.Point, n: int) -> _FixedPlan:
    """Tables and offsets for `fixed_base_mul`, with the proof that Montgomery additions
    never meet an exceptional case.

    Window w covers bits [s_w, s_w + c_w). Montgomery windows carry entries
    d * 2^s_w * base + o_w * base with o_0 = E = floor(L / 2) and o_w = 2^s_w otherwise,
    so no entry is the identity. Before adding window w the
    accumulator is K_w * base with K_w = E + sum_{0<i<w} 2^s_i + D, D in [0, 2^s_w),
    i.e. K_w ranges over one interval. The addition is exceptional iff K_w = +-t (mod L)
    for an entry t of window w (equal u coordinates), and the result is the identity iff
    K_w + t = 0; K_w = 0 cannot be represented. `_avoids` checks all of these over the
    whole interval, so the guarantee covers every scalar. The first window where it fails
    and all later ones use complete Edwards additions (entries d * 2^s_w * base).
    """
    windows = tuple((s, min(WINDOW, n - s)) for s in range(0, n, WINDOW))
    e_off = bj.L // 2
    n_mont = 1
    lo = e_off
    while n_mont < len(windows):
        s, c = windows[n_mont]
        forbidden = {0}
        for d in range(1 << c):
            t = ((d + 1) << s) % bj.L
            forbidden |= {t, (-t) % bj.L}
        if not _avoids(lo, 1 << s, forbidden):
            break
        # the sum after this window must not be the identity either
        nxt = lo + (1 << s)
        if not _avoids(nxt, 1 << (s + c), {0}):
            break
        lo = nxt
        n_mont += 1
    offset = lo  # K after the Montgomery windows is offset + (low bits of k)
    mont_tables = []
    for w in range(n_mont):
        s, c = windows[w]
        o = e_off if w == 0 else (1 << s)
        pts = [bj.to_montgomery(bj.mul_fixed((d << s) + o, base)) for d in range(1 << c)]
        mont_tables.append((tuple(p[0] for p in pts), tuple(p[1] for p in pts)))
    ed_tables = []
    for w in range(n_mont, len(windows)):
        s, c = windows[w]
        pts = [bj.mul_fixed(d << s, base) for d in range(1 << c)]
        ed_tables.append((tuple(p[0] for p in pts), tuple(p[1] for p in pts)))
    return _FixedPlan(windows, n_mont, tuple(mont_tables), tuple(ed_tables), offset)


def _check_base(base: Sequence[int]) -> bj.Point:
    b = bj.check_point(tuple(base), "base")
    if not _is_subgroup_generator(b):
        raise ValueError("the fixed base must be a point of the subgroup of order L, not the identity")
    return b


@lru_cache(maxsize=16)
def _is_subgroup_generator(b: bj.Point) -> bool:
    return b != bj.IDENTITY and bj.is_in_subgroup(b)


def fixed_base_offset(base: Sequence[int], n: int) -> int:
    """The constant C with `fixed_base_mul_offset` (n bits) returning (k + C) * base."""
    return _fixed_base_plan(_check_base(base), n).offset


def fixed_base_mul_offset(cs: ConstraintSystem, bits: Sequence[Operand], base: Sequence[int],
                          name: str = "fixed_base") -> tuple[PointLC, int]:
    """((k + offset) * base, offset) for k = sum(bits[i] 2^i): `fixed_base_mul` without
    its last constant addition, for callers that can fold the constant offset elsewhere.

    Cost: for n = 251 bits, 504 constraints (83 Montgomery windows: 3 + 82 * 6, 2 to
    convert, 7 for the top 2-bit window in Edwards form); about 2 per bit in general.
    """
    base = _check_base(base)
    bits = [as_lc(b) for b in bits]
    n = len(bits)
    if not 1 <= n <= 253:
        raise ValueError("a fixed-base scalar has 1..253 bits")
    plan = _fixed_base_plan(base, n)
    with cs.namespace(name):
        acc: Optional[PointLC] = None
        for w in range(plan.n_mont):
            s, c = plan.windows[w]
            with cs.namespace(f"w{w}"):
                t = _lookup(cs, bits[s:s + c], plan.mont_tables[w], name="lookup")
                acc = (t[0], t[1]) if acc is None else _mont_add(cs, acc, (t[0], t[1]), checked=False)
        assert acc is not None
        edw = to_edwards(cs, acc, name="to_edwards")
        for j, w in enumerate(range(plan.n_mont, len(plan.windows))):
            s, c = plan.windows[w]
            with cs.namespace(f"w{w}"):
                t = _lookup(cs, bits[s:s + c], plan.ed_tables[j], name="lookup")
                edw = point_add(cs, edw, (t[0], t[1]), name="add")
    return edw, plan.offset


def fixed_base_mul(cs: ConstraintSystem, bits: Sequence[Operand], base: Sequence[int],
                   name: str = "fixed_base") -> PointLC:
    """k * base for the constant ``base`` (a point of the subgroup of order L) and
    k = sum(bits[i] 2^i), bits already boolean. Any k in [0, 2^n) works, k >= L included
    (the result is then (k mod L) * base); n <= 253.

    Windows of 3 bits: each costs 3 constraints to look up its constant entry (shared
    product b0 b1, then one product per coordinate) and 3 for a Montgomery addition; no
    exceptional case can occur for any scalar (see `_fixed_base_plan`). The top windows
    use Edwards additions; a final constant addition removes the table offsets.

    Cost: 507 constraints for n = 251 (504 + 3); about 2n in general.
    """
    (x, y), offset = fixed_base_mul_offset(cs, bits, base, name=name)
    corr = bj.mul_fixed(-offset, _check_base(base))
    with cs.namespace(name):
        return point_add(cs, (x, y), corr, name="unoffset")


# ---- variable-base scalar multiplication -------------------------------------------------------

def _offset_point(tag: bytes) -> bj.Point:
    k = int.from_bytes(hashlib.blake2b(tag, digest_size=64).digest(), "little") % bj.L
    return bj.mul_base8(k)


_VAR_OFFSET = _offset_point(b"zkrollup.babyjub.var_base_offset")
"""F of `var_base_mul`: a multiple of BASE8 by a hash-derived scalar (no natural point
is a small multiple of it)."""


def var_base_core(cs: ConstraintSystem, bits_le_hi: Sequence[LC], q_mont: PointLC,
                  offset_point: bj.Point) -> PointLC:
    """Montgomery (u, v) of 2^m F + (2 k' + 1) Q for m = len(bits_le_hi), k' = the
    little-endian value of ``bits_le_hi``, Q given in Montgomery form, F = offset_point.

    acc starts at F + Q and takes one signed digit 2 b - 1 per bit, most significant
    first: acc' = 2 acc + (2 b - 1) Q (`_double_add_step`). Every addition checks that its
    u coordinates differ, so the circuit is satisfiable only with the true values; an
    honest prover meets an exceptional case only if 2^j F + c Q = +-Q for the running
    multiple c, which needs a known discrete-log relation between Q and F.

    Cost: 4 + 7 m constraints.
    """
    fu, fv = bj.to_montgomery(offset_point)
    with cs.namespace("init"):
        acc = _mont_add(cs, q_mont, (LC.constant(fu), LC.constant(fv)), checked=True)
    m = len(bits_le_hi)
    for i in range(m - 1, -1, -1):
        with cs.namespace(f"step{i}"):
            acc = _double_add_step(cs, acc, q_mont, bits_le_hi[i])
    return acc


def var_base_mul(cs: ConstraintSystem, bits: Sequence[Operand], pt: Sequence[Operand],
                 name: str = "var_base") -> PointLC:
    """k * pt for a variable point ``pt`` on the curve (precondition: enforce it first,
    e.g. `assert_on_curve`) and k = sum(bits[i] 2^i), bits already boolean, 2 <= n <= 254.

    Enforces pt.x != 0 (the identity and the point (0, -1) of order 2 are refused: the
    circuit is then unsatisfiable). Computes 2^(n-1) F + (2 k_hi + 1) pt with
    `var_base_core` (k_hi = k >> 1), then removes the constant 2^(n-1) F and subtracts pt
    when bit 0 is 0, with complete Edwards additions.

    Cost: 7n + 14 constraints (1792 for n = 254): 1 (x != 0) + 2 (to Montgomery) + 4 +
    7 (n - 1) + 1 (v != 0) + 2 (to Edwards) + 3 (constant) + 2 (select) + 6 (addition).
    """
    bits = [as_lc(b) for b in bits]
    n = len(bits)
    if not 2 <= n <= 254:
        raise ValueError("var_base_mul takes 2..254 bits")
    p = _pt(pt)
    with cs.namespace(name):
        assert_nonzero(cs, p[0], name="x_nonzero")
        q = to_montgomery(cs, p, name="to_mont")
        acc = var_base_core(cs, bits[1:], q, _VAR_OFFSET)
        # a result (0, 0) of order 2 would leave x free in to_edwards
        assert_nonzero(cs, acc[1], name="v_nonzero")
        e = to_edwards(cs, acc, name="to_edwards")
        corr = bj.neg(bj.mul_fixed(1 << (n - 1), _VAR_OFFSET))
        e = point_add(cs, e, corr, name="unoffset")
        sub = select_point(cs, bits[0], (0, 1), (-p[0], p[1]), name="bit0")
        return point_add(cs, e, sub, name="bit0_add")
