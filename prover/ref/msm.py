"""Naive multi-scalar multiplication: the reference the Pippenger kernels are tested against.

msm(P, s) = sum_i s_i * P_i, one double-and-add per term, accumulated in Jacobian
coordinates. Points are affine ints (None = infinity), scalars plain ints used as given
(for points of order R, reducing them mod R first gives the same result).
"""
from __future__ import annotations

from typing import Sequence

from .curves import G1C, G2C, Curve, Point


def _msm(curve: Curve, points: Sequence[Point], scalars: Sequence[int]) -> Point:
    if len(points) != len(scalars):
        raise ValueError(f"msm: {len(points)} points but {len(scalars)} scalars")
    acc = curve.jac_infinity
    for p, s in zip(points, scalars):
        acc = curve.jac_add(acc, curve.jac_mul(curve.to_jac(p), int(s)))
    return curve.from_jac(acc)


def msm_g1(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """sum_i scalars[i] * points[i] in G1 (affine in, affine out; empty sum = None)."""
    return _msm(G1C, points, scalars)


def msm_g2(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """sum_i scalars[i] * points[i] in G2."""
    return _msm(G2C, points, scalars)
