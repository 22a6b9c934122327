"""Native Poseidon over Fr of BN254, equal to circomlib / circomlibjs.

`poseidon(inputs)` hashes 1..16 field elements: the state [0, in_1, .., in_n] of width
t = n + 1 goes through the permutation and the hash is state[0] afterwards.

Two implementations of the same permutation:

- `permute_reference`: the textbook rounds (add constants, S-box x^5 on all
  elements in full rounds and on element 0 in partial rounds, multiply by the MDS).
- `permute` (used by `poseidon`): the equivalent fast form of the Poseidon paper's
  appendix, derived here from the same parameters (`fast_params`): the partial rounds
  add a constant to element 0 only and multiply by a sparse matrix (first row, first
  column and the identity), so a partial round costs about 2t multiplications
  instead of t^2. Tests compare both on random states.

`poseidon_sponge(values)` hashes a vector of any length (the oracle tables); see its
docstring for the exact construction.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .field import R, check_elements, inv
from .poseidon_params import MAX_WIDTH, MIN_WIDTH, params

MAX_INPUTS = MAX_WIDTH - 1
SPONGE_WIDTH = 4
"""Width of `poseidon_sponge`'s permutation. A permutation of width t costs about
8(t^2 + 3t) + R_P(2t + 2) multiply-adds and absorbs t - 1 values: per value that is flat
(~255) for t = 4..9 and 30% more at t = 17; on the EVM only t <= 4 keeps the state and
the sparse rounds in one contract (verifier/poseidon_sponge_evm.py: 5.6k gas per value
at t = 4, against ~15k for a width-17 block), and L1 hashes every table it accepts."""
SPONGE_RATE = SPONGE_WIDTH - 1


def _pow5(x: int) -> int:
    x2 = x * x % R
    return x2 * x2 % R * x % R


def _mat_vec(m: Sequence[Sequence[int]], v: Sequence[int]) -> list[int]:
    return [sum(a * b for a, b in zip(row, v)) % R for row in m]


def permute_reference(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of width len(state), round by round as specified."""
    p = params(len(state))
    half = p.n_rounds_f // 2
    s = list(state)
    for rnd in range(p.n_rounds):
        s = [(x + c) % R for x, c in zip(s, p.constants[rnd])]
        if rnd < half or rnd >= half + p.n_rounds_p:
            s = [_pow5(x) for x in s]
        else:
            s[0] = _pow5(s[0])
        s = _mat_vec(p.mds, s)
    return s


# --- fast form -------------------------------------------------------------------

def _mat_mul(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]]) -> list[list[int]]:
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) % R for col in cols] for row in a]


def _mat_inv(m: Sequence[Sequence[int]]) -> list[list[int]]:
    """Inverse over Fr by Gauss-Jordan elimination; ValueError if singular."""
    n = len(m)
    a = [list(row) + [int(i == j) for j in range(n)] for i, row in enumerate(m)]
    for col in range(n):
        piv = next((i for i in range(col, n) if a[i][col] % R), None)
        if piv is None:
            raise ValueError("singular matrix")
        a[col], a[piv] = a[piv], a[col]
        f = inv(a[col][col])
        a[col] = [x * f % R for x in a[col]]
        for i in range(n):
            if i != col and a[i][col]:
                g = a[i][col]
                a[i] = [(x - g * y) % R for x, y in zip(a[i], a[col])]
    return [row[n:] for row in a]


@dataclass(frozen=True)
class FastParams:
    """The fast, equivalent form of the permutation for one width t.

    Rounds: first R_F/2 full rounds with `full_constants[k]` and the MDS, except that
    the last of them multiplies by `pre_sparse` instead; then R_P partial rounds:
    state[0] += partial_constants[i], S-box on state[0], then the sparse matrix
    new[0] = sparse_first_row[i] . state, new[j] = state[j] + sparse_first_col[i][j-1] * state[0];
    then R_F/2 full rounds with `full_constants[R_F/2 + k]` and the MDS.
    """

    t: int
    half: int
    n_rounds_p: int
    mds: tuple[tuple[int, ...], ...]
    full_constants: tuple[tuple[int, ...], ...]
    partial_constants: tuple[int, ...]
    pre_sparse: tuple[tuple[int, ...], ...]
    sparse_first_row: tuple[tuple[int, ...], ...]
    sparse_first_col: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=None)
def fast_params(t: int) -> FastParams:
    """Derive the fast form from `params(t)`.

    Constants: in a partial round, the constants added to elements 1..t-1 commute
    with the S-box (it touches element 0 only), so they move past it and through the
    MDS into the next round; carried forward, they all land in the first full round
    of the second half, leaving one scalar constant per partial round.

    Matrices: write M = [[m00, v^T], [w, M11]]. A partial round's matrix N factors as
    N = N'' . diag(1, N11) with sparse N'' = [[n00, n01^T N11^-1], [n10, I]]; the
    diag(1, N11) factor commutes with the next-earlier S-box and scalar constant, so
    it merges into the previous round's matrix. Unrolled from the last partial round
    backwards, partial round i (0-based, of P) has N11 = M11^(P-i), first row
    (m00, v^T M11^-(P-i)) and first column M11^(P-i-1) w; the last first-half full
    round multiplies by diag(1, M11^P) . M.
    """
    p = params(t)
    half = p.n_rounds_f // 2
    n_p = p.n_rounds_p
    mds = [list(row) for row in p.mds]
    consts = [list(c) for c in p.constants]
    # Carry the partial rounds' non-first constants forward.
    for rnd in range(half, half + n_p):
        rest = [0] + consts[rnd][1:]
        consts[rnd] = [consts[rnd][0]] + [0] * (t - 1)
        carried = _mat_vec(mds, rest)
        consts[rnd + 1] = [(a + b) % R for a, b in zip(consts[rnd + 1], carried)]
    full_constants = tuple(tuple(c) for c in consts[:half] + consts[half + n_p:])
    partial_constants = tuple(c[0] for c in consts[half:half + n_p])

    m00, v, w = mds[0][0], mds[0][1:], [row[0] for row in mds[1:]]
    m11 = [row[1:] for row in mds[1:]]
    m11_inv = _mat_inv(m11)
    rows: list[tuple[int, ...]] = []
    cols: list[tuple[int, ...]] = []
    row_v = list(v)          # v^T M11^-k, k = 1.. from the last round backwards
    col_w = list(w)          # M11^(k-1) w
    power = [[int(i == j) for j in range(t - 1)] for i in range(t - 1)]  # M11^(k-1)
    for _ in range(n_p):
        row_v = [sum(row_v[i] * m11_inv[i][j] for i in range(t - 1)) % R for j in range(t - 1)]
        rows.append((m00, *row_v))
        cols.append(tuple(col_w))
        power = _mat_mul(m11, power)
        col_w = _mat_vec(m11, col_w)
    rows.reverse()
    cols.reverse()
    block = [[1] + [0] * (t - 1)] + [[0] + list(r) for r in power]  # diag(1, M11^P)
    pre_sparse = _mat_mul(block, mds)
    return FastParams(t, half, n_p, tuple(tuple(r) for r in p.mds), full_constants,
                      partial_constants, tuple(tuple(r) for r in pre_sparse),
                      tuple(rows), tuple(cols))


def _check_state(state: Sequence[int]) -> None:
    if not MIN_WIDTH <= len(state) <= MAX_WIDTH:
        raise ValueError(f"Poseidon state width must be {MIN_WIDTH}..{MAX_WIDTH}, got {len(state)}")
    check_elements(state, "Poseidon state element")


def permute(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of width len(state) (2..17), fast form; elements < r."""
    _check_state(state)
    return _permute_fast(list(state))


def _permute_fast(s: list[int]) -> list[int]:
    f = fast_params(len(s))
    half = f.half
    for k in range(half):
        s = [_pow5((x + c) % R) for x, c in zip(s, f.full_constants[k])]
        s = _mat_vec(f.pre_sparse if k == half - 1 else f.mds, s)
    for c, row, col in zip(f.partial_constants, f.sparse_first_row, f.sparse_first_col):
        x0 = _pow5((s[0] + c) % R)
        first = (row[0] * x0 + sum(a * b for a, b in zip(row[1:], s[1:]))) % R
        s = [first] + [(x + g * x0) % R for x, g in zip(s[1:], col)]
    for k in range(half, 2 * half):
        s = [_pow5((x + c) % R) for x, c in zip(s, f.full_constants[k])]
        s = _mat_vec(f.mds, s)
    return s


def _check_inputs(inputs: Sequence[int]) -> None:
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"Poseidon inputs must be a list of field elements, got {type(inputs).__name__}")
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1..{MAX_INPUTS} inputs, got {len(inputs)}")
    check_elements(inputs, "Poseidon input")


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib's Poseidon hash of 1..16 field elements (each an int in [0, r))."""
    _check_inputs(inputs)
    return _permute_fast([0, *inputs])[0]


def poseidon_reference(inputs: Sequence[int]) -> int:
    """`poseidon` through the textbook permutation (the reference twin)."""
    _check_inputs(inputs)
    return permute_reference([0, *inputs])[0]


def poseidon_sponge(values: Sequence[int]) -> int:
    """Hash a vector of any length (0 allowed) of field elements to one element.

    A sponge over the width-4 permutation (`SPONGE_WIDTH`) with rate 3 and capacity 1:
    the state starts as [len(values), 0, 0, 0] (the length in the capacity element
    separates vectors that differ only by trailing zeros); the values, zero-padded to
    a multiple of 3 (at least one block), are absorbed 3 at a time by adding
    block[j] to state[1 + j] and then permuting; the digest is state[1].

    For 1..3 values this is one permutation, the same as circomlib's PoseidonEx with
    initialState = len(values), the inputs zero-padded to 3, and output 1.
    """
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"sponge input must be a list of field elements, got {type(values).__name__}")
    check_elements(values, "sponge input")
    state = [len(values) % R] + [0] * SPONGE_RATE
    n_blocks = max(1, -(-len(values) // SPONGE_RATE))
    for b in range(n_blocks):
        block = values[b * SPONGE_RATE:(b + 1) * SPONGE_RATE]
        for j, v in enumerate(block):
            state[1 + j] = (state[1 + j] + v) % R
        state = _permute_fast(state)
    return state[1]
