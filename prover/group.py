"""G1 and G2 operations on arrays of affine points (Numba kernels, both groups from one source).

Public functions validate shapes, dtypes and ranges, and convert; `_k_*` kernels compute with
the formulas of `prover.curve_formulas`. Layouts: see `prover.convert` (G1 (n, 8), G2 (n, 16)
Montgomery rows, infinity all zeros). Scalars are canonical (n, 4) uint64 limbs below r.

The plain twin with the same API is `prover.ref.group`; tests/test_group.py runs one set of
tests over both.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from circuits.field import ints_to_limbs
from prover.convert import G1_COLS, G2_COLS, first_not_below
from prover.curve_formulas import (TAG_G1, TAG_G2, aff_is_inf, aff_on_curve, batch_inverse_rows,
                                   fe_load, fe_one, fe_store, fe_zero, jac_add, jac_add_affine,
                                   jac_double, jac_mul, jac_to_affine, pair_den, pair_finish)
from prover.fields import FQ2_ZERO, FQ_ZERO, Q_T as FQ_Q_T, fe_is_zero, fe_mul, fe_neg, fe_sqr
from prover.mont import FQ, FR

Q = FQ.p
R = FR.p
_Q_T = FQ_Q_T
_LIKE = {G1_COLS: FQ_ZERO, G2_COLS: FQ2_ZERO}
_TAG = {G1_COLS: TAG_G1, G2_COLS: TAG_G2}


@njit(cache=True)
def _k_on_curve(a, out, like):
    """out[i]: row i has canonical limbs (every 4-limb coordinate part < q) and is on the curve
    (or is the infinity encoding)."""
    for i in range(a.shape[0]):
        ok = True
        for o in range(0, a.shape[1], 4):
            for k in range(3, -1, -1):          # lexicographic a[i, o:o+4] < q
                if a[i, o + k] != _Q_T[k]:
                    if a[i, o + k] > _Q_T[k]:
                        ok = False
                    break
                if k == 0:
                    ok = False                  # equal to q
        out[i] = ok and aff_on_curve(fe_load(a, i, 0, like), fe_load(a, i, 1, like))


@njit(cache=True)
def _k_binop(op, a, b, out, like):
    """Elementwise on affine rows: op 0 Jacobian add, 1 mixed add, 2 batch-affine pair add,
    3 double, 4 negate (a only). Results affine."""
    n = a.shape[0]
    if op == 2:
        den = np.empty((n, out.shape[1] // 2), dtype=np.uint64)
        pref = np.empty_like(den)
        kinds = np.empty(n, dtype=np.uint8)
        for i in range(n):
            d, kd = pair_den(fe_load(a, i, 0, like), fe_load(a, i, 1, like),
                             fe_load(b, i, 0, like), fe_load(b, i, 1, like))
            fe_store(den, i, 0, d)
            kinds[i] = kd
        batch_inverse_rows(den, pref, n, like)
        for i in range(n):
            x3, y3 = pair_finish(fe_load(a, i, 0, like), fe_load(a, i, 1, like),
                                 fe_load(b, i, 0, like), fe_load(b, i, 1, like),
                                 fe_load(den, i, 0, like), kinds[i])
            fe_store(out, i, 0, x3)
            fe_store(out, i, 1, y3)
        return
    one = fe_one(like)
    for i in range(n):
        x1, y1 = fe_load(a, i, 0, like), fe_load(a, i, 1, like)
        x2, y2 = fe_load(b, i, 0, like), fe_load(b, i, 1, like)
        z1 = fe_zero(like) if aff_is_inf(x1, y1) else one
        z2 = fe_zero(like) if aff_is_inf(x2, y2) else one
        if op == 0:
            X, Y, Z = jac_add(x1, y1, z1, x2, y2, z2)
        elif op == 1:
            X, Y, Z = jac_add_affine(x1, y1, z1, x2, y2)
        elif op == 3:
            X, Y, Z = jac_double(x1, y1, z1)
        else:
            X, Y, Z = x1, fe_neg(y1), z1
        x3, y3 = jac_to_affine(X, Y, Z)
        fe_store(out, i, 0, x3)
        fe_store(out, i, 1, y3)


@njit(cache=True)
def _k_mul(a, s, out, like):
    """out[i] = s[i] * a[i] by double-and-add (s canonical 4-limb integers)."""
    one = fe_one(like)
    for i in range(a.shape[0]):
        x, y = fe_load(a, i, 0, like), fe_load(a, i, 1, like)
        z = fe_zero(like) if aff_is_inf(x, y) else one
        X, Y, Z = jac_mul(x, y, z, s[i, 0], s[i, 1], s[i, 2], s[i, 3])
        x3, y3 = jac_to_affine(X, Y, Z)
        fe_store(out, i, 0, x3)
        fe_store(out, i, 1, y3)


@njit(cache=True)
def _k_batch_to_affine(jac, out, like):
    """Jacobian rows -> affine rows with one inversion for all (infinity -> (0, 0))."""
    n = jac.shape[0]
    den = np.empty((n, out.shape[1] // 2), dtype=np.uint64)
    pref = np.empty_like(den)
    one = fe_one(like)
    for i in range(n):
        Z = fe_load(jac, i, 2, like)
        fe_store(den, i, 0, one if fe_is_zero(Z) else Z)
    batch_inverse_rows(den, pref, n, like)
    for i in range(n):
        Z = fe_load(jac, i, 2, like)
        if fe_is_zero(Z):
            z = fe_zero(like)
            fe_store(out, i, 0, z)
            fe_store(out, i, 1, z)
            continue
        zi = fe_load(den, i, 0, like)
        zi2 = fe_sqr(zi)
        fe_store(out, i, 0, fe_mul(fe_load(jac, i, 0, like), zi2))
        fe_store(out, i, 1, fe_mul(fe_load(jac, i, 1, like), fe_mul(zi2, zi)))


# --- validation -----------------------------------------------------------------------------------

def check_points(arr, cols: int, what: str = "points") -> np.ndarray:
    """Validate an affine point array: 2-D, `cols` columns, uint64; returns it C-contiguous."""
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{what} must be a numpy array, got {type(arr).__name__}")
    if arr.dtype != np.uint64:
        raise ValueError(f"{what} must have dtype uint64, got {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != cols:
        raise ValueError(f"{what} must have shape (n, {cols}), got {arr.shape}")
    return np.ascontiguousarray(arr)


def first_invalid_point(arr: np.ndarray):
    """(index, reason) of the first row of a G1 (n, 8) or G2 (n, 16) Montgomery array that has
    a coordinate not below q or is not on its curve (infinity (0, 0) passes), or None."""
    cols = arr.shape[1]
    arr = check_points(arr, cols)
    ok = np.empty(arr.shape[0], dtype=np.bool_)
    _k_on_curve(arr, ok, _LIKE[cols])
    bad = np.flatnonzero(~ok)
    if not len(bad):
        return None
    i = int(bad[0])
    above_q = first_not_below(arr[i].reshape(-1, 4), Q) >= 0
    return i, ("has a coordinate not below q" if above_q
               else f"is not on the {'G1' if cols == G1_COLS else 'G2'} curve")


def check_scalars(s, n: int | None = None, what: str = "scalars") -> np.ndarray:
    """Validate canonical scalars: (n, 4) uint64 limbs, each value < r. A list or tuple of
    Python ints in [0, r) is accepted too and converted."""
    if isinstance(s, (list, tuple)):
        for i, v in enumerate(s):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= int(v) < R:
                raise ValueError(f"{what}[{i}] is not an integer in [0, r): {v!r}")
        s = ints_to_limbs([int(v) for v in s]).reshape(len(s), 4)
    if not isinstance(s, np.ndarray):
        raise ValueError(f"{what} must be a numpy array, got {type(s).__name__}")
    if s.dtype != np.uint64:
        raise ValueError(f"{what} must have dtype uint64, got {s.dtype}")
    if s.ndim != 2 or s.shape[1] != 4 or (n is not None and s.shape[0] != n):
        want = f"({n}, 4)" if n is not None else "(n, 4)"
        raise ValueError(f"{what} must have shape {want}, got {s.shape}")
    s = np.ascontiguousarray(s)
    bad = first_not_below(s, R)
    if bad >= 0:
        raise ValueError(f"{what}[{bad}] is not below r (scalars must be canonical, < r)")
    return s


# --- array operations -------------------------------------------------------------------------------

def _binop(op: int, a, b, cols: int) -> np.ndarray:
    a = check_points(a, cols, "a")
    b = a if b is None else check_points(b, cols, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    out = np.empty_like(a)
    _k_binop(op, a, b, out, _LIKE[cols])
    return out


def g1_add(a, b) -> np.ndarray:
    """Elementwise a[i] + b[i] (Jacobian formulas, complete), affine (n, 8) in and out."""
    return _binop(0, a, b, G1_COLS)


def g2_add(a, b) -> np.ndarray:
    return _binop(0, a, b, G2_COLS)


def g1_add_mixed(a, b) -> np.ndarray:
    """a[i] + b[i] by the mixed Jacobian + affine formula (same results as g1_add)."""
    return _binop(1, a, b, G1_COLS)


def g2_add_mixed(a, b) -> np.ndarray:
    return _binop(1, a, b, G2_COLS)


def g1_add_batch_affine(a, b) -> np.ndarray:
    """a[i] + b[i] in affine coordinates with one shared inversion (the MSM's inner step)."""
    return _binop(2, a, b, G1_COLS)


def g2_add_batch_affine(a, b) -> np.ndarray:
    return _binop(2, a, b, G2_COLS)


def g1_double(a) -> np.ndarray:
    return _binop(3, a, None, G1_COLS)


def g2_double(a) -> np.ndarray:
    return _binop(3, a, None, G2_COLS)


def g1_neg(a) -> np.ndarray:
    return _binop(4, a, None, G1_COLS)


def g2_neg(a) -> np.ndarray:
    return _binop(4, a, None, G2_COLS)


def g1_on_curve(a) -> np.ndarray:
    """Boolean per row: canonical limbs (< q) and on y^2 = x^3 + 3, or the infinity encoding
    (0, 0). No subgroup check needed: G1 has cofactor 1, so on the curve means in the group."""
    a = check_points(a, G1_COLS)
    out = np.empty(a.shape[0], dtype=np.bool_)
    _k_on_curve(a, out, FQ_ZERO)
    return out


def g2_on_curve(a) -> np.ndarray:
    """Boolean per row: canonical limbs (< q) and on the twist y^2 = x^3 + 3/(9+u), or (0, 0).
    Not a subgroup check (the twist has a large cofactor; see prover.ref.curves.g2_in_subgroup)."""
    a = check_points(a, G2_COLS)
    out = np.empty(a.shape[0], dtype=np.bool_)
    _k_on_curve(a, out, FQ2_ZERO)
    return out


def _mul(a, s, cols):
    a = check_points(a, cols)
    s = check_scalars(s, a.shape[0])
    out = np.empty_like(a)
    _k_mul(a, s, out, _LIKE[cols])
    return out


def g1_mul(a, scalars) -> np.ndarray:
    """Elementwise scalars[i] * a[i] by double-and-add (a simple twin of the fast paths)."""
    return _mul(a, scalars, G1_COLS)


def g2_mul(a, scalars) -> np.ndarray:
    return _mul(a, scalars, G2_COLS)


def g1_batch_to_affine(jac) -> np.ndarray:
    """(n, 12) Jacobian rows [X, Y, Z] -> (n, 8) affine, one inversion for all."""
    jac = check_points(jac, 12, "jacobian points")
    out = np.empty((jac.shape[0], G1_COLS), dtype=np.uint64)
    _k_batch_to_affine(jac, out, FQ_ZERO)
    return out


def g2_batch_to_affine(jac) -> np.ndarray:
    jac = check_points(jac, 24, "jacobian points")
    out = np.empty((jac.shape[0], G2_COLS), dtype=np.uint64)
    _k_batch_to_affine(jac, out, FQ2_ZERO)
    return out


def on_curve_one(a: np.ndarray) -> bool:
    """One G1 (8,) or G2 (16,) row: canonical and on its curve (or infinity)."""
    a = np.ascontiguousarray(a, dtype=np.uint64).reshape(1, -1)
    out = np.empty(1, dtype=np.bool_)
    _k_on_curve(a, out, _LIKE[a.shape[1]])
    return bool(out[0])
