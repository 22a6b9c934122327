"""Many scalar multiples of one fixed point (the Groth16 setup's key points), in Numba.

`g1_batch_mul(base, scalars)` / `g2_batch_mul` build a window table of the base (signed
c-bit digits, table of d * 2^(c w) * base for d = 1..2^(c-1)) and accumulate every scalar's
windows in affine coordinates, adding one window to a whole chunk of accumulators with one
shared inversion (`prover.curve_formulas.pair_den` / `pair_finish`). Measured ~5 us per G1
point and ~17 us per G2 point of CPU time at 2^16 scalars (both cores share the scalars).
`g1_mul_many` / `g2_mul_many` take Python ints and the generators.

The plain twin with the same API is `prover.ref.fixed_base`.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from circuits.field import R, ints_to_limbs
from prover import threads
from prover.convert import G1_COLS, G2_COLS, g1_row, g2_row
from prover.fields import fe_neg
from prover.curve_formulas import (batch_inverse_rows, fe_like, fe_load, fe_one, fe_store,
                                   jac_add, jac_double, pair_den, pair_finish, signed_digits)
from prover.group import _LIKE, _TAG, _k_batch_to_affine, check_points, check_scalars, on_curve_one
from prover.mont import ZERO
from prover.ref.curves import G1_GEN as _G1_GEN_INTS, G2_GEN as _G2_GEN_INTS

G1_GEN = g1_row(_G1_GEN_INTS)
G2_GEN = g2_row(_G2_GEN_INTS)

_FB_CHUNK = 256


@njit(cache=True)
def _k_fb_table(base, c, nwin, like):
    """Affine table T[w * H + (d - 1)] = d * 2^(c w) * base, d = 1..H, H = 2^(c-1)."""
    H = 1 << (c - 1)
    K2 = base.shape[1]
    jac = np.empty((nwin * H, K2 // 2 * 3), dtype=np.uint64)
    x, y = fe_load(base, 0, 0, like), fe_load(base, 0, 1, like)
    GX, GY, GZ = x, y, fe_one(like)
    for w in range(nwin):
        RX, RY, RZ = GX, GY, GZ
        for d in range(H):
            fe_store(jac, w * H + d, 0, RX)
            fe_store(jac, w * H + d, 1, RY)
            fe_store(jac, w * H + d, 2, RZ)
            RX, RY, RZ = jac_add(RX, RY, RZ, GX, GY, GZ)
        for _ in range(c):                 # next window's unit: 2^c * current unit
            GX, GY, GZ = jac_double(GX, GY, GZ)
    out = np.empty((nwin * H, K2), dtype=np.uint64)
    _k_batch_to_affine(jac, out, like)
    return out



@njit(cache=True)
def _fb_chunk(table, scalars, c, nwin, out, lo, hi, tag):
    """Scalars lo..hi of `_fb_mul`: accumulators live in out[lo:hi]."""
    like = fe_like(tag)
    H = 1 << (c - 1)
    K = out.shape[1] // 2
    m = hi - lo
    digs = np.empty((m, nwin), dtype=np.int64)
    for k in range(m):
        i = lo + k
        signed_digits(scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3], c, nwin, digs[k])
    for k in range(m):
        for j in range(2 * K):
            out[lo + k, j] = ZERO
    den = np.empty((m, K), dtype=np.uint64)
    pref = np.empty((m, K), dtype=np.uint64)
    kinds = np.empty(m, dtype=np.uint8)
    one = fe_one(like)
    for w in range(nwin):
        for k in range(m):
            d = digs[k, w]
            if d == 0:
                fe_store(den, k, 0, one)
                continue
            row = w * H + abs(d) - 1
            x2, y2 = fe_load(table, row, 0, like), fe_load(table, row, 1, like)
            if d < 0:
                y2 = fe_neg(y2)
            dn, kd = pair_den(fe_load(out, lo + k, 0, like), fe_load(out, lo + k, 1, like), x2, y2)
            fe_store(den, k, 0, dn)
            kinds[k] = kd
        batch_inverse_rows(den, pref, m, like)
        for k in range(m):
            d = digs[k, w]
            if d == 0:
                continue
            row = w * H + abs(d) - 1
            x2, y2 = fe_load(table, row, 0, like), fe_load(table, row, 1, like)
            if d < 0:
                y2 = fe_neg(y2)
            x3, y3 = pair_finish(fe_load(out, lo + k, 0, like), fe_load(out, lo + k, 1, like),
                                 x2, y2, fe_load(den, k, 0, like), kinds[k])
            fe_store(out, lo + k, 0, x3)
            fe_store(out, lo + k, 1, y3)


def _fb_mul(table, scalars, c: int, nwin: int, out, tag) -> None:
    """out[i] = scalars[i] * base from the window table, with batch-affine accumulation.

    Signed c-bit digits d in [-2^(c-1), 2^(c-1)]: each window adds +-T[w][|d| - 1].
    Scalars are split in chunks of _FB_CHUNK; each chunk keeps its accumulators in `out` and
    adds one window at a time to all of them with one shared inversion. The chunks are dealt
    to Python threads running the nogil kernel (no Numba parallel region: it cost seconds of
    first-run compile time per group for no speed).
    """
    n = scalars.shape[0]
    threads.run(_fb_chunks, -(-n // _FB_CHUNK), threads.PARALLEL_MIN, table, scalars, c, nwin, out, tag)


@njit(cache=True, nogil=True)
def _fb_chunks(t, nt, table, scalars, c, nwin, out, tag):
    """Chunks t, t + nt, ... of the scalars (one thread's share)."""
    n = scalars.shape[0]
    nchunks = (n + _FB_CHUNK - 1) // _FB_CHUNK
    for ch in range(t, nchunks, nt):
        lo = ch * _FB_CHUNK
        _fb_chunk(table, scalars, c, nwin, out, lo, min(n, lo + _FB_CHUNK), tag)


def _fb_window(n: int) -> int:
    """Window for fixed-base tables: the table (nwin * 2^(c-1) points) stays well below n."""
    c = 4
    while c < 16 and (-(-255 // (c + 1))) * (1 << c) * 4 <= n:
        c += 1
    return c


def _batch_mul(base, scalars, cols: int) -> np.ndarray:
    if isinstance(base, np.ndarray) and base.ndim == 1:
        base = base.reshape(1, -1)
    base = check_points(base, cols, "base")
    if base.shape[0] != 1:
        raise ValueError(f"base must be one point, got {base.shape[0]}")
    s = check_scalars(scalars)
    n = s.shape[0]
    out = np.zeros((n, cols), dtype=np.uint64)
    if n == 0 or (base == 0).all():
        return out
    if not on_curve_one(base[0]):
        raise ValueError("base point is not on the curve")
    c = _fb_window(n)
    nwin = -(-255 // c)     # 255 bits: signed digits of a 254-bit scalar never carry out
    table = _k_fb_table(base, c, nwin, _LIKE[cols])
    _fb_mul(table, s, c, nwin, out, _TAG[cols])
    return out


def g1_batch_mul(base, scalars) -> np.ndarray:
    """scalars[i] * base for one fixed base (8,) or (1, 8) and canonical (n, 4) scalars < r.

    Window table of the base, signed digits, batch-affine accumulation; results (n, 8) affine.
    """
    return _batch_mul(base, scalars, G1_COLS)


def g2_batch_mul(base, scalars) -> np.ndarray:
    """As g1_batch_mul for a G2 base (16,) or (1, 16); results (n, 16)."""
    return _batch_mul(base, scalars, G2_COLS)


def _limbs(scalars) -> np.ndarray:
    vals = [int(s) % R for s in scalars]
    return ints_to_limbs(vals) if vals else np.zeros((0, 4), dtype=np.uint64)


def g1_mul_many(scalars) -> np.ndarray:
    """[s_i]G1 for every int scalar (reduced mod r), (n, 8) Montgomery affine rows."""
    return g1_batch_mul(G1_GEN, _limbs(scalars))


def g2_mul_many(scalars) -> np.ndarray:
    """[s_i]G2 for every int scalar (reduced mod r), (n, 16) Montgomery affine rows."""
    return g2_batch_mul(G2_GEN, _limbs(scalars))
