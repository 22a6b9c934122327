"""EdDSA-Poseidon verification in Numba: exactly `circuits.eddsa.verify`, about 20x faster.

The rule is the reference's (circuits/eddsa.py): for a key A, a message msg and a
signature (R8, S),

    accept  iff  S < L,  A and R8 are on Baby Jubjub,  8*A != identity,
                 and  S * BASE8 == R8 + h * (8*A),   h = Poseidon(R8.x, R8.y, A.x, A.y, msg),

which is the reference's equation (h*(8A) = (h mod L)*(8A) = (8h)*A since 8A lies in the
subgroup of order L). Nothing is reduced away: R8 and A may carry torsion components,
S + L is refused by the range check, and the equation is compared exactly (a torsion
part in R8 makes it fail, as in the reference and the circuit).

How: the public functions validate types and ranges in Python, as the reference does
(`bj.is_point_like`, S in [0, L), msg in [0, r)), and convert to 4x64-bit limbs; one
kernel call then, per signature, checks both points on the curve (Montgomery form over
Fr, `prover.mont`), computes 8A by three doublings, the challenge with the Numba
Poseidon permutation (`zkrollup.poseidon_fast`), and S*BASE8 - h*(8A) in extended
twisted-Edwards coordinates (the complete add-2008-hwcd / dbl-2008-hwcd formulas of
`circuits.babyjub`): h*(-8A) by 4-bit windows over a table of 16 multiples (252
doublings, <= 64 additions), S*BASE8 by a precomputed comb (64 rows of 16 affine
multiples of 16^w * BASE8, <= 63 mixed additions, no doubling). The result is compared
with R8 projectively (X == x_R * Z, Y == y_R * Z), so no inversion is needed.

Public API: `verify(pub, msg, sig)` (one signature) and `verify_many(items)` (a list of
(pub, msg, sig), one kernel call); both return what `circuits.eddsa.verify` returns,
never raising on malformed input. `inputs(pub, msg, sig)` gives the six ints the verdict
depends on (None for input the reference refuses by type or range alone). Tests compare
them with the reference on Hypothesis inputs (valid, tampered, torsion, low-order,
identity, S near L, malformed) and the circomlibjs known answers.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from numba import njit

from circuits import babyjub as bj
from circuits.eddsa import Signature
from circuits.field import R, ints_to_limbs
from prover.convert import to_mont
from prover.mont import FR, U64, ZERO, fr_add, fr_mul, fr_sub, limbs

from . import poseidon_fast
from .poseidon_fast import permute as _permute

# Montgomery forms of the constants the kernels use (np.uint64 tuples: frozen by Numba).
ONE_M = limbs(FR.to_mont_int(1))
A_M = limbs(FR.to_mont_int(bj.A))
D_M = limbs(FR.to_mont_int(bj.D))
ZERO4 = (ZERO, ZERO, ZERO, ZERO)
RAW_ONE = (U64(1), ZERO, ZERO, ZERO)          # mont_mul(x, 1) = x / 2^256: out of Montgomery form
NIBBLE = U64(15)
COMB_ROWS = 64                                 # 4-bit windows of a scalar below 2^256
_CHALLENGE_WIDTH = 6                           # Poseidon of 5 inputs: t = 6


# --- field and point kernels (tuples of limbs, kept in registers) -----------------------

@njit(cache=True)
def _mul(x, y):
    return fr_mul(x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3])


@njit(cache=True)
def _add(x, y):
    return fr_add(x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3])


@njit(cache=True)
def _sub(x, y):
    return fr_sub(x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3])


@njit(inline="always", cache=True)
def _eq(x, y):
    return x[0] == y[0] and x[1] == y[1] and x[2] == y[2] and x[3] == y[3]


@njit(inline="always", cache=True)
def _get(row):
    return (row[0], row[1], row[2], row[3])


@njit(inline="always", cache=True)
def _put(row, x):
    row[0] = x[0]
    row[1] = x[1]
    row[2] = x[2]
    row[3] = x[3]


@njit(cache=True)
def _on_curve(x, y):
    """a x^2 + y^2 == 1 + d x^2 y^2 (Montgomery inputs)."""
    xx = _mul(x, x)
    yy = _mul(y, y)
    return _eq(_add(_mul(A_M, xx), yy), _add(ONE_M, _mul(D_M, _mul(xx, yy))))


@njit(cache=True)
def _ext_add(p, q):
    """add-2008-hwcd, complete on Baby Jubjub (a square, d not): as circuits.babyjub._ext_add."""
    x1, y1, t1, z1 = p
    x2, y2, t2, z2 = q
    aa = _mul(x1, x2)
    bb = _mul(y1, y2)
    cc = _mul(_mul(D_M, t1), t2)
    dd = _mul(z1, z2)
    e = _sub(_sub(_mul(_add(x1, y1), _add(x2, y2)), aa), bb)
    f = _sub(dd, cc)
    g = _add(dd, cc)
    h = _sub(bb, _mul(A_M, aa))
    return (_mul(e, f), _mul(g, h), _mul(e, h), _mul(f, g))


@njit(cache=True)
def _ext_madd(p, row):
    """p + an affine table point stored as (x, y, d*x*y) (z = 1): _ext_add with two fewer products."""
    x1, y1, t1, z1 = p
    x2, y2, dt2 = _get(row[0]), _get(row[1]), _get(row[2])
    aa = _mul(x1, x2)
    bb = _mul(y1, y2)
    cc = _mul(t1, dt2)
    e = _sub(_sub(_mul(_add(x1, y1), _add(x2, y2)), aa), bb)
    f = _sub(z1, cc)
    g = _add(z1, cc)
    h = _sub(bb, _mul(A_M, aa))
    return (_mul(e, f), _mul(g, h), _mul(e, h), _mul(f, g))


@njit(cache=True)
def _ext_double(p):
    """dbl-2008-hwcd: as circuits.babyjub._ext_double."""
    x1, y1, _, z1 = p
    aa = _mul(x1, x1)
    bb = _mul(y1, y1)
    zz = _mul(z1, z1)
    cc = _add(zz, zz)
    da = _mul(A_M, aa)
    xy = _add(x1, y1)
    e = _sub(_sub(_mul(xy, xy), aa), bb)
    g = _add(da, bb)
    f = _sub(g, cc)
    h = _sub(da, bb)
    return (_mul(e, f), _mul(g, h), _mul(e, h), _mul(f, g))


@njit(cache=True)
def _ext_double4(p):
    """16 * p: three doublings that skip T (no doubling reads it), then a full one."""
    for _ in range(3):
        x1, y1, _t, z1 = p
        aa = _mul(x1, x1)
        bb = _mul(y1, y1)
        zz = _mul(z1, z1)
        cc = _add(zz, zz)
        da = _mul(A_M, aa)
        xy = _add(x1, y1)
        e = _sub(_sub(_mul(xy, xy), aa), bb)
        g = _add(da, bb)
        f = _sub(g, cc)
        h = _sub(da, bb)
        p = (_mul(e, f), _mul(g, h), ZERO4, _mul(f, g))
    return _ext_double(p)


@njit(inline="always", cache=True)
def _put_point(tb, i, p):
    for c in range(4):
        _put(tb[i, c], p[c])


@njit(inline="always", cache=True)
def _get_point(tb, i):
    return (_get(tb[i, 0]), _get(tb[i, 1]), _get(tb[i, 2]), _get(tb[i, 3]))


@njit(inline="always", cache=True)
def _nibble(k, w):
    """Bits 4w..4w+3 of the canonical 4-limb scalar k."""
    return int((k[w >> 4] >> U64((w & 15) * 4)) & NIBBLE)


@njit(cache=True)
def _challenge(rx, ry, ax, ay, m, st, tmp, fc, pc, mds, pre, rows, cols):
    """h = Poseidon(R8.x, R8.y, A.x, A.y, msg) as canonical limbs (inputs in Montgomery form)."""
    _put(st[0], ZERO4)
    _put(st[1], rx)
    _put(st[2], ry)
    _put(st[3], ax)
    _put(st[4], ay)
    _put(st[5], m)
    _permute(st, fc, pc, mds, pre, rows, cols, tmp)
    return _mul(_get(st[0]), RAW_ONE)


@njit(cache=True)
def _verify_one(v, r2, comb, tb, st, tmp, fc, pc, mds, pre, rows, cols):
    """The rule of the module docstring for v = canonical limbs (A.x, A.y, R8.x, R8.y, msg, S)."""
    r2t = _get(r2)
    ax, ay = _mul(_get(v[0]), r2t), _mul(_get(v[1]), r2t)
    rx, ry = _mul(_get(v[2]), r2t), _mul(_get(v[3]), r2t)
    if not (_on_curve(ax, ay) and _on_curve(rx, ry)):
        return False
    q = _ext_double(_ext_double(_ext_double((ax, ay, _mul(ax, ay), ONE_M))))
    if _eq(q[0], ZERO4) and _eq(q[1], q[3]):
        return False                                # small-order key: 8A is the identity
    h = _challenge(rx, ry, ax, ay, _mul(_get(v[4]), r2t), st, tmp, fc, pc, mds, pre, rows, cols)
    neg_q = (_sub(ZERO4, q[0]), q[1], _sub(ZERO4, q[2]), q[3])
    ident = (ZERO4, ONE_M, ZERO4, ONE_M)
    _put_point(tb, 0, ident)
    _put_point(tb, 1, neg_q)
    for j in range(2, 16):
        _put_point(tb, j, _ext_add(_get_point(tb, j - 1), neg_q))
    acc = ident
    top = 63
    while top >= 0 and _nibble(h, top) == 0:
        top -= 1
    if top >= 0:
        acc = _get_point(tb, _nibble(h, top))
    for w in range(top - 1, -1, -1):                # h * (-8A)
        acc = _ext_double4(acc)
        d = _nibble(h, w)
        if d != 0:
            acc = _ext_add(acc, _get_point(tb, d))
    s = _get(v[5])
    for w in range(COMB_ROWS):                      # + S * BASE8
        d = _nibble(s, w)
        if d != 0:
            acc = _ext_madd(acc, comb[w, d])
    z = acc[3]
    return _eq(acc[0], _mul(rx, z)) and _eq(acc[1], _mul(ry, z))


@njit(cache=True)
def _verify_kernel(inp, out, r2, comb, fc, pc, mds, pre, rows, cols):
    """out[i] = 1 iff signature i (inp[i]: 6 canonical limb rows) verifies, else 0."""
    tb = np.empty((16, 4, 4), dtype=np.uint64)
    st = np.zeros((_CHALLENGE_WIDTH, 4), dtype=np.uint64)
    tmp = np.zeros((_CHALLENGE_WIDTH, 4), dtype=np.uint64)
    for i in range(inp.shape[0]):
        ok = _verify_one(inp[i], r2, comb, tb, st, tmp, fc, pc, mds, pre, rows, cols)
        out[i] = np.uint8(1) if ok else np.uint8(0)


# --- tables -------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _base8_comb() -> np.ndarray:
    """comb[w, d] = d * 16^w * BASE8 as Montgomery (x, y, d*x*y); row entry 0 unused."""
    values = []
    base = bj.BASE8
    for _ in range(COMB_ROWS):
        pt = bj.IDENTITY
        for _d in range(16):
            x, y = pt
            values += [x, y, bj.D * x * y % R]
            pt = bj.add(pt, base)
        for _ in range(4):
            base = bj.double(base)
    return to_mont(values, FR).reshape(COMB_ROWS, 16, 3, 4)


def _kernel_args() -> tuple:
    r2, fc, pc, mds, pre, rows, cols = poseidon_fast.params(_CHALLENGE_WIDTH)
    return (r2, _base8_comb(), fc, pc, mds, pre, rows, cols)


# --- public API -----------------------------------------------------------------------------

def inputs(pub: object, msg: object, sig: object) -> tuple | None:
    """The six ints the kernel checks, or None when the reference refuses the input's types
    or ranges (a point not a pair of ints in [0, r), S not in [0, L), msg not in [0, r))."""
    if not isinstance(sig, Signature) or not bj.is_point_like(pub) or not bj.is_point_like(sig.R8):
        return None
    s = sig.S
    if type(s) is not int or not 0 <= s < bj.L:
        return None
    if type(msg) is not int or not 0 <= msg < R:
        return None
    return (pub[0], pub[1], sig.R8[0], sig.R8[1], msg, s)


def verify_many(items: Sequence[tuple[object, object, object]]) -> list[bool]:
    """[circuits.eddsa.verify(pub, msg, sig) for pub, msg, sig in items], one kernel call."""
    parsed = [inputs(*it) if isinstance(it, tuple) and len(it) == 3 else None for it in items]
    good = [p for p in parsed if p is not None]
    verdicts = iter(())
    if good:
        inp = ints_to_limbs([v for p in good for v in p]).reshape(len(good), 6, 4)
        out = np.zeros(len(good), dtype=np.uint8)
        _verify_kernel(inp, out, *_kernel_args())
        verdicts = iter(out.tolist())
    return [p is not None and bool(next(verdicts)) for p in parsed]


def verify(pub: object, msg: object, sig: object) -> bool:
    """circuits.eddsa.verify(pub, msg, sig): True iff sig is a valid signature of msg under pub."""
    return verify_many([(pub, msg, sig)])[0]
