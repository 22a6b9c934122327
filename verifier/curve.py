"""Validation of BN254 points and scalars given to the verifier, and their py_ecc form.

The verifier's points are plain affine ints, the interchange form of the whole project:
    G1: (x, y);  G2: ((x.c0, x.c1), (y.c0, y.c1)) with x = x.c0 + x.c1*u, u^2 = -1;
    None is the point at infinity.
`check_g1` / `check_g2` enforce: the right shape, every coordinate an int in [0, q), the
point on its curve (G1: y^2 = x^3 + 3; G2: the twist y^2 = x^3 + 3/(9+u)), and for G2
membership of the order-r subgroup (r*P = O; G1 has cofactor 1). Each failure raises
VerifierInputError naming the field. The result is the py_ecc.optimized_bn128 point.
"""
from __future__ import annotations

from typing import Optional, Sequence

from py_ecc import optimized_bn128 as ob

from circuits.field import R

from .errors import VerifierInputError

Q = ob.field_modulus
assert ob.curve_order == R

G1Point = Optional[tuple[int, int]]
G2Point = Optional[tuple[tuple[int, int], tuple[int, int]]]


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_fq(v, what: str) -> int:
    if not _is_int(v) or not 0 <= v < Q:
        raise VerifierInputError(f"{what}: coordinate is not an integer in [0, q): {_short(v)}")
    return v


def _pair(v, what: str) -> tuple:
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise VerifierInputError(f"{what}: expected a pair, got {_short(v)}")
    return tuple(v)


def check_g1(p: G1Point, what: str, allow_infinity: bool = False):
    """Validate an affine G1 point; returns the py_ecc.optimized_bn128 point."""
    if p is None:
        if not allow_infinity:
            raise VerifierInputError(f"{what}: the point at infinity is not allowed here")
        return ob.Z1
    x, y = _pair(p, what)
    pt = (ob.FQ(check_fq(x, f"{what}.x")), ob.FQ(check_fq(y, f"{what}.y")), ob.FQ.one())
    if not ob.is_on_curve(pt, ob.b):
        raise VerifierInputError(f"{what}: point is not on the curve y^2 = x^3 + 3")
    return pt


def check_g2(p: G2Point, what: str, allow_infinity: bool = False, subgroup: bool = True):
    """Validate an affine G2 point, subgroup included unless `subgroup` is False (for a caller
    that checks it another way); returns the py_ecc point."""
    if p is None:
        if not allow_infinity:
            raise VerifierInputError(f"{what}: the point at infinity is not allowed here")
        return ob.Z2
    x, y = _pair(p, what)
    xs, ys = _pair(x, f"{what}.x"), _pair(y, f"{what}.y")
    coeffs = [check_fq(c, f"{what}.{n}") for c, n in zip(xs + ys, ("x.c0", "x.c1", "y.c0", "y.c1"))]
    pt = (ob.FQ2(coeffs[:2]), ob.FQ2(coeffs[2:]), ob.FQ2.one())
    if not ob.is_on_curve(pt, ob.b2):
        raise VerifierInputError(f"{what}: point is not on the twist curve y^2 = x^3 + 3/(9+u)")
    if subgroup and not ob.is_inf(ob.multiply(pt, R)):
        raise VerifierInputError(f"{what}: point is on the twist but not in the order-r subgroup G2")
    return pt


def check_public_inputs(values: Sequence[int], n_public: int, what: str = "public input") -> list[int]:
    """Exactly n_public ints, each in [0, r): a value >= r would alias value - r."""
    if not isinstance(values, (list, tuple)):
        raise VerifierInputError(f"{what}s: expected a list, got {type(values).__name__}")
    if len(values) != n_public:
        raise VerifierInputError(f"{what}s: got {len(values)}, the verification key expects {n_public}")
    for i, v in enumerate(values):
        if not _is_int(v) or not 0 <= v < R:
            raise VerifierInputError(f"{what} {i}: not an integer in [0, r): {_short(v)}")
    return list(values)


def g1_from_py_ecc(pt) -> G1Point:
    """py_ecc.optimized_bn128 G1 point -> affine ints (None for infinity)."""
    if ob.is_inf(pt):
        return None
    x, y = ob.normalize(pt)
    return (int(x), int(y))


def g2_from_py_ecc(pt) -> G2Point:
    if ob.is_inf(pt):
        return None
    x, y = ob.normalize(pt)
    return (tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


def _short(v) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."
