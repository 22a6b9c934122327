"""The plain twin of `prover.fixed_base`, same API: one double-and-add per scalar
(`prover.ref.curves`)."""
from __future__ import annotations

import numpy as np

from circuits.field import R
from prover.convert import G1_COLS, G2_COLS, g1_from_ints, g1_row, g1_to_ints, g2_from_ints, g2_row, g2_to_ints

from .arrays import check_points, scalar_ints
from .curves import G1_GEN as _G1, G2_GEN as _G2, G1C, G2C

G1_GEN = g1_row(_G1)
G2_GEN = g2_row(_G2)


def _batch_mul(base, scalars, cols, curve, to_ints, from_ints) -> np.ndarray:
    base = check_points(np.asarray(base).reshape(1, -1) if np.ndim(base) == 1 else base, cols, "base")
    if base.shape[0] != 1:
        raise ValueError(f"base must be one point, got {base.shape[0]}")
    s = scalar_ints(scalars)
    p = to_ints(base)[0]
    if s and p is not None and not curve.is_on_curve(p):
        raise ValueError("base point is not on the curve")
    return from_ints([curve.mul(p, k) for k in s]).reshape(-1, cols)


def g1_batch_mul(base, scalars) -> np.ndarray:
    return _batch_mul(base, scalars, G1_COLS, G1C, g1_to_ints, g1_from_ints)


def g2_batch_mul(base, scalars) -> np.ndarray:
    return _batch_mul(base, scalars, G2_COLS, G2C, g2_to_ints, g2_from_ints)


def g1_mul_many(scalars) -> np.ndarray:
    return g1_batch_mul(G1_GEN, [int(s) % R for s in scalars])


def g2_mul_many(scalars) -> np.ndarray:
    return g2_batch_mul(G2_GEN, [int(s) % R for s in scalars])
