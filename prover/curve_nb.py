"""BN254 G1 and G2 point arithmetic in Numba, written once for both groups.

Field elements are limb tuples (see `prover.fq2_nb`): an Fq element is a 4-tuple of uint64,
an Fq2 element a pair of them. The generic `fe_*` functions (intrinsics from fq2_nb for the
arithmetic, overloads here for inversion, constants and array access) pick the Fq or Fq2 code
from the argument's type at compile time, so each curve kernel is written once and compiled
twice (G1 over Fq: y^2 = x^3 + 3; G2 over Fq2 on the twist y^2 = x^3 + 3/(9+u)). Both curves
have a = 0. Kernels that need the field but take no field value get a `like` argument (a
zero of the field) or, in parallel kernels, a tag array (`TAG_G1`, `TAG_G2`, see `fe_like`).

Fixed-base batch multiplication (`g1_batch_mul`, `g2_batch_mul`, for the Groth16 setup) uses
a window table of the base and batch-affine accumulation: measured ~5 us per G1 point and
~17 us per G2 point of CPU time at 2^16 scalars (both cores share the scalars).

Conventions (used everywhere in the prover):
- Montgomery form for every coordinate; canonical (< q) limbs.
- Affine arrays: G1 (n, 8) uint64 rows [x limbs, y limbs]; G2 (n, 16) rows
  [x.c0, x.c1, y.c0, y.c1], 4 limbs each.
- The affine point at infinity is all-zero coordinates (0, 0), as in circom/snarkjs zkey files;
  (0, 0) is on neither curve, so the encoding is unambiguous. Plain-int tuples are those of
  `prover.ref.curves`: (x, y) with None for infinity (`*_from_ints` also accepts (0, 0)).
  py_ecc points use py_ecc's own infinity (Z = 0 in optimized_bn128, None in bn128).
- Jacobian points (X, Y, Z) stand for (X/Z^2, Y/Z^3); Z = 0 is infinity. Jacobian arrays:
  G1 (n, 12), G2 (n, 24) rows [X, Y, Z].

Public Python functions validate shapes and dtypes and convert; `_k_*` kernels compute.
The plain reference for all of this is py_ecc (tests compare against it).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload
from py_ecc import optimized_bn128 as ob

from prover.fq2_nb import (FQ2_ONE, FQ2_ZERO, FQ_ONE, FQ_ZERO, Q_T, f2_inv, f_inv, fe_add, fe_dbl, fe_eq,
                           fe_is_zero, fe_mul, fe_mul_hot, fe_neg, fe_sqr, fe_sqr_hot, fe_sub)
from circuits.field import ints_to_limbs
from prover.mont import FQ, FR, ONE_U, ZERO

U64 = np.uint64
Q = FQ.p
R = FR.p
_MASK = (1 << 64) - 1


def _mont_limbs(x: int) -> tuple:
    m = (x % Q) * FQ.R % Q
    return tuple(U64((m >> (64 * i)) & _MASK) for i in range(4))


G1_B = _mont_limbs(3)
G2_B = (_mont_limbs(ob.b2.coeffs[0]), _mont_limbs(ob.b2.coeffs[1]))   # 3 / (9 + u)


# --- generic field operations (compile-time dispatch on the tuple type) ----------------------
# The arithmetic fe_mul, fe_add, ... are intrinsics from prover.fq2_nb; the rest are overloads.

def _is_fq(t) -> bool:
    return isinstance(t, types.UniTuple) and t.count == 4 and t.dtype == types.uint64


def _is_fq2(t) -> bool:
    return isinstance(t, types.UniTuple) and t.count == 2 and _is_fq(t.dtype)


def fe_inv(a):
    """1/a (0 -> 0)."""


def fe_zero(like):
    """The zero of like's field."""


def fe_one(like):
    """The one (Montgomery R) of like's field."""


def fe_curve_b(like):
    """The curve constant b of the group over like's field."""


def fe_like(tag):
    """A zero of the field selected by a tag array: 1-D tag -> Fq, 2-D tag -> Fq2.

    Parallel kernels cannot pass a nested tuple into a prange body, so they take this array
    tag instead and serial workers recover `like` from it.
    """


def fe_load(arr, i, j, like):
    """Field element j of row i (G1 rows hold 4-limb elements, G2 rows 8-limb ones)."""


def fe_store(arr, i, j, v):
    """Write field element v as element j of row i."""


@overload(fe_inv)
def _ol_inv(a):
    if _is_fq(a):
        return lambda a: f_inv(a)
    if _is_fq2(a):
        return lambda a: f2_inv(a)
    return None


def _ol_const(stub, fq_val, fq2_val):
    @overload(stub)
    def _impl(like):
        if _is_fq(like):
            return lambda like: fq_val
        if _is_fq2(like):
            return lambda like: fq2_val
        return None


_ol_const(fe_zero, FQ_ZERO, FQ2_ZERO)
_ol_const(fe_one, FQ_ONE, FQ2_ONE)
_ol_const(fe_curve_b, G1_B, G2_B)


@overload(fe_like)
def _ol_like(tag):
    if isinstance(tag, types.Array) and tag.ndim == 1:
        return lambda tag: FQ_ZERO
    if isinstance(tag, types.Array) and tag.ndim == 2:
        return lambda tag: FQ2_ZERO
    return None


TAG_G1 = np.zeros(1, dtype=np.uint64)
TAG_G2 = np.zeros((1, 1), dtype=np.uint64)


@overload(fe_load)
def _ol_load(arr, i, j, like):
    if _is_fq(like):
        def impl(arr, i, j, like):
            o = 4 * j
            return (arr[i, o], arr[i, o + 1], arr[i, o + 2], arr[i, o + 3])
        return impl
    if _is_fq2(like):
        def impl(arr, i, j, like):
            o = 8 * j
            return ((arr[i, o], arr[i, o + 1], arr[i, o + 2], arr[i, o + 3]),
                    (arr[i, o + 4], arr[i, o + 5], arr[i, o + 6], arr[i, o + 7]))
        return impl
    return None


@overload(fe_store)
def _ol_store(arr, i, j, v):
    if _is_fq(v):
        def impl(arr, i, j, v):
            o = 4 * j
            arr[i, o] = v[0]
            arr[i, o + 1] = v[1]
            arr[i, o + 2] = v[2]
            arr[i, o + 3] = v[3]
        return impl
    if _is_fq2(v):
        def impl(arr, i, j, v):
            o = 8 * j
            for k in range(4):
                arr[i, o + k] = v[0][k]
                arr[i, o + 4 + k] = v[1][k]
        return impl
    return None


# --- point formulas (a = 0) ----------------------------------------------------------------

@njit(inline="always", cache=True)
def fe_triple(a):
    return fe_add(fe_dbl(a), a)


@njit(inline="always", cache=True)
def aff_is_inf(x, y):
    return fe_is_zero(x) and fe_is_zero(y)


@njit(cache=True)
def aff_on_curve(x, y):
    """y^2 == x^3 + b; the infinity encoding (0, 0) counts as a valid point."""
    if aff_is_inf(x, y):
        return True
    return fe_eq(fe_sqr(y), fe_add(fe_mul(fe_sqr(x), x), fe_curve_b(x)))


@njit(cache=True)
def jac_double(X, Y, Z):
    """dbl-2009-l (2M + 5S). Infinity (Z = 0) maps to Z3 = 2YZ = 0, i.e. infinity."""
    A = fe_sqr(X)
    B = fe_sqr(Y)
    C = fe_sqr(B)
    D = fe_dbl(fe_sub(fe_sub(fe_sqr(fe_add(X, B)), A), C))
    E = fe_triple(A)
    F = fe_sqr(E)
    X3 = fe_sub(F, fe_dbl(D))
    C8 = fe_dbl(fe_dbl(fe_dbl(C)))
    Y3 = fe_sub(fe_mul(E, fe_sub(D, X3)), C8)
    Z3 = fe_dbl(fe_mul(Y, Z))
    return X3, Y3, Z3


@njit(cache=True)
def jac_add(X1, Y1, Z1, X2, Y2, Z2):
    """add-2007-bl (11M + 5S), complete: handles infinity, P + P and P + (-P)."""
    if fe_is_zero(Z1):
        return X2, Y2, Z2
    if fe_is_zero(Z2):
        return X1, Y1, Z1
    Z1Z1 = fe_sqr(Z1)
    Z2Z2 = fe_sqr(Z2)
    U1 = fe_mul(X1, Z2Z2)
    U2 = fe_mul(X2, Z1Z1)
    S1 = fe_mul(fe_mul(Y1, Z2), Z2Z2)
    S2 = fe_mul(fe_mul(Y2, Z1), Z1Z1)
    H = fe_sub(U2, U1)
    rr = fe_dbl(fe_sub(S2, S1))
    if fe_is_zero(H):
        if fe_is_zero(rr):
            return jac_double(X1, Y1, Z1)
        z = fe_zero(X1)
        return fe_one(X1), fe_one(X1), z
    I = fe_sqr(fe_dbl(H))
    J = fe_mul(H, I)
    V = fe_mul(U1, I)
    X3 = fe_sub(fe_sub(fe_sqr(rr), J), fe_dbl(V))
    Y3 = fe_sub(fe_mul(rr, fe_sub(V, X3)), fe_dbl(fe_mul(S1, J)))
    Z3 = fe_mul(fe_sub(fe_sub(fe_sqr(fe_add(Z1, Z2)), Z1Z1), Z2Z2), H)
    return X3, Y3, Z3


@njit(cache=True)
def jac_add_affine(X1, Y1, Z1, x2, y2):
    """Mixed addition madd-2007-bl (7M + 4S), complete; (x2, y2) = (0, 0) is infinity."""
    if aff_is_inf(x2, y2):
        return X1, Y1, Z1
    if fe_is_zero(Z1):
        return x2, y2, fe_one(x2)
    Z1Z1 = fe_sqr(Z1)
    U2 = fe_mul(x2, Z1Z1)
    S2 = fe_mul(fe_mul(y2, Z1), Z1Z1)
    H = fe_sub(U2, X1)
    rr = fe_dbl(fe_sub(S2, Y1))
    if fe_is_zero(H):
        if fe_is_zero(rr):
            return jac_double(X1, Y1, Z1)
        z = fe_zero(X1)
        return fe_one(X1), fe_one(X1), z
    HH = fe_sqr(H)
    I = fe_dbl(fe_dbl(HH))
    J = fe_mul(H, I)
    V = fe_mul(X1, I)
    X3 = fe_sub(fe_sub(fe_sqr(rr), J), fe_dbl(V))
    Y3 = fe_sub(fe_mul(rr, fe_sub(V, X3)), fe_dbl(fe_mul(Y1, J)))
    Z3 = fe_sub(fe_sub(fe_sqr(fe_add(Z1, H)), Z1Z1), HH)
    return X3, Y3, Z3


@njit(cache=True)
def jac_to_affine(X, Y, Z):
    """One inversion; infinity -> (0, 0)."""
    if fe_is_zero(Z):
        z = fe_zero(X)
        return z, z
    zi = fe_inv(Z)
    zi2 = fe_sqr(zi)
    return fe_mul(X, zi2), fe_mul(Y, fe_mul(zi2, zi))


@njit(cache=True)
def jac_mul(X, Y, Z, s0, s1, s2, s3):
    """Double-and-add by a 256-bit integer given as 4 uint64 limbs (reference-style kernel)."""
    z = fe_zero(X)
    RX, RY, RZ = fe_one(X), fe_one(X), z
    s = (s0, s1, s2, s3)
    for li in range(3, -1, -1):
        for bi in range(63, -1, -1):
            RX, RY, RZ = jac_double(RX, RY, RZ)
            if (s[li] >> U64(bi)) & ONE_U:
                RX, RY, RZ = jac_add(RX, RY, RZ, X, Y, Z)
    return RX, RY, RZ


# --- batch-affine addition (the MSM's and the fixed-base multiplier's inner step) --------------
#
# Adding m independent pairs P_k + Q_k in affine coordinates costs one inversion for all of
# them (Montgomery's trick) plus about 6 multiplications each. `pair_den` classifies the pair
# and gives the denominator to invert; `pair_finish` completes it with that inverse.

KIND_ADD, KIND_DBL, KIND_INF, KIND_TAKE2, KIND_TAKE1 = 0, 1, 2, 3, 4


@njit(inline="always", cache=True)
def pair_den(x1, y1, x2, y2):
    """(denominator, kind) for the affine sum (x1, y1) + (x2, y2); never a zero denominator."""
    if aff_is_inf(x1, y1):
        return fe_one(x1), KIND_TAKE2
    if aff_is_inf(x2, y2):
        return fe_one(x1), KIND_TAKE1
    if fe_eq(x1, x2):
        if fe_eq(y1, y2) and not fe_is_zero(y1):
            return fe_dbl(y1), KIND_DBL
        return fe_one(x1), KIND_INF      # P + (-P) (y = 0 would be 2-torsion: also infinity)
    return fe_sub(x2, x1), KIND_ADD


@njit(inline="always", cache=True)
def pair_finish(x1, y1, x2, y2, inv, kind):
    """The affine sum given inv = 1/denominator from `pair_den`; infinity is (0, 0)."""
    if kind == KIND_ADD:
        lam = fe_mul_hot(fe_sub(y2, y1), inv)
    elif kind == KIND_DBL:
        lam = fe_mul_hot(fe_triple(fe_sqr_hot(x1)), inv)
    elif kind == KIND_TAKE2:
        return x2, y2
    elif kind == KIND_TAKE1:
        return x1, y1
    else:
        z = fe_zero(x1)
        return z, z
    x3 = fe_sub(fe_sub(fe_sqr_hot(lam), x1), x2)
    y3 = fe_sub(fe_mul_hot(lam, fe_sub(x1, x3)), y1)
    return x3, y3


@njit(cache=True)
def batch_inverse_rows(den, pref, m, like):
    """den[k] <- 1/den[k] for k < m (one field element per row, all nonzero), Montgomery's trick.

    `pref` is scratch of the same shape. Costs one inversion and 3(m - 1) multiplications.
    """
    if m == 0:
        return
    acc = fe_load(den, 0, 0, like)
    fe_store(pref, 0, 0, acc)
    for k in range(1, m):
        acc = fe_mul_hot(acc, fe_load(den, k, 0, like))
        fe_store(pref, k, 0, acc)
    inv = fe_inv(acc)
    for k in range(m - 1, 0, -1):
        d = fe_load(den, k, 0, like)
        fe_store(den, k, 0, fe_mul_hot(inv, fe_load(pref, k - 1, 0, like)))
        inv = fe_mul_hot(inv, d)
    fe_store(den, 0, 0, inv)


# --- array kernels ------------------------------------------------------------------------------

@njit(cache=True)
def _k_on_curve(a, out, like):
    """out[i]: row i has canonical limbs (every 4-limb coordinate part < q) and is on the curve
    (or is the infinity encoding)."""
    for i in range(a.shape[0]):
        ok = True
        for o in range(0, a.shape[1], 4):
            for k in range(3, -1, -1):          # lexicographic a[i, o:o+4] < q
                if a[i, o + k] != Q_T[k]:
                    if a[i, o + k] > Q_T[k]:
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


# --- fixed-base batch multiplication (Groth16 setup) ---------------------------------------------

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


@njit(inline="always", cache=True)
def _digit(s0, s1, s2, s3, off, c):
    """Bits [off, off + c) of the 256-bit integer (s0..s3), c <= 32, as an int64."""
    li = off >> 6
    sh = off & 63
    lim = (s0, s1, s2, s3)
    v = lim[li] >> U64(sh)
    if sh + c > 64 and li < 3:
        v |= lim[li + 1] << U64(64 - sh)
    return np.int64(v & U64((1 << c) - 1))


@njit(cache=True)
def signed_digits(s0, s1, s2, s3, c, nwin, out):
    """out[w] = signed window w of the scalar (s0..s3): digits in [-2^(c-1), 2^(c-1)] with
    sum out[w] * 2^(c*w) = scalar (the MSM and the fixed-base multiplication both use it)."""
    half = 1 << (c - 1)
    carry = 0
    for w in range(nwin):
        d = _digit(s0, s1, s2, s3, w * c, c) + carry
        if d > half:
            d -= 2 * half
            carry = 1
        else:
            carry = 0
        out[w] = d


@njit(cache=True)
def _fb_chunk(table, scalars, c, nwin, out, lo, hi, tag):
    """Scalars lo..hi of `_k_fb_mul`: accumulators live in out[lo:hi]."""
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


@njit(parallel=True, cache=True)
def _k_fb_mul(table, scalars, c, nwin, out, tag):
    """out[i] = scalars[i] * base from the window table, with batch-affine accumulation.

    Signed c-bit digits d in [-2^(c-1), 2^(c-1)]: each window adds +-T[w][|d| - 1].
    Scalars are split in chunks (spread over the threads); each chunk keeps its accumulators
    in `out` and adds one window at a time to all of them with one shared inversion.
    """
    n = scalars.shape[0]
    nchunks = (n + _FB_CHUNK - 1) // _FB_CHUNK
    for ch in prange(nchunks):
        lo = ch * _FB_CHUNK
        _fb_chunk(table, scalars, c, nwin, out, lo, min(n, lo + _FB_CHUNK), tag)


# --- Python side: validation and conversions -----------------------------------------------------

G1_COLS, G2_COLS = 8, 16
_LIKE = {G1_COLS: FQ_ZERO, G2_COLS: FQ2_ZERO}
_TAG = {G1_COLS: TAG_G1, G2_COLS: TAG_G2}


def _ints_to_mont_rows(rows: list[list[int]]) -> np.ndarray:
    """Rows of canonical ints (each < q) -> uint64 Montgomery limb rows."""
    width = len(rows[0]) if rows else 0
    Rm = FQ.R
    buf = bytearray()
    for row in rows:
        for v in row:
            v = int(v)
            if not 0 <= v < Q:
                raise ValueError(f"coordinate {v} is not below q")
            buf += (v * Rm % Q).to_bytes(32, "little")
    return np.frombuffer(bytes(buf), dtype="<u8").reshape(len(rows), 4 * width).astype(np.uint64)


def _mont_rows_to_ints(arr: np.ndarray) -> list[list[int]]:
    raw = np.ascontiguousarray(arr, dtype="<u8").tobytes()
    Ri = FQ.Rinv
    vals = [int.from_bytes(raw[i:i + 32], "little") * Ri % Q for i in range(0, len(raw), 32)]
    w = arr.shape[1] // 4 if arr.ndim == 2 else 0
    return [vals[i:i + w] for i in range(0, len(vals), w)] if w else []


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


def first_not_below(limbs: np.ndarray, p: int) -> int:
    """Index of the first row of a (n, 4) little-endian limb array that is >= p, or -1."""
    ql = [U64((p >> (64 * j)) & 0xFFFFFFFFFFFFFFFF) for j in range(4)]
    lt = np.zeros(len(limbs), dtype=bool)
    eq = np.ones(len(limbs), dtype=bool)
    for j in (3, 2, 1, 0):
        col = limbs[:, j]
        lt |= eq & (col < ql[j])
        eq &= col == ql[j]
    bad = np.flatnonzero(~lt)
    return int(bad[0]) if len(bad) else -1


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
    bad = _k_first_ge_r(s)
    if bad >= 0:
        raise ValueError(f"{what}[{bad}] is not below r (scalars must be canonical, < r)")
    return s


_R_LIMBS = tuple(U64((R >> (64 * i)) & _MASK) for i in range(4))


@njit(cache=True)
def _k_first_ge_r(s):
    for i in range(s.shape[0]):
        ge = True                       # stays True when s[i] == r
        for k in range(3, -1, -1):
            if s[i, k] != _R_LIMBS[k]:
                ge = s[i, k] > _R_LIMBS[k]
                break
        if ge:
            return i
    return -1


def g1_from_ints(points) -> np.ndarray:
    """[(x, y) | None] canonical ints -> (n, 8) Montgomery rows; None (or (0, 0)) is infinity."""
    return _ints_to_mont_rows([[0, 0] if p is None else [p[0], p[1]] for p in points]
                              ).reshape(len(points), G1_COLS)


def g1_to_ints(arr) -> list:
    """(n, 8) Montgomery rows -> [(x, y) | None] canonical ints (None for infinity, as prover.ref)."""
    arr = check_points(arr, G1_COLS)
    return [None if r[0] == 0 and r[1] == 0 else (r[0], r[1]) for r in _mont_rows_to_ints(arr)]


def g2_from_ints(points) -> np.ndarray:
    """[((x0, x1), (y0, y1)) | None] (x = x0 + x1 u) -> (n, 16) Montgomery rows."""
    rows = [[0, 0, 0, 0] if p is None else [p[0][0], p[0][1], p[1][0], p[1][1]] for p in points]
    return _ints_to_mont_rows(rows).reshape(len(points), G2_COLS)


def g2_to_ints(arr) -> list:
    """(n, 16) Montgomery rows -> [((x0, x1), (y0, y1)) | None]."""
    arr = check_points(arr, G2_COLS)
    return [None if not any(r) else ((r[0], r[1]), (r[2], r[3])) for r in _mont_rows_to_ints(arr)]


def _py_ecc_affine(pt):
    """py_ecc point (optimized 3-tuple, bn128 2-tuple, or None) -> affine field objects or None."""
    if pt is None:
        return None
    if len(pt) == 3:
        if ob.is_inf(pt):
            return None
        return ob.normalize(pt)
    return pt


def g1_from_py_ecc(points) -> np.ndarray:
    """py_ecc G1 points (optimized_bn128 (x, y, z), bn128 (x, y), or None) -> (n, 8)."""
    rows = []
    for pt in points:
        a = _py_ecc_affine(pt)
        rows.append(None if a is None else (int(a[0]), int(a[1])))
    return g1_from_ints(rows)


def g2_from_py_ecc(points) -> np.ndarray:
    rows = []
    for pt in points:
        a = _py_ecc_affine(pt)
        if a is None:
            rows.append(None)
        else:
            rows.append((tuple(int(c) for c in a[0].coeffs), tuple(int(c) for c in a[1].coeffs)))
    return g2_from_ints(rows)


def g1_to_py_ecc(arr) -> list:
    """(n, 8) -> optimized_bn128 points (x, y, 1), infinity as py_ecc's Z1."""
    out = []
    for p in g1_to_ints(arr):
        out.append(ob.Z1 if p is None else (ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one()))
    return out


def g2_to_py_ecc(arr) -> list:
    out = []
    for p in g2_to_ints(arr):
        if p is None:
            out.append(ob.Z2)
        else:
            out.append((ob.FQ2(list(p[0])), ob.FQ2(list(p[1])), ob.FQ2.one()))
    return out


# --- Python side: array operations -----------------------------------------------------------------

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
    if not _k_on_curve_one(base, _LIKE[cols]):
        raise ValueError("base point is not on the curve")
    c = _fb_window(n)
    nwin = -(-255 // c)     # 255 bits: signed digits of a 254-bit scalar never carry out
    table = _k_fb_table(base, c, nwin, _LIKE[cols])
    _k_fb_mul(table, s, c, nwin, out, _TAG[cols])
    return out


def _k_on_curve_one(a, like) -> bool:
    out = np.empty(1, dtype=np.bool_)
    _k_on_curve(a[:1], out, like)
    return bool(out[0])


def g1_batch_mul(base, scalars) -> np.ndarray:
    """scalars[i] * base for one fixed base (8,) or (1, 8) and canonical (n, 4) scalars < r.

    Window table of the base, signed digits, batch-affine accumulation; results (n, 8) affine.
    """
    return _batch_mul(base, scalars, G1_COLS)


def g2_batch_mul(base, scalars) -> np.ndarray:
    """As g1_batch_mul for a G2 base (16,) or (1, 16); results (n, 16)."""
    return _batch_mul(base, scalars, G2_COLS)
