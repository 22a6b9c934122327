"""Poseidon in the circuit, equal to the native `circuits.poseidon` (circomlib's hash).

The permutation runs in the fast form of `circuits.poseidon.fast_params`: linear
layers and round constants are free (they only build linear combinations); each S-box
x^5 costs 3 constraints (x2 = x*x, x4 = x2*x2, x5 = x4*x), none when its input is a
constant. So Poseidon with n inputs (width t = n + 1) costs 3 * (8 t + R_P(t)) - 3
constraints: element 0 enters the first round as the constant 0 + c, hence the - 3.
That is circomlib's count (2 inputs: 240), with about as many nonzeros as circom's
--O2 output (2 inputs: 3,192 in A, B and C together).

Names (under the caller's namespaces): constraints '<name>.round<k>.sbox<i>.x2|x4|x5',
rounds numbered 0..R_F+R_P-1, partial rounds having only sbox0. Variables: the S-box
squares '...x2', '...x4' and full-round outputs '...x5'; in partial rounds the S-box
inputs '<name>.round<k>.sbox0.in' are the variables instead of the outputs (see
`_partial_rounds`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc, weighted_sum
from ..field import R, inv
from ..poseidon import MAX_INPUTS, SPONGE_RATE, SPONGE_WIDTH, FastParams, fast_params
from ..poseidon import permute as permute_native
from ..poseidon_params import MAX_WIDTH, MIN_WIDTH, N_ROUNDS_F, N_ROUNDS_P


def _sbox(cs: ConstraintSystem, x: LC, tag: str) -> LC:
    k = x.constant_value()
    if k is not None:  # known when compiling too, so both modes agree
        x2 = k * k % R
        return LC.constant(x2 * x2 % R * k)
    x2 = cs.mul(x, x, name=f"{tag}.x2")
    x4 = cs.mul(x2, x2, name=f"{tag}.x4")
    return cs.mul(x4, x, name=f"{tag}.x5")


def _sbox_layer(cs: ConstraintSystem, s: list[LC], consts: Sequence[int], rnd: int) -> list[LC]:
    return [_sbox(cs, si + c, f"round{rnd}.sbox{i}") for i, (si, c) in enumerate(zip(s, consts))]


def _permute(cs: ConstraintSystem, state: list[LC], n_out: int) -> list[LC]:
    """The permutation of width len(state); returns the first n_out elements."""
    t = len(state)
    f = fast_params(t)
    consts = [c.constant_value() for c in state]
    if all(c is not None for c in consts):  # nothing secret: no constraint needed
        return [LC.constant(v) for v in permute_native(consts)[:n_out]]
    half = f.half
    s = state
    for k in range(half - 1):
        x = _sbox_layer(cs, s, f.full_constants[k], k)
        s = [weighted_sum(row, x) for row in f.mds]
    x = _sbox_layer(cs, s, f.full_constants[half - 1], half - 1)
    s = _partial_rounds(cs, f, x)
    base = half + f.n_rounds_p
    for k in range(half, 2 * half):
        x = _sbox_layer(cs, s, f.full_constants[k], base + k - half)
        s = [weighted_sum(row, x) for row in f.mds[:t if k < 2 * half - 1 else n_out]]
    return s


@dataclass(frozen=True)
class _PartialTemplate:
    """The linear algebra of the partial rounds of one width, fixed once (see
    `_partial_rounds`). Sparse coefficient lists ((basis position, coeff), ...) over the
    basis [1, x_0..x_{t-1}, z_1..z_{P-1}, y_last]: x the S-box outputs of the last
    first-half full round, z_k the S-box input of partial round k, y_last the S-box
    output of the last partial round."""

    z0: tuple[tuple[int, int], ...]                  # input of partial round 0
    y: tuple[tuple[tuple[int, int], ...], ...]       # output of partial round k < P-1
    out: tuple[tuple[tuple[int, int], ...], ...]     # state after the last partial round
    inv_m00: int


def _sparse(vec: Sequence[int]) -> tuple[tuple[int, int], ...]:
    return tuple((i, c % R) for i, c in enumerate(vec) if c % R)


@lru_cache(maxsize=None)
def _partial_template(t: int) -> _PartialTemplate:
    f = fast_params(t)
    inv_a = inv(f.sparse_first_row[0][0])
    consts = f.partial_constants
    n_last = f.n_rounds_p - 1
    z0 = [consts[0], *f.pre_sparse[0]]
    rest = [[0, *row] for row in f.pre_sparse[1:]]
    ys = []
    for k, (row, col) in enumerate(zip(f.sparse_first_row, f.sparse_first_col)):
        n = t + 2 + k  # basis size once z_{k+1} (or y_last) joins
        for r in rest:
            r.extend([0] * (n - len(r)))
        lin = [0] * n  # element 0 after the round, less m00 * y
        for g, r in zip(row[1:], rest):
            for i, c in enumerate(r):
                if c:
                    lin[i] += g * c
        if k == n_last:
            y_vec = [0] * (n - 1) + [1]
            lin[-1] = row[0]
            out = [lin] + [[(c + g * yc) % R for c, yc in zip(r, y_vec)] for r, g in zip(rest, col)]
            return _PartialTemplate(_sparse(z0), tuple(ys), tuple(_sparse(v) for v in out), inv_a)
        # z_{k+1} = m00 * y + lin + c_{k+1}  =>  y = (z_{k+1} - lin - c_{k+1}) / m00
        lin[0] += consts[k + 1]
        y_vec = [(-c * inv_a) % R for c in lin]
        y_vec[-1] = inv_a
        ys.append(_sparse(y_vec))
        rest = [[(c + g * yc) % R for c, yc in zip(r, y_vec)] for r, g in zip(rest, col)]
    raise AssertionError("unreachable: Poseidon has partial rounds")


def _partial_rounds(cs: ConstraintSystem, f: FastParams, x: list[LC]) -> list[LC]:
    """The R_P partial rounds (S-box on element 0 only), entered with the S-box outputs
    x of the last first-half full round (whose matrix is f.pre_sparse); returns the state.

    Sparsity: the S-box input of partial round k+1 is z' = m00 * y + L + c, with y the
    S-box output of round k and L linear in earlier values. Rather than allocate y and
    use the growing combination z' three times (x2 = z'*z', x5 = x4*z'), z' gets a
    variable and y = (z' - L - c) / m00 appears once, as the C side of round k's x5
    constraint (as circom's simplifier does): the same constraints up to which variable
    is eliminated (m00 != 0), with about half the nonzeros.

    Speed: the coefficients of every such combination are fixed per width
    (`_partial_template`); here they are only attached to this call's variables, and
    values are tracked natively (O(t) per round).
    """
    t = f.t
    tmpl = _partial_template(t)
    half = f.half
    consts = f.partial_constants
    solving = cs.solving
    basis: list[LC] = [LC.constant(1), *x]
    x_vars = [xi.single_var() for xi in x]
    direct = None not in x_vars and len(set(x_vars)) == t
    var_of = [0, *x_vars] if direct else None

    def make(terms: tuple[tuple[int, int], ...], val: int) -> LC:
        if direct:
            return LC({var_of[p]: c for p, c in terms}, val)
        return weighted_sum([c for _, c in terms], [basis[p] for p, _ in terms])

    z_val = 0
    rest_vals = [0] * (t - 1)
    if solving:
        xv = [cs.value(xi) for xi in x]
        vals = [sum(c * v for c, v in zip(row, xv)) % R for row in f.pre_sparse]
        z_val = (vals[0] + consts[0]) % R
        rest_vals = vals[1:]
    z = make(tmpl.z0, z_val)
    n_last = f.n_rounds_p - 1
    for k, (row, col) in enumerate(zip(f.sparse_first_row, f.sparse_first_col)):
        tag = f"round{half + k}.sbox0"
        x2 = cs.mul(z, z, name=f"{tag}.x2")
        x4 = cs.mul(x2, x2, name=f"{tag}.x4")
        y_val = pow(z_val, 5, R) if solving else 0
        if k == n_last:
            new = cs.mul(x4, z, name=f"{tag}.x5")
        else:
            new = cs.witness(f"round{half + k + 1}.sbox0.in", (
                row[0] * y_val + sum(g * v for g, v in zip(row[1:], rest_vals)) + consts[k + 1]
            ) % R if solving else None)
        basis.append(new)
        if direct:
            var_of.append(new.single_var())
        if k == n_last:
            break
        cs.enforce(x4, z, make(tmpl.y[k], y_val), name=f"{tag}.x5")
        if solving:
            rest_vals = [(v + g * y_val) % R for v, g in zip(rest_vals, col)]
            z_val = cs.value(new)
        z = new
    if solving:
        out_vals = [(row[0] * y_val + sum(g * v for g, v in zip(row[1:], rest_vals))) % R]
        out_vals += [(v + g * y_val) % R for v, g in zip(rest_vals, col)]
    else:
        out_vals = [0] * t
    return [make(terms, v) for terms, v in zip(tmpl.out, out_vals)]


def _check_width(t: int) -> None:
    if not MIN_WIDTH <= t <= MAX_WIDTH:
        raise ValueError(f"Poseidon state width must be {MIN_WIDTH}..{MAX_WIDTH}, got {t}")


def poseidon_permute(cs: ConstraintSystem, state: Sequence[Operand],
                     name: str = "poseidon") -> list[LC]:
    """The whole output state of the Poseidon permutation of width len(state) (2..17).

    Cost: 3 * (8 t + R_P(t)) constraints, less 3 per S-box whose input is a constant
    (in the first round: constant state elements).
    """
    _check_width(len(state))
    with cs.namespace(name):
        return _permute(cs, [as_lc(x) for x in state], len(state))


def poseidon(cs: ConstraintSystem, inputs: Sequence[Operand], name: str = "poseidon") -> LC:
    """circomlib's Poseidon hash of 1..16 inputs (LCs or int constants).

    Enforces out == Poseidon(inputs) (same function as `circuits.poseidon.poseidon`);
    the result is a linear combination of the last round's S-box outputs.

    Cost: 3 * (8 t + R_P(t)) - 3 constraints for n inputs, t = n + 1 (`cost(n)`;
    2 inputs: 240, like circomlib), less 3 more per constant input.
    """
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1..{MAX_INPUTS} inputs, got {len(inputs)}")
    with cs.namespace(name):
        return _permute(cs, [LC.constant(0)] + [as_lc(x) for x in inputs], 1)[0]


def cost(n_inputs: int) -> int:
    """Constraints of `poseidon` with n_inputs non-constant inputs."""
    t = n_inputs + 1
    return 3 * (N_ROUNDS_F * t + N_ROUNDS_P[t - 2]) - 3


def poseidon_sponge(cs: ConstraintSystem, values: Sequence[Operand],
                    name: str = "sponge") -> LC:
    """The sponge hash of a vector of any length, as `circuits.poseidon.poseidon_sponge`
    (width 4, rate 3, capacity initialised to len(values), zero padding, digest state[1]).

    Cost: one width-4 permutation per block of 3 (at least one): 3 * (32 + 56) = 264
    constraints, less 3 per constant element entering a block's first round (e.g. the
    padding of the first block).
    """
    n = len(values)
    state = [LC.constant(n)] + [LC.constant(0)] * SPONGE_RATE
    n_blocks = max(1, -(-n // SPONGE_RATE))
    with cs.namespace(name):
        for b in range(n_blocks):
            block = values[b * SPONGE_RATE:(b + 1) * SPONGE_RATE]
            for j, v in enumerate(block):
                state[1 + j] = state[1 + j] + as_lc(v)
            with cs.namespace(f"block{b}"):
                state = _permute(cs, state, SPONGE_WIDTH if b < n_blocks - 1 else 2)
    return state[1]
