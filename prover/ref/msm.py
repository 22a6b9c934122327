"""Naive multi-scalar multiplication: the plain twin of `prover.msm`, same API.

msm(P, s) = sum_i s_i * P_i, one double-and-add per term, accumulated in Jacobian
coordinates with the formulas of `prover.ref.curves`. `msm_g1` / `msm_g2` take the fast
module's arrays (Montgomery affine rows, canonical scalar limbs) and return its (8,) / (16,)
row; `g1_msm_ints` / `g2_msm_ints` work on plain-int points and scalars.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from prover.convert import G1_COLS, G2_COLS, g1_from_ints, g1_to_ints, g2_from_ints, g2_to_ints

from .arrays import check_points, scalar_ints
from .curves import G1C, G2C, Curve, Point


def _msm(curve: Curve, points: Sequence[Point], scalars: Sequence[int]) -> Point:
    if len(points) != len(scalars):
        raise ValueError(f"msm: {len(points)} points but {len(scalars)} scalars")
    acc = curve.jac_infinity
    for p, s in zip(points, scalars):
        acc = curve.jac_add(acc, curve.jac_mul(curve.to_jac(p), int(s)))
    return curve.from_jac(acc)


def g1_msm_ints(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """sum_i scalars[i] * points[i] in G1 (plain-int affine in and out; empty sum = None)."""
    return _msm(G1C, points, scalars)


def g2_msm_ints(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """sum_i scalars[i] * points[i] in G2."""
    return _msm(G2C, points, scalars)


def _check_on_curve(curve: Curve, pts: list) -> None:
    for i, p in enumerate(pts):
        if not curve.is_on_curve(p):
            raise ValueError(f"point {i} is not on the {curve.name} curve")


def _check_window(window) -> None:
    if window is not None and not 1 <= window <= 24:
        raise ValueError(f"window must be in 1..24, got {window}")


def msm_g1(points, scalars, *, check: bool = False, window: int | None = None) -> np.ndarray:
    """As `prover.msm.msm_g1` (window is checked, then unused: there are no windows here)."""
    _check_window(window)
    pts = g1_to_ints(check_points(points, G1_COLS))
    s = scalar_ints(scalars, len(pts))
    if check:
        _check_on_curve(G1C, pts)
    return g1_from_ints([g1_msm_ints(pts, s)])[0]


def msm_g2(points, scalars, *, check: bool = False, window: int | None = None) -> np.ndarray:
    """As `prover.msm.msm_g2`."""
    _check_window(window)
    pts = g2_to_ints(check_points(points, G2_COLS))
    s = scalar_ints(scalars, len(pts))
    if check:
        _check_on_curve(G2C, pts)
    return g2_from_ints([g2_msm_ints(pts, s)])[0]
