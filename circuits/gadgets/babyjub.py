"""Baby Jubjub in the circuit: points on the curve, the complete Edwards law, cofactor
clearing, translations by torsion points, and the Montgomery form.

Points are pairs (x, y) of LCs or int constants in twisted Edwards form (the native twin
is `circuits.babyjub`). Edwards addition is complete on Baby Jubjub (a square, d not), so
`point_add`/`point_double` work for every pair of points on the curve, identity included.

The Montgomery form B v^2 = u^3 + A u^2 + u (A = 168698, B = 1) has a cheaper chord
addition (`mont_add`, 3 constraints instead of 6) but it is incomplete: it fails when the
two u coordinates are equal, i.e. for P = +-Q. The scalar multiplications
(`circuits.gadgets.babyjub_mul`) use it only where a torsion argument proves that this can
never happen, for any input: the group is cyclic, Z/8 x Z/L, and two points whose torsion
components differ (and are not opposite) are never equal or opposite, whatever their
components in the subgroup of order L. Translating by a torsion point of order 1, 2 or 4
is linear in Edwards form (`add_torsion`, no constraint), which makes the argument cheap.

The conversions refuse, by an unsatisfiable constraint, exactly the inputs their native
twins refuse (`to_montgomery`: x = 0, i.e. the identity and (0, -1); `to_edwards`: v = 0,
i.e. the point (0, 0)), unless the caller proves those inputs impossible and drops the
check (``x_nonzero`` / ``v_nonzero``).

Native twins: `circuits.babyjub.add`, `double`, `mul_cofactor`, `is_on_curve`, `torsion`,
`to_montgomery`, `from_montgomery`, `montgomery_add`.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

from .. import babyjub as bj
from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..field import R
from .comparators import assert_nonzero

A = bj.A
D = bj.D
MA = bj.MONT_A

PointLC = tuple[LC, LC]


class SubgroupPoint(NamedTuple):
    """An Edwards point (x, y) of LCs that lies in the subgroup of order L by construction:
    returned by `clear_cofactor` / `mul_cofactor`, or built from a constant that
    `subgroup_constant` checked natively. `babyjub_mul.var_base_mul` accepts only these,
    because its completeness argument needs the point's torsion component to be zero."""

    x: LC
    y: LC


def subgroup_constant(pt: Sequence[int]) -> SubgroupPoint:
    """A constant point of the subgroup of order L (ValueError otherwise)."""
    p = bj.check_point(tuple(pt))
    if not bj.is_in_subgroup(p):
        raise ValueError(f"not a point of the subgroup of order L: {p!r}")
    return SubgroupPoint(LC.constant(p[0]), LC.constant(p[1]))


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


def clear_cofactor(cs: ConstraintSystem, pt: Sequence[Operand], squares: tuple[LC, LC],
                   name: str = "cofactor") -> SubgroupPoint:
    """8 * pt by three doublings, for pt already enforced on the curve, with ``squares`` =
    (x^2, y^2) as `assert_on_curve(cs, pt)` returned them. 8 * pt is in the subgroup of
    order L for every point of the curve (the cofactor is cleared).

    Cost: 13 constraints (3 + 5 + 5).
    """
    with cs.namespace(name):
        p2 = double_on_curve(cs, pt, squares=squares, name="dbl1")
        p4 = double_on_curve(cs, p2, name="dbl2")
        return SubgroupPoint(*double_on_curve(cs, p4, name="dbl3"))


def mul_cofactor(cs: ConstraintSystem, pt: Sequence[Operand], name: str = "cofactor") -> SubgroupPoint:
    """Enforce pt on the curve and return 8 * pt (in the subgroup of order L).

    Fails at '<name>.on_curve.curve' for a point off the curve.

    Cost: 16 constraints (3 on-curve + 13 for the doublings).
    """
    with cs.namespace(name):
        sq = assert_on_curve(cs, pt, name="on_curve")
        return clear_cofactor(cs, pt, sq, name="dbl")


def select_point(cs: ConstraintSystem, bit: Operand, if_true: Sequence[Operand],
                 if_false: Sequence[Operand], name: str = "select") -> PointLC:
    """bit ? if_true : if_false, coordinate-wise, for a boolean bit (Edwards or Montgomery
    coordinates alike).

    Cost: 2 constraints (fewer where coordinates coincide or are constant).
    """
    (tx, ty), (fx, fy) = _pt(if_true), _pt(if_false)
    with cs.namespace(name):
        return (fx + cs.mul(bit, tx - fx, name="x"), fy + cs.mul(bit, ty - fy, name="y"))


# ---- translations by torsion points of order 1, 2, 4 ---------------------------------------

_X4 = bj.torsion(2)[0]
"""torsion(2) = (_X4, 0) and torsion(6) = (-_X4, 0), with a * _X4^2 = 1."""


def add_torsion(pt: Sequence[Operand], k: int) -> PointLC:
    """pt + torsion(k) for even k, as linear maps of (x, y) (the addition law with a
    second point that has x = 0 or y = 0 has constant denominators):
    k = 0: (x, y);  k = 4: (-x, -y);  k = 2: (X4 y, -a X4 x);  k = 6: (-X4 y, a X4 x).

    Cost: 0 constraints. Native twin: ``bj.add(pt, bj.torsion(k))``.
    """
    x, y = _pt(pt)
    k %= 8
    if k % 2:
        raise ValueError("only torsion points of order 1, 2 or 4 (even k) translate linearly")
    sign = 1 if k in (0, 2) else -1
    if k in (0, 4):
        return (sign * x, sign * y)
    return (sign * _X4 * y, -sign * A * _X4 * x)


# ---- Montgomery form ------------------------------------------------------------------------

def _mont_u(y: int) -> int:
    return (1 + y) * _inv0(1 - y) % R


def to_montgomery(cs: ConstraintSystem, pt: Sequence[Operand], name: str = "to_mont",
                  x_nonzero: bool = False) -> PointLC:
    """(u, v) = ((1 + y)/(1 - y), u/x) by u (1 - y) == 1 + y and v x == u, for pt on the
    curve.

    Refuses exactly what `bj.to_montgomery` refuses, the two points with x = 0: the
    identity (y = 1) fails at '<name>.u', (0, -1) at '<name>.x_nonzero.inv'.
    ``x_nonzero=True`` drops the second check (1 constraint) when the caller guarantees
    x != 0 for every point that reaches here other than the identity, e.g. a point of the
    subgroup of order L, or a point whose torsion component is neither 0 nor 4.

    Cost: 3 constraints, 2 with ``x_nonzero``.
    """
    x, y = _pt(pt)
    with cs.namespace(name):
        if not x_nonzero:
            assert_nonzero(cs, x, name="x_nonzero")
        u = cs.hint(_mont_u, y, name="u")
        v = cs.hint(lambda uu, xx: uu * _inv0(xx) % R, u, x, name="v")
        cs.enforce(u, 1 - y, 1 + y, name="u")
        cs.enforce(v, x, u, name="v")
    return u, v


def to_edwards(cs: ConstraintSystem, m: Sequence[Operand], name: str = "to_edwards",
               v_nonzero: bool = False) -> PointLC:
    """(x, y) = (u/v, (u - 1)/(u + 1)) by x v == u and y (u + 1) == u - 1, for (u, v) on
    the Montgomery curve.

    u + 1 never vanishes on the curve (A - 2 = d is not a square). v vanishes only at the
    point (0, 0) of order 2, which `bj.from_montgomery` refuses and so does this gadget, at
    '<name>.v_nonzero.inv'; ``v_nonzero=True`` drops that check (1 constraint) when the
    caller guarantees the point is not (0, 0) (e.g. its torsion component is not 4 or 0).

    Cost: 3 constraints, 2 with ``v_nonzero``.
    """
    u, v = _pt(m)
    with cs.namespace(name):
        if not v_nonzero:
            assert_nonzero(cs, v, name="v_nonzero")
        x = cs.hint(lambda uu, vv: uu * _inv0(vv) % R, u, v, name="x")
        y = cs.hint(lambda uu: (uu - 1) * _inv0(uu + 1) % R, u, name="y")
        cs.enforce(x, v, u, name="x")
        cs.enforce(y, u + 1, u - 1, name="y")
    return x, y


def mont_neg(m: Sequence[Operand]) -> PointLC:
    """-(u, v) = (u, -v). Cost: 0 constraints."""
    u, v = _pt(m)
    return u, -v


def mont_add(cs: ConstraintSystem, p1: Sequence[Operand], p2: Sequence[Operand],
             name: str = "mont_add") -> PointLC:
    """p1 + p2 in Montgomery form by the chord: lambda (u2 - u1) == v2 - v1,
    lambda^2 == u3 + A + u1 + u2, lambda (u1 - u3) == v3 + v1.

    Precondition, which the caller must PROVE for every assignment that satisfies the
    constraints before this one: u1 != u2 (p1 != +-p2; then both are affine points, the
    sum is affine and every output is determined). With u1 == u2 and v1 == v2 the slope
    would be free. Native twin: `bj.montgomery_add`.

    Cost: 3 constraints.
    """
    (u1, v1), (u2, v2) = _pt(p1), _pt(p2)
    du = u2 - u1
    with cs.namespace(name):
        lam = cs.hint(lambda a, b: a * _inv0(b) % R, v2 - v1, du, name="lambda")
        cs.enforce(lam, du, v2 - v1, name="lambda")
        u3 = cs.hint(lambda la, s: (la * la - s) % R, lam, MA + u1 + u2, name="u")
        cs.enforce(lam, lam, u3 + MA + u1 + u2, name="u")
        v3 = cs.hint(lambda la, a, b, c: (la * (a - b) - c) % R, lam, u1, u3, v1, name="v")
        cs.enforce(lam, u1 - u3, v3 + v1, name="v")
    return u3, v3
