"""Multi-scalar multiplication sum_i s_i * P_i on G1 and G2 (Pippenger), the prover's hot spot.

Algorithm (the same code serves G1 and G2, see `prover.curve_formulas`):
1. Classify: points at infinity and zero scalars are dropped; points whose scalar is 1 are
   summed on their own (one batch-affine tree reduction, no windows at all) since circom
   witnesses are mostly bits. The rest are the "general" points.
2. Signed digits: each general scalar is cut into `nwin` windows of c bits with digits in
   [-2^(c-1), 2^(c-1)], so a window needs 2^(c-1) buckets and -P costs a negated y.
   `nwin` follows the largest general scalar's bit length (small scalars, fewer windows).
3. Buckets, per window: the points are sorted by bucket (counting sort, y negated for
   negative digits), then each bucket's list is summed as a tree of affine additions done
   in chunks that share one inversion (Montgomery's trick): ~6 multiplications per
   addition instead of ~11 for mixed Jacobian addition. Doubling (equal points in a
   bucket) and P + (-P) are classified per pair (`pair_den`) and handled in the batch.
4. Reduction: sum_b (b+1) S_b per window by the running-sum trick, made batch-affine by
   cutting every window's buckets into segments and advancing all (window, segment) lanes
   of a thread together (`_reduce_windows`); then the windows are combined by Horner
   (c doublings per window) in Jacobian coordinates.
5. Threads: windows are dealt round-robin to the threads (`prover.threads`: Python threads
   running a nogil kernel; a Numba parallel region here cost ~13 s of first-run compile time
   for G1 and G2); each thread owns its scratch buffers. The window size c comes from a cost model (`window_bits`)
   whose constants were measured here.

Measured (2-core machine shared with other jobs, see benchmarks/bench_msm.py): per window
of 2^16 G1 points, ~11 ms of bucket additions and ~1.4 ms of reduction (CPU time).

Inputs: points in Montgomery affine form (G1 (n, 8), G2 (n, 16), infinity (0, 0)), scalars
canonical (NOT Montgomery) (n, 4) uint64 little-endian limbs, each < r. Output: one affine
point in the same layout ((8,) or (16,) array).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from prover import threads

from prover.convert import G1_COLS, G2_COLS
from prover.curve_formulas import (KIND_INF, TAG_G1, TAG_G2, batch_inverse_rows, fe_like, fe_load,
                                   fe_one, fe_store, fe_zero, jac_add, jac_add_affine, jac_double,
                                   jac_to_affine, pair_den, pair_finish, signed_digits)
from prover.group import check_points, check_scalars, first_invalid_point
from prover.fields import fe_neg
from prover.mont import ONE_U, ZERO

U64 = np.uint64
_CHUNK = 1024          # pairs sharing one inversion: inversion ~4 us, amortised < 5 ns/pair
_SEGMENTS = 64         # bucket segments per window in the batch-affine reduction


# --- classification and digits ---------------------------------------------------------------

@njit(cache=True)
def _k_classify(points, scalars):
    """Indices of general points and of scalar-1 points, and the general scalars' max bit length."""
    n = points.shape[0]
    gidx = np.empty(n, dtype=np.int64)
    oidx = np.empty(n, dtype=np.int64)
    ng = 0
    no = 0
    top = 0
    for i in range(n):
        s0, s1, s2, s3 = scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3]
        if (s0 | s1 | s2 | s3) == ZERO:
            continue
        inf = True
        for j in range(points.shape[1]):
            if points[i, j] != ZERO:
                inf = False
                break
        if inf:
            continue
        if s0 == ONE_U and (s1 | s2 | s3) == ZERO:
            oidx[no] = i
            no += 1
            continue
        gidx[ng] = i
        ng += 1
        if s3 != ZERO:
            b = 192 + _bitlen(s3)
        elif s2 != ZERO:
            b = 128 + _bitlen(s2)
        elif s1 != ZERO:
            b = 64 + _bitlen(s1)
        else:
            b = _bitlen(s0)
        if b > top:
            top = b
    return gidx[:ng].copy(), oidx[:no].copy(), top


@njit(inline="always", cache=True)
def _bitlen(x):
    n = 0
    while x != ZERO:
        x >>= ONE_U
        n += 1
    return n


@njit(cache=True, nogil=True)
def _k_digits(t0, step, scalars, gidx, c, nwin, dig):
    """dig[w, k] = signed digit w of scalars[gidx[k]], in [-2^(c-1), 2^(c-1)], for the k of
    one thread's share (k = t0, t0 + step, ...)."""
    for k in range(t0, gidx.shape[0], step):
        i = gidx[k]
        signed_digits(scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3], c, nwin, dig[:, k])


# --- bucket accumulation ------------------------------------------------------------------------

@njit(cache=True)
def _finish_chunk(buf, cnt, st, wc, den, pref, pp, pb, kinds, nk, like):
    """Complete the nk queued pair additions: one shared inversion, results compacted in place."""
    batch_inverse_rows(den, pref, nk, like)
    for k in range(nk):
        kd = kinds[k]
        if kd == KIND_INF:          # P + (-P): the pair vanishes from its bucket
            continue
        pos = pp[k]
        b = pb[k]
        x3, y3 = pair_finish(fe_load(buf, pos, 0, like), fe_load(buf, pos, 1, like),
                             fe_load(buf, pos + 1, 0, like), fe_load(buf, pos + 1, 1, like),
                             fe_load(den, k, 0, like), kd)
        out = st[b] + (cnt[b] & 1) + wc[b]
        fe_store(buf, out, 0, x3)
        fe_store(buf, out, 1, y3)
        wc[b] += 1


@njit(cache=True)
def _reduce_buckets(buf, cnt, st, wc, nb, den, pref, pp, pb, kinds, like):
    """Sum each bucket's points (buf[st[b] : st[b] + cnt[b]], affine) down to at most one.

    Each round pairs up the points of every bucket (an odd one out stays first) and adds the
    pairs in batch-affine chunks; results are written back in place, after the odd one, so a
    bucket stays contiguous. Writes never overtake reads: pair j reads slots 2j, 2j+1 past
    the odd one and writes slot <= j. On return cnt[b] is 0 or 1.
    """
    cap = den.shape[0]
    while True:
        nk = 0
        active = False
        for b in range(nb):
            c = cnt[b]
            if c < 2:
                continue
            active = True
            wc[b] = 0
            base = st[b] + (c & 1)
            for j in range(c >> 1):
                pos = base + 2 * j
                dn, kd = pair_den(fe_load(buf, pos, 0, like), fe_load(buf, pos, 1, like),
                                  fe_load(buf, pos + 1, 0, like), fe_load(buf, pos + 1, 1, like))
                fe_store(den, nk, 0, dn)
                kinds[nk] = kd
                pp[nk] = pos
                pb[nk] = b
                nk += 1
                if nk == cap:
                    _finish_chunk(buf, cnt, st, wc, den, pref, pp, pb, kinds, nk, like)
                    nk = 0
        if not active:
            return
        if nk > 0:
            _finish_chunk(buf, cnt, st, wc, den, pref, pp, pb, kinds, nk, like)
        for b in range(nb):
            if cnt[b] >= 2:
                cnt[b] = (cnt[b] & 1) + wc[b]


@njit(cache=True)
def _window_buckets(points, gidx, dig, w, nb, buf, cnt, st, wc, den, pref, pp, pb, kinds, bsum, row0, like):
    """Bucket sums of window w: bsum[row0 + b] = sum of the points with digit +-(b + 1)
    (negated for negative digits), affine, (0, 0) for an empty bucket."""
    ng = gidx.shape[0]
    cols = points.shape[1]
    for b in range(nb):
        cnt[b] = 0
    for k in range(ng):
        d = dig[w, k]
        if d != 0:
            cnt[abs(d) - 1] += 1
    s = 0
    for b in range(nb):
        st[b] = s
        wc[b] = s
        s += cnt[b]
    half = cols // 2
    for k in range(ng):                      # counting sort into buckets
        d = dig[w, k]
        if d == 0:
            continue
        b = abs(d) - 1
        pos = wc[b]
        wc[b] += 1
        src = gidx[k]
        for j in range(half):
            buf[pos, j] = points[src, j]
        if d > 0:
            for j in range(half, cols):
                buf[pos, j] = points[src, j]
        else:
            fe_store(buf, pos, 1, fe_neg(fe_load(points, src, 1, like)))
    _reduce_buckets(buf, cnt, st, wc, nb, den, pref, pp, pb, kinds, like)
    for b in range(nb):
        if cnt[b] == 1:
            for j in range(cols):
                bsum[row0 + b, j] = buf[st[b], j]
        else:
            for j in range(cols):
                bsum[row0 + b, j] = ZERO


@njit(cache=True)
def _lane_add(acc, src, src_rows, lanes, den, pref, kinds, like):
    """acc[l] += src[src_rows[l]] for every lane l < lanes: one batch-affine step."""
    for l in range(lanes):
        r = src_rows[l]
        dn, kd = pair_den(fe_load(acc, l, 0, like), fe_load(acc, l, 1, like),
                          fe_load(src, r, 0, like), fe_load(src, r, 1, like))
        fe_store(den, l, 0, dn)
        kinds[l] = kd
    batch_inverse_rows(den, pref, lanes, like)
    for l in range(lanes):
        r = src_rows[l]
        x3, y3 = pair_finish(fe_load(acc, l, 0, like), fe_load(acc, l, 1, like),
                             fe_load(src, r, 0, like), fe_load(src, r, 1, like),
                             fe_load(den, l, 0, like), kinds[l])
        fe_store(acc, l, 0, x3)
        fe_store(acc, l, 1, y3)


@njit(cache=True)
def _reduce_windows(bsum, nw, nb, wins, res, like):
    """res[wins[i]] = sum_b (b + 1) * bsum[i * nb + b] for each of this thread's nw windows.

    The running-sum trick (run += S_b, tot += run, from the top bucket down) is sequential,
    so the buckets of each window are cut into S segments of L = nb / S, and all
    (window, segment) lanes advance together: each step is one batch-affine addition over
    nw * S lanes sharing one inversion (~12 multiplications per bucket instead of ~27 in
    Jacobian coordinates). Segment j yields R_j = sum S_b and T_j = sum (b - jL + 1) S_b;
    the window is sum_j T_j + L * sum_j j R_j, combined in Jacobian coordinates.
    """
    cols = bsum.shape[1]
    K = cols // 2
    S = min(nb, _SEGMENTS)
    L = nb // S
    lanes = nw * S
    run = np.zeros((lanes, cols), dtype=np.uint64)
    tot = np.zeros((lanes, cols), dtype=np.uint64)
    den = np.empty((lanes, K), dtype=np.uint64)
    pref = np.empty((lanes, K), dtype=np.uint64)
    kinds = np.empty(lanes, dtype=np.uint8)
    rows = np.empty(lanes, dtype=np.int64)
    ident = np.arange(lanes)
    for i in range(L):
        off = L - 1 - i
        for l in range(lanes):
            rows[l] = (l // S) * nb + (l % S) * L + off
        _lane_add(run, bsum, rows, lanes, den, pref, kinds, like)
        _lane_add(tot, run, ident, lanes, den, pref, kinds, like)
    z = fe_zero(like)
    one = fe_one(like)
    for wi in range(nw):
        AX, AY, AZ = one, one, z            # sum_j T_j
        RX, RY, RZ = one, one, z            # running sum of R_j, j from the top
        UX, UY, UZ = one, one, z            # sum_j j R_j
        for j in range(S - 1, 0, -1):
            lane = wi * S + j
            AX, AY, AZ = jac_add_affine(AX, AY, AZ, fe_load(tot, lane, 0, like), fe_load(tot, lane, 1, like))
            RX, RY, RZ = jac_add_affine(RX, RY, RZ, fe_load(run, lane, 0, like), fe_load(run, lane, 1, like))
            UX, UY, UZ = jac_add(UX, UY, UZ, RX, RY, RZ)
        lane = wi * S
        AX, AY, AZ = jac_add_affine(AX, AY, AZ, fe_load(tot, lane, 0, like), fe_load(tot, lane, 1, like))
        m = L
        while m > 1:                         # L is a power of two
            UX, UY, UZ = jac_double(UX, UY, UZ)
            m >>= 1
        AX, AY, AZ = jac_add(AX, AY, AZ, UX, UY, UZ)
        fe_store(res, wins[wi], 0, AX)
        fe_store(res, wins[wi], 1, AY)
        fe_store(res, wins[wi], 2, AZ)


@njit(cache=True, nogil=True)
def _thread_windows(t, nthreads, points, gidx, dig, nb, res, tag):
    """Windows t, t + nthreads, ... with this thread's own scratch: buckets, then reduction."""
    like = fe_like(tag)
    ng = gidx.shape[0]
    cols = points.shape[1]
    K = cols // 2
    nwin = dig.shape[0]
    nw = (nwin - t + nthreads - 1) // nthreads
    if nw <= 0:
        return
    wins = np.empty(nw, dtype=np.int64)
    for i in range(nw):
        wins[i] = t + i * nthreads
    buf = np.empty((max(ng, 1), cols), dtype=np.uint64)
    cnt = np.empty(nb, dtype=np.int64)
    st = np.empty(nb, dtype=np.int64)
    wc = np.empty(nb, dtype=np.int64)
    cap = min(_CHUNK, max(ng // 2, 1))
    den = np.empty((cap, K), dtype=np.uint64)
    pref = np.empty((cap, K), dtype=np.uint64)
    pp = np.empty(cap, dtype=np.int64)
    pb = np.empty(cap, dtype=np.int64)
    kinds = np.empty(cap, dtype=np.uint8)
    bsum = np.empty((nw * nb, cols), dtype=np.uint64)
    for i in range(nw):
        _window_buckets(points, gidx, dig, wins[i], nb, buf, cnt, st, wc, den, pref, pp, pb, kinds,
                        bsum, i * nb, like)
    _reduce_windows(bsum, nw, nb, wins, res, like)


@njit(cache=True)
def _k_sum_points(points, idx, acc, tag):
    """acc[0] = affine sum of points[idx] (the scalar-1 points) by one batch-affine tree, as a
    Jacobian row (Z = 0 for infinity)."""
    like = fe_like(tag)
    m = idx.shape[0]
    cols = points.shape[1]
    K = cols // 2
    z = fe_zero(like)
    one = fe_one(like)
    fe_store(acc, 0, 0, one)
    fe_store(acc, 0, 1, one)
    fe_store(acc, 0, 2, z)
    if m == 0:
        return
    buf = np.empty((m, cols), dtype=np.uint64)
    for k in range(m):
        for j in range(cols):
            buf[k, j] = points[idx[k], j]
    cnt = np.full(1, m, dtype=np.int64)
    st = np.zeros(1, dtype=np.int64)
    wc = np.zeros(1, dtype=np.int64)
    cap = min(_CHUNK, max(m // 2, 1))
    den = np.empty((cap, K), dtype=np.uint64)
    pref = np.empty((cap, K), dtype=np.uint64)
    pp = np.empty(cap, dtype=np.int64)
    pb = np.empty(cap, dtype=np.int64)
    kinds = np.empty(cap, dtype=np.uint8)
    _reduce_buckets(buf, cnt, st, wc, 1, den, pref, pp, pb, kinds, like)
    if cnt[0] == 1:
        fe_store(acc, 0, 0, fe_load(buf, 0, 0, like))
        fe_store(acc, 0, 1, fe_load(buf, 0, 1, like))
        fe_store(acc, 0, 2, one)


@njit(cache=True)
def _k_combine(res, c, acc, out, tag):
    """out = sum_w 2^(c w) res[w] + acc[0] (Jacobian rows), as an affine row (infinity (0, 0))."""
    like = fe_like(tag)
    z = fe_zero(like)
    one = fe_one(like)
    AX, AY, AZ = one, one, z
    for w in range(res.shape[0] - 1, -1, -1):
        for _ in range(c):
            AX, AY, AZ = jac_double(AX, AY, AZ)
        AX, AY, AZ = jac_add(AX, AY, AZ, fe_load(res, w, 0, like), fe_load(res, w, 1, like),
                             fe_load(res, w, 2, like))
    AX, AY, AZ = jac_add(AX, AY, AZ, fe_load(acc, 0, 0, like), fe_load(acc, 0, 1, like),
                         fe_load(acc, 0, 2, like))
    x, y = jac_to_affine(AX, AY, AZ)
    fe_store(out, 0, 0, x)
    fe_store(out, 0, 1, y)


# --- window choice and public API -----------------------------------------------------------------

# Relative costs measured on this machine (units: one batch-affine bucket addition, ~160 ns
# in G1 and ~450 ns in G2 when the machine is idle-ish); the ratios are the same for both groups.
_COST_SCATTER = 0.1       # sorting one point into its bucket
_COST_REDUCE = 2.1        # one bucket of the lockstep batch-affine running-sum reduction


def window_bits(ng: int, bits: int, nthreads: int) -> int:
    """Window size c minimising the modelled time of `ng` general points with `bits`-bit scalars.

    Per window: ng scatters, ng - (occupied buckets) bucket additions, 2^(c-1) reduction steps;
    windows are dealt to `nthreads` threads, so the time goes with ceil(nwin / nthreads).
    """
    best, best_cost = 1, math.inf
    for c in range(1, 21):
        nwin = -(-(bits + 1) // c)
        nb = 1 << (c - 1)
        occupied = nb * (1.0 - math.exp(-ng / nb))
        per_win = ng * _COST_SCATTER + (ng - occupied) + nb * _COST_REDUCE
        cost = -(-nwin // max(1, min(nthreads, nwin))) * per_win
        if cost < best_cost:
            best, best_cost = c, cost
    return best


def _msm(points, scalars, cols: int, tag, check: bool, window: int | None) -> np.ndarray:
    points = check_points(points, cols)
    scalars = check_scalars(scalars, points.shape[0])
    if check:
        bad = first_invalid_point(points)
        if bad is not None:
            raise ValueError(f"point {bad[0]} {bad[1]}")
    out = np.zeros((1, cols), dtype=np.uint64)
    if points.shape[0] == 0:
        return out[0]
    gidx, oidx, bits = _k_classify(points, scalars)
    K = cols // 2
    acc = np.empty((1, 3 * K), dtype=np.uint64)
    _k_sum_points(points, oidx, acc, tag)
    ng = gidx.shape[0]
    nthreads = threads.count()
    if ng == 0:
        res = np.zeros((0, 3 * K), dtype=np.uint64)
        c = 1
    else:
        c = window if window is not None else window_bits(ng, bits, nthreads)
        if not 1 <= c <= 24:
            raise ValueError(f"window must be in 1..24, got {c}")
        nwin = -(-(bits + 1) // c)      # one spare bit: the top signed digit never carries out
        dig = np.empty((nwin, ng), dtype=np.int32)
        threads.run(_k_digits, ng, ng, scalars, gidx, c, nwin, dig)
        res = np.empty((nwin, 3 * K), dtype=np.uint64)
        # windows t, t + nt, ... per thread; tiny MSMs (ng * nwin small) stay on this thread
        threads.run(_thread_windows, min(nthreads, nwin), ng * nwin, points, gidx, dig, 1 << (c - 1), res, tag)
    _k_combine(res, c, acc, out, tag)
    return out[0]


def msm_g1(points, scalars, *, check: bool = False, window: int | None = None) -> np.ndarray:
    """sum_i scalars[i] * points[i] in G1.

    points: (n, 8) uint64, Montgomery affine rows [x, y], infinity (0, 0).
    scalars: (n, 4) uint64 canonical little-endian limbs (not Montgomery), each < r.
    check: also verify every point is on the curve (n squarings; off by default because
    proving keys are checked once when loaded). window: force the Pippenger window (tests).
    Returns the affine sum as an (8,) uint64 Montgomery row ((0, 0) for infinity).
    """
    return _msm(points, scalars, G1_COLS, TAG_G1, check, window)


def msm_g2(points, scalars, *, check: bool = False, window: int | None = None) -> np.ndarray:
    """sum_i scalars[i] * points[i] in G2: points (n, 16) Montgomery affine
    [x.c0, x.c1, y.c0, y.c1], scalars as in `msm_g1`; returns a (16,) row."""
    return _msm(points, scalars, G2_COLS, TAG_G2, check, window)
