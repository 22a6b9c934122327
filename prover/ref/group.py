"""The plain twin of `prover.group`, same API: G1/G2 operations on arrays of affine points,
computed point by point with the int formulas of `prover.ref.curves`."""
from __future__ import annotations

import numpy as np

from circuits.field import limbs_to_ints
from prover.convert import (G1_COLS, G2_COLS, from_mont, g1_from_ints, g1_to_ints, g2_from_ints,
                            g2_to_ints)
from prover.mont import FQ

from . import curves as C
from .arrays import check_points, limbs_of, scalar_ints

Q = FQ.p
_CURVE = {G1_COLS: C.G1C, G2_COLS: C.G2C}
_TO = {G1_COLS: g1_to_ints, G2_COLS: g2_to_ints}
_FROM = {G1_COLS: g1_from_ints, G2_COLS: g2_from_ints}


def check_scalars(s, n: int | None = None, what: str = "scalars") -> np.ndarray:
    return limbs_of(scalar_ints(s, n, what))


def _canonical(arr: np.ndarray) -> list[bool]:
    """Per row: every 4-limb coordinate part below q."""
    k = arr.shape[1] // 4
    vals = limbs_to_ints(np.ascontiguousarray(arr).reshape(-1, 4))
    return [all(v < Q for v in vals[i * k:(i + 1) * k]) for i in range(arr.shape[0])]


def _on_curve(arr: np.ndarray, cols: int) -> list[bool]:
    arr = check_points(arr, cols)
    pts = _TO[cols](arr)
    return [ok and _CURVE[cols].is_on_curve(p) for ok, p in zip(_canonical(arr), pts)]


def first_invalid_point(arr: np.ndarray):
    cols = arr.shape[1]
    ok = _on_curve(arr, cols)
    if all(ok):
        return None
    i = ok.index(False)
    return i, ("has a coordinate not below q" if not _canonical(arr[i:i + 1])[0]
               else f"is not on the {'G1' if cols == G1_COLS else 'G2'} curve")


def on_curve_one(a: np.ndarray) -> bool:
    a = np.asarray(a, dtype=np.uint64).reshape(1, -1)
    return _on_curve(a, a.shape[1])[0]


def g1_on_curve(a) -> np.ndarray:
    return np.array(_on_curve(a, G1_COLS), dtype=np.bool_)


def g2_on_curve(a) -> np.ndarray:
    return np.array(_on_curve(a, G2_COLS), dtype=np.bool_)


def _binop(fn, a, b, cols: int) -> np.ndarray:
    a = check_points(a, cols, "a")
    b = a if b is None else check_points(b, cols, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return _FROM[cols]([fn(p, q) for p, q in zip(_TO[cols](a), _TO[cols](b))]).reshape(-1, cols)


def g1_add(a, b):
    return _binop(C.g1_add, a, b, G1_COLS)


def g2_add(a, b):
    return _binop(C.g2_add, a, b, G2_COLS)


g1_add_mixed = g1_add_batch_affine = g1_add      # one sum: the formulas differ only in the fast module
g2_add_mixed = g2_add_batch_affine = g2_add


def g1_double(a):
    return _binop(lambda p, q: C.g1_double(p), a, None, G1_COLS)


def g2_double(a):
    return _binop(lambda p, q: C.g2_double(p), a, None, G2_COLS)


def g1_neg(a):
    return _binop(lambda p, q: C.g1_neg(p), a, None, G1_COLS)


def g2_neg(a):
    return _binop(lambda p, q: C.g2_neg(p), a, None, G2_COLS)


def _mul(a, scalars, cols):
    a = check_points(a, cols)
    s = scalar_ints(scalars, a.shape[0])
    curve = _CURVE[cols]
    return _FROM[cols]([curve.mul(p, k) for p, k in zip(_TO[cols](a), s)]).reshape(-1, cols)


def g1_mul(a, scalars):
    return _mul(a, scalars, G1_COLS)


def g2_mul(a, scalars):
    return _mul(a, scalars, G2_COLS)


def _batch_to_affine(jac, cols: int) -> np.ndarray:
    jac = check_points(jac, cols // 2 * 3, "jacobian points")
    vals = from_mont(jac, FQ)
    k = cols // 8                                     # ints per coordinate: 1 (Fq) or 2 (Fq2)
    curve = _CURVE[cols]
    pts = []
    for i in range(jac.shape[0]):
        row = vals[i * 3 * k:(i + 1) * 3 * k]
        X, Y, Z = (row[j * k] if k == 1 else tuple(row[j * k:(j + 1) * k]) for j in range(3))
        pts.append(curve.from_jac((X, Y, Z)))
    return _FROM[cols](pts).reshape(-1, cols)


def g1_batch_to_affine(jac):
    return _batch_to_affine(jac, G1_COLS)


def g2_batch_to_affine(jac):
    return _batch_to_affine(jac, G2_COLS)
