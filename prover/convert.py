"""Conversions between Python ints and the prover's limb arrays, and the one range scan.

Layouts (used everywhere in the prover):
- A field element is four uint64 limbs, least significant first. "Canonical" limbs hold the
  value itself, "Montgomery" limbs hold x * 2^256 mod p; both are always below p.
- An affine G1 point is an (8,) row [x, y] of Montgomery Fq limbs, a G2 point a (16,) row
  [x.c0, x.c1, y.c0, y.c1]; arrays of points are (n, 8) / (n, 16). The point at infinity is
  all zeros, as in circom/snarkjs zkey files ((0, 0) is on neither curve, so the encoding
  is unambiguous).
- Plain-int points are those of `prover.ref.curves`: G1 (x, y), G2 ((x0, x1), (y0, y1)) with
  x = x0 + x1 u, and None for infinity (the `*_from_ints` functions also accept (0, 0)).

Naming: `g1_from_ints` / `g1_to_ints` convert whole arrays (lists of points), `g1_row` /
`g1_point` one point. py_ecc conversions of plain-int points are in `prover.ref.curves`.

`first_not_below(limbs, p)` is the prover's one scan for "the first row >= the modulus" (key
coordinates against q, scalars and coefficients against r). `circuits.circom_io` keeps its
own for witness and R1CS files, as circuits may not import the prover.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from numba import njit

from .mont import FQ, MASK64, FieldParams

G1_COLS, G2_COLS = 8, 16


def int_limbs(x: int) -> np.ndarray:
    """One integer in [0, 2^256) as a (4,) uint64 limb array (no reduction)."""
    return np.array([(x >> (64 * i)) & MASK64 for i in range(4)], dtype=np.uint64)


def to_mont(values: Sequence[int], params: FieldParams) -> np.ndarray:
    """Ints (reduced mod p here) -> (n, 4) uint64 Montgomery limbs (plain Python, exact)."""
    p, Rm = params.p, params.R
    buf = b"".join(((int(v) % p) * Rm % p).to_bytes(32, "little") for v in values)
    return np.frombuffer(buf, dtype="<u8").reshape(-1, 4).astype(np.uint64)


def from_mont(limbs: np.ndarray, params: FieldParams) -> list[int]:
    """(n, 4) Montgomery limbs (any shape with 4k limbs) -> canonical ints."""
    raw = np.ascontiguousarray(limbs, dtype="<u8").tobytes()
    p, Ri = params.p, params.Rinv
    return [int.from_bytes(raw[i:i + 32], "little") * Ri % p for i in range(0, len(raw), 32)]


# --- the range scan ------------------------------------------------------------------------------

@njit(cache=True)
def _k_first_not_below(a, p):
    """Index of the first row of the (n, 4) limb array a whose value is >= p (4 limbs), or -1."""
    for i in range(a.shape[0]):
        ge = True                       # stays True when a[i] == p
        for k in range(3, -1, -1):
            if a[i, k] != p[k]:
                ge = a[i, k] > p[k]
                break
        if ge:
            return i
    return -1


def first_not_below(limbs: np.ndarray, p: int) -> int:
    """Index of the first row of an (n, 4) little-endian uint64 limb array that is >= p, or -1."""
    a = np.ascontiguousarray(limbs, dtype=np.uint64).reshape(-1, 4)
    if not a.flags.writeable:
        a = a.copy()                    # one Numba specialisation: writable arrays only
    return int(_k_first_not_below(a, int_limbs(p)))


# --- points: Montgomery rows <-> plain ints ---------------------------------------------------------

def _rows_from_ints(rows: list[list[int]], width: int) -> np.ndarray:
    """Rows of `width` canonical ints (each < q) -> (n, 4 * width) Montgomery limb rows."""
    Q, Rm = FQ.p, FQ.R
    buf = bytearray()
    for row in rows:
        for v in row:
            v = int(v)
            if not 0 <= v < Q:
                raise ValueError(f"coordinate {v} is not below q")
            buf += (v * Rm % Q).to_bytes(32, "little")
    return np.frombuffer(bytes(buf), dtype="<u8").reshape(len(rows), 4 * width).astype(np.uint64)


def _rows_to_ints(arr: np.ndarray, width: int) -> list[list[int]]:
    vals = from_mont(arr, FQ)
    return [vals[i:i + width] for i in range(0, len(vals), width)]


def _check_rows(arr, cols: int) -> np.ndarray:
    if not isinstance(arr, np.ndarray) or arr.dtype != np.uint64 or arr.ndim != 2 or arr.shape[1] != cols:
        got = f"{arr.dtype} {arr.shape}" if isinstance(arr, np.ndarray) else type(arr).__name__
        raise ValueError(f"points must be a (n, {cols}) uint64 array, got {got}")
    return arr


def g1_from_ints(points) -> np.ndarray:
    """[(x, y) | None] canonical ints -> (n, 8) Montgomery rows; None (or (0, 0)) is infinity."""
    return _rows_from_ints([[0, 0] if p is None else [p[0], p[1]] for p in points], 2)


def g1_to_ints(arr: np.ndarray) -> list:
    """(n, 8) Montgomery rows -> [(x, y) | None] canonical ints."""
    rows = _rows_to_ints(_check_rows(arr, G1_COLS), 2)
    return [None if r[0] == 0 and r[1] == 0 else (r[0], r[1]) for r in rows]


def g2_from_ints(points) -> np.ndarray:
    """[((x0, x1), (y0, y1)) | None] -> (n, 16) Montgomery rows."""
    rows = [[0, 0, 0, 0] if p is None else [p[0][0], p[0][1], p[1][0], p[1][1]] for p in points]
    return _rows_from_ints(rows, 4)


def g2_to_ints(arr: np.ndarray) -> list:
    """(n, 16) Montgomery rows -> [((x0, x1), (y0, y1)) | None]."""
    rows = _rows_to_ints(_check_rows(arr, G2_COLS), 4)
    return [None if not any(r) else ((r[0], r[1]), (r[2], r[3])) for r in rows]


def g1_row(p) -> np.ndarray:
    """One G1 point (x, y) | None -> its (8,) row."""
    return g1_from_ints([p])[0]


def g2_row(p) -> np.ndarray:
    """One G2 point ((x0, x1), (y0, y1)) | None -> its (16,) row."""
    return g2_from_ints([p])[0]


def g1_point(row: np.ndarray) -> Optional[tuple]:
    """One (8,) row -> (x, y) canonical ints, or None for infinity."""
    return g1_to_ints(np.asarray(row, dtype=np.uint64).reshape(1, G1_COLS))[0]


def g2_point(row: np.ndarray) -> Optional[tuple]:
    """One (16,) row -> ((x0, x1), (y0, y1)), or None for infinity."""
    return g2_to_ints(np.asarray(row, dtype=np.uint64).reshape(1, G2_COLS))[0]
