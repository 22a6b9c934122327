"""Poseidon in Numba: the same hash as `circuits.poseidon.poseidon`, hundreds of times faster.

The native state hashes a lot (a depth-24 account update is 12 four-input hashes of the
4-ary tree, every leaf a 7-input hash); pure-Python Poseidon costs ~0.3 ms per hash, this ~10 us. The
permutation is the fast (sparse partial-round) form derived by
`circuits.poseidon.fast_params`, run on 4x64-bit Montgomery limbs (`prover.mont`).

Layout: a field element is 4 uint64 limbs, least significant first. The public
functions take and return canonical Python ints (validated < r); the kernels take
canonical limbs and convert to and from Montgomery form themselves (one multiplication
by R^2 mod r in, one by 1 out), so no Python-side modular arithmetic is needed.

Public API:
- `poseidon(inputs)`: one hash of 1..16 ints (same result as circuits.poseidon).
- `poseidon_many(rows)`: many hashes of the same width in one kernel call.
- `hash_quads_limbs(kids)`: n four-input hashes from an (n, 4, 4) limb array (the 4-ary
  tree's level-by-level batch update, `circuits.spec.tree`).
- `merkle4_path(leaf, index, siblings, depth)`: every node on a leaf-to-root path of the
  4-ary tree in one call.

Reference twin: `circuits.poseidon.poseidon`; tests compare them with Hypothesis.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from numba import njit

from circuits.field import check_elements, ints_to_limbs, limbs_to_ints
from circuits.poseidon import MAX_INPUTS, fast_params
from circuits.spec import tree
from prover.convert import to_mont
from prover.mont import FR, U64, ZERO, fr_add, fr_mul

# R^2 mod r as canonical limbs: mont_mul(x, R^2) = x * R (into Montgomery form).
_R2 = np.array([(FR.R2 >> (64 * i)) & ((1 << 64) - 1) for i in range(4)], dtype=np.uint64)
ONE_RAW = U64(1)


# --- kernels --------------------------------------------------------------------------

@njit(inline="always", cache=True)
def _pow5(a0, a1, a2, a3):
    b0, b1, b2, b3 = fr_mul(a0, a1, a2, a3, a0, a1, a2, a3)
    b0, b1, b2, b3 = fr_mul(b0, b1, b2, b3, b0, b1, b2, b3)
    return fr_mul(b0, b1, b2, b3, a0, a1, a2, a3)


@njit(cache=True)
def _mat_vec(m, s, tmp):
    """tmp = m . s (all Montgomery), then copied back into s."""
    t = s.shape[0]
    for i in range(t):
        c0 = ZERO
        c1 = ZERO
        c2 = ZERO
        c3 = ZERO
        for j in range(t):
            p0, p1, p2, p3 = fr_mul(m[i, j, 0], m[i, j, 1], m[i, j, 2], m[i, j, 3],
                                    s[j, 0], s[j, 1], s[j, 2], s[j, 3])
            c0, c1, c2, c3 = fr_add(c0, c1, c2, c3, p0, p1, p2, p3)
        tmp[i, 0] = c0
        tmp[i, 1] = c1
        tmp[i, 2] = c2
        tmp[i, 3] = c3
    for i in range(t):
        for q in range(4):
            s[i, q] = tmp[i, q]


@njit(cache=True)
def _full_round(s, c, m, tmp):
    t = s.shape[0]
    for i in range(t):
        a0, a1, a2, a3 = fr_add(s[i, 0], s[i, 1], s[i, 2], s[i, 3], c[i, 0], c[i, 1], c[i, 2], c[i, 3])
        s[i, 0], s[i, 1], s[i, 2], s[i, 3] = _pow5(a0, a1, a2, a3)
    _mat_vec(m, s, tmp)


@njit(cache=True)
def _permute(s, full_c, partial_c, mds, pre_sparse, rows, cols, tmp):
    """Poseidon permutation (fast form) of the Montgomery state s (t, 4), in place."""
    t = s.shape[0]
    half = full_c.shape[0] // 2
    for k in range(half - 1):
        _full_round(s, full_c[k], mds, tmp)
    _full_round(s, full_c[half - 1], pre_sparse, tmp)
    for i in range(partial_c.shape[0]):
        a0, a1, a2, a3 = fr_add(s[0, 0], s[0, 1], s[0, 2], s[0, 3],
                                partial_c[i, 0], partial_c[i, 1], partial_c[i, 2], partial_c[i, 3])
        x0, x1, x2, x3 = _pow5(a0, a1, a2, a3)
        f0, f1, f2, f3 = fr_mul(rows[i, 0, 0], rows[i, 0, 1], rows[i, 0, 2], rows[i, 0, 3], x0, x1, x2, x3)
        for j in range(1, t):
            p0, p1, p2, p3 = fr_mul(rows[i, j, 0], rows[i, j, 1], rows[i, j, 2], rows[i, j, 3],
                                    s[j, 0], s[j, 1], s[j, 2], s[j, 3])
            f0, f1, f2, f3 = fr_add(f0, f1, f2, f3, p0, p1, p2, p3)
            g0, g1, g2, g3 = fr_mul(cols[i, j - 1, 0], cols[i, j - 1, 1], cols[i, j - 1, 2],
                                    cols[i, j - 1, 3], x0, x1, x2, x3)
            s[j, 0], s[j, 1], s[j, 2], s[j, 3] = fr_add(s[j, 0], s[j, 1], s[j, 2], s[j, 3], g0, g1, g2, g3)
        s[0, 0] = f0
        s[0, 1] = f1
        s[0, 2] = f2
        s[0, 3] = f3
    for k in range(half, 2 * half):
        _full_round(s, full_c[k], mds, tmp)


@njit(inline="always", cache=True)
def _load(s, i, v, r2):
    """s[i] = Montgomery form of canonical limbs v."""
    s[i, 0], s[i, 1], s[i, 2], s[i, 3] = fr_mul(v[0], v[1], v[2], v[3], r2[0], r2[1], r2[2], r2[3])


@njit(inline="always", cache=True)
def _store(out, s, i):
    """out = canonical limbs of Montgomery s[i]."""
    out[0], out[1], out[2], out[3] = fr_mul(s[i, 0], s[i, 1], s[i, 2], s[i, 3], ONE_RAW, ZERO, ZERO, ZERO)


@njit(cache=True)
def _hash_rows(inp, out, r2, full_c, partial_c, mds, pre_sparse, rows, cols):
    """out[r] = Poseidon(inp[r, 0..m-1]) for canonical limb arrays inp (n, m, 4), out (n, 4)."""
    n, m = inp.shape[0], inp.shape[1]
    t = m + 1
    s = np.zeros((t, 4), dtype=np.uint64)
    tmp = np.zeros((t, 4), dtype=np.uint64)
    for r in range(n):
        for q in range(4):
            s[0, q] = ZERO
        for j in range(m):
            _load(s, j + 1, inp[r, j], r2)
        _permute(s, full_c, partial_c, mds, pre_sparse, rows, cols, tmp)
        _store(out[r], s, 0)


@njit(cache=True)
def _path4(leaf, digits, sibs, out, r2, full_c, partial_c, mds, pre_sparse, rows, cols):
    """out[k] = node at level k+1 on the 4-ary path of `leaf` (circuits.spec.tree): the
    running node at position digits[k] of the 4 children, sibs[3k] at digits[k] ^ 1 and
    sibs[3k+1], sibs[3k+2] on the other pair, left to right."""
    s = np.zeros((5, 4), dtype=np.uint64)
    tmp = np.zeros((5, 4), dtype=np.uint64)
    node = np.empty((1, 4), dtype=np.uint64)
    _load(node, 0, leaf, r2)
    for k in range(digits.shape[0]):
        d = digits[k]
        other = (d & 2) ^ 2
        for q in range(4):
            s[0, q] = ZERO
            s[1 + d, q] = node[0, q]
        _load(s, 1 + (d ^ 1), sibs[3 * k], r2)
        _load(s, 1 + other, sibs[3 * k + 1], r2)
        _load(s, 2 + other, sibs[3 * k + 2], r2)
        _permute(s, full_c, partial_c, mds, pre_sparse, rows, cols, tmp)
        for q in range(4):
            node[0, q] = s[0, q]
        _store(out[k], node, 0)


# --- constants ------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _consts(t: int) -> tuple[np.ndarray, ...]:
    """The fast-form parameters of width t as Montgomery limb arrays (kernel arguments)."""
    f = fast_params(t)

    def m(values):
        return to_mont(values, FR)

    full_c = m([c for row in f.full_constants for c in row]).reshape(len(f.full_constants), t, 4)
    partial_c = m(f.partial_constants).reshape(f.n_rounds_p, 4)
    mds = m([c for row in f.mds for c in row]).reshape(t, t, 4)
    pre = m([c for row in f.pre_sparse for c in row]).reshape(t, t, 4)
    rows = m([c for row in f.sparse_first_row for c in row]).reshape(f.n_rounds_p, t, 4)
    cols = m([c for col in f.sparse_first_col for c in col]).reshape(f.n_rounds_p, t - 1, 4)
    return (_R2, full_c, partial_c, mds, pre, rows, cols)


permute = _permute
"""The permutation kernel, for other modules' kernels: `permute(s, *params(t)[1:], tmp)`
with s a (t, 4) Montgomery state changed in place and tmp a (t, 4) scratch array."""


def params(t: int) -> tuple[np.ndarray, ...]:
    """The kernel arguments of width t: (R^2 mod r, full_c, partial_c, mds, pre_sparse, rows, cols)."""
    return _consts(t)


# --- public API -------------------------------------------------------------------------

def _as_limbs(values: Sequence[int], what: str) -> np.ndarray:
    check_elements(list(values), what)
    return ints_to_limbs(values)


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib Poseidon of 1..16 field elements (ints in [0, r)); equals circuits.poseidon."""
    if not isinstance(inputs, (list, tuple)) or not 1 <= len(inputs) <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes a list of 1..{MAX_INPUTS} field elements, got {inputs!r}")
    inp = _as_limbs(inputs, "Poseidon input").reshape(1, len(inputs), 4)
    out = np.empty((1, 4), dtype=np.uint64)
    _hash_rows(inp, out, *_consts(len(inputs) + 1))
    return limbs_to_ints(out)[0]


def poseidon_many(rows: Sequence[Sequence[int]]) -> list[int]:
    """[poseidon(row) for row in rows] in one kernel call; all rows the same width (1..16)."""
    if len(rows) == 0:
        return []
    m = len(rows[0])
    if not 1 <= m <= MAX_INPUTS or any(len(r) != m for r in rows):
        raise ValueError(f"poseidon_many needs rows of one width in 1..{MAX_INPUTS}")
    flat = [v for r in rows for v in r]
    inp = _as_limbs(flat, "Poseidon input").reshape(len(rows), m, 4)
    out = np.empty((len(rows), 4), dtype=np.uint64)
    _hash_rows(inp, out, *_consts(m + 1))
    return limbs_to_ints(out)


def hash_quads_limbs(kids: np.ndarray) -> np.ndarray:
    """Poseidon(kids[i, 0..3]) for a canonical (n, 4, 4) uint64 limb array (unchecked: < r):
    the 4-ary tree's level-by-level batch update."""
    out = np.empty((kids.shape[0], 4), dtype=np.uint64)
    _hash_rows(np.ascontiguousarray(kids), out, *_consts(5))
    return out


def merkle4_path(leaf: int, index: int, siblings: Sequence[int], depth: int | None = None) -> list[int]:
    """Nodes at levels 1..L above `leaf` at `index` in the 4-ary tree of `depth` bits
    (default 2 * levels), `siblings` the flat path (3 per level, `circuits.spec.tree`).

    The last element is the root; equals circuits.spec.tree.path_nodes.
    """
    tree.check_path(index, siblings, depth)
    check_elements([leaf], "leaf")
    n = len(siblings) // tree.SIBLINGS_PER_LEVEL
    if n == 0:
        return []
    limbs = ints_to_limbs([leaf, *siblings])
    digits = np.array([tree.digit(index, k) for k in range(n)], dtype=np.int64)
    out = np.empty((n, 4), dtype=np.uint64)
    _path4(limbs[0], digits, limbs[1:], out, *_consts(5))
    return limbs_to_ints(out)
