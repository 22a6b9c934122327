"""Many scalar multiples of the G1 / G2 generators (Groth16 setup), as Montgomery limb rows.

`g1_mul_many` / `g2_mul_many` use the Numba window-table kernels of prover.curve_nb; the
`*_reference` twins use py_ecc, one multiplication at a time, and are what tests compare with.
"""
from __future__ import annotations

import numpy as np
from py_ecc import optimized_bn128 as ob

from circuits.field import R

from .keys import g1_from_ints, g2_from_ints


def _norm1(p):
    if p is None or ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return int(x), int(y)


def _norm2(p):
    if p is None or ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return (int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1]))


def g1_mul_many_reference(scalars) -> np.ndarray:
    rows = [g1_from_ints(_norm1(ob.multiply(ob.G1, s % R)) if s % R else None) for s in scalars]
    return np.array(rows, dtype=np.uint64).reshape(-1, 8)


def g2_mul_many_reference(scalars) -> np.ndarray:
    rows = [g2_from_ints(_norm2(ob.multiply(ob.G2, s % R)) if s % R else None) for s in scalars]
    return np.array(rows, dtype=np.uint64).reshape(-1, 16)


G1_GEN = g1_from_ints(_norm1(ob.G1))
G2_GEN = g2_from_ints(_norm2(ob.G2))


def _limbs(scalars) -> np.ndarray:
    from circuits.field import ints_to_limbs
    vals = [int(s) % R for s in scalars]
    return ints_to_limbs(vals) if vals else np.zeros((0, 4), dtype=np.uint64)


def g1_mul_many(scalars) -> np.ndarray:
    """[s_i]G1 for every scalar, (n, 8) Montgomery affine rows (infinity all zeros)."""
    from .curve_nb import g1_batch_mul
    lim = _limbs(scalars)
    return g1_batch_mul(G1_GEN, lim) if len(lim) else np.zeros((0, 8), dtype=np.uint64)


def g2_mul_many(scalars) -> np.ndarray:
    """[s_i]G2 for every scalar, (n, 16) Montgomery affine rows."""
    from .curve_nb import g2_batch_mul
    lim = _limbs(scalars)
    return g2_batch_mul(G2_GEN, lim) if len(lim) else np.zeros((0, 16), dtype=np.uint64)
