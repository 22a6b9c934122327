"""Plain-Python validation and conversion of the prover's arrays, for the reference twins.

The twins in `prover.ref` take and return the same uint64 arrays as the Numba modules (so
one test runs over both); this is their plain version of the checks the fast modules make
at their boundary: shapes and dtypes, canonical values below the modulus.
"""
from __future__ import annotations

import numpy as np

from circuits.field import R, ints_to_limbs, limbs_to_ints


def check_points(arr, cols: int, what: str = "points") -> np.ndarray:
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{what} must be a numpy array, got {type(arr).__name__}")
    if arr.dtype != np.uint64:
        raise ValueError(f"{what} must have dtype uint64, got {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != cols:
        raise ValueError(f"{what} must have shape (n, {cols}), got {arr.shape}")
    return arr


def scalar_ints(s, n: int | None = None, what: str = "scalars") -> list[int]:
    """Canonical scalars ((n, 4) uint64 limbs or a list of ints), each checked < r, as ints."""
    if isinstance(s, (list, tuple)):
        for i, v in enumerate(s):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= int(v) < R:
                raise ValueError(f"{what}[{i}] is not an integer in [0, r): {v!r}")
        vals = [int(v) for v in s]
    else:
        if not isinstance(s, np.ndarray):
            raise ValueError(f"{what} must be a numpy array, got {type(s).__name__}")
        if s.dtype != np.uint64:
            raise ValueError(f"{what} must have dtype uint64, got {s.dtype}")
        if s.ndim != 2 or s.shape[1] != 4:
            raise ValueError(f"{what} must have shape (n, 4), got {s.shape}")
        vals = limbs_to_ints(s)
        for i, v in enumerate(vals):
            if v >= R:
                raise ValueError(f"{what}[{i}] is not below r (scalars must be canonical, < r)")
    if n is not None and len(vals) != n:
        raise ValueError(f"{what} must have shape ({n}, 4), got ({len(vals)}, 4)")
    return vals


def limbs_of(values) -> np.ndarray:
    """Ints in [0, 2^256) -> (n, 4) uint64 limbs (an empty list gives (0, 4))."""
    vals = list(values)
    return ints_to_limbs(vals) if vals else np.zeros((0, 4), dtype=np.uint64)
