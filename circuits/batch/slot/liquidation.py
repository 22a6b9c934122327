"""Partial liquidation in the slot (port A the liquidator, port B the target): the rule of
`circuits.spec.liquidation` (docs/risk.md). A forced close (`ops.fc`, asked on L1 by the
account's owner) is the same take-over by the insurance fund with q = LIQ_STEPS, whether
or not the target fails maintenance: no minimality check.

`liquidation` computes the terms of q steps (and of every fixed q' = 1..LIQ_STEPS - 1,
for the minimality check): what is taken from each position, its mark value, the bonus,
the penalty and what the target is left with. `liquidation_checks`, once the equities are
known, proves the target fails maintenance before, and fails initial margin after every
q' < q (`margin_checks` proves it passes after q): q is the fewest steps, so unique. q is
the record's `steps` field.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem, lc_sum
from ...field import to_signed as sv
from ...gadgets.mux import one_hot
from ...spec import margin as spec
from ...spec.liquidation import LIQ_STEP_BITS, LIQ_STEP_SHIFT, LIQ_STEPS
from ..margin import assert_nonneg, dot
from ..ranges import Signed, signed, unsigned
from ..shape import BatchShape
from ..tables import TablesVars
from ..witness import SlotInput
from .running import Ops

@dataclass
class Taken:
    """What n steps take from port B's positions, and its value at the mark."""

    signed: list[LC]
    """taken_k = sign(size_k) * floor(|size_k| * n / LIQ_STEPS)."""
    pos: list[LC]
    """max(taken_k, 0)."""
    total: LC
    """sum_k |taken_k|: what the target's haircut drops by."""
    value: LC
    bonus: LC
    penalty: LC


@dataclass
class Liquidation:
    steps: LC
    """q: 1..LIQ_STEPS in a liquidation, 0 in every other operation."""
    steps_bits: list[LC]
    full: LC
    """q == LIQ_STEPS (everything is taken; the target's cash is then at least 0)."""
    now: Taken
    fewer: list[Taken]
    """The terms of q' = 1..LIQ_STEPS - 1 steps (constants: computed in every slot)."""
    left: Signed
    """The target's cash + V - bonus - penalty, split by sign."""
    full_neg: LC
    """min(left, 0) at full liquidation (what the insurance fund covers), else 0."""


def _fraction(cs: ConstraintSystem, shape: BatchShape, so_b: list[Signed], n: LC, name: str) -> list[LC]:
    """floor(|size_k| * n / LIQ_STEPS) per k, each proven < 2^size_bits with remainder
    < LIQ_STEPS (so exact: |size_k| * n < 2^(size_bits + LIQ_STEP_SHIFT + 1), no wrap).
    Cost: K * (size_bits + LIQ_STEP_SHIFT + 4) constraints."""
    out = []
    with cs.namespace(name):
        for k, s in enumerate(so_b):
            prod = cs.mul(s.abs, n, name=f"prod{k}")
            t, rem = cs.hint(lambda v: [v >> LIQ_STEP_SHIFT, v & (LIQ_STEPS - 1)], prod, n_out=2,
                             name=f"divmod{k}")
            cs.enforce(t * LIQ_STEPS + rem, 1, prod, name=f"div{k}")
            unsigned(cs, t, shape.size_bits, name=f"t{k}")
            unsigned(cs, rem, LIQ_STEP_SHIFT, name=f"rem{k}")
            out.append(t)
    return out


def _bps(cs: ConstraintSystem, shape: BatchShape, gross: LC, bps: LC, name: str, checked: bool) -> LC:
    """floor(gross * bps / 10000), the remainder proven below the denominator. ``checked``:
    also range-check the quotient (needed where it enters a value with a coefficient
    other than 1: a remainder off by d moves the quotient by d / 10000 mod r, which a
    coefficient of 10 turns into an integer for d = 1000)."""
    with cs.namespace(name):
        prod = cs.mul(gross, bps, name="prod")
        den = shape.bps_denominator
        q, rem = cs.hint(lambda v: [v // den, v % den], prod, n_out=2, name="divmod")
        cs.enforce(q * den + rem, 1, prod, name="div")
        unsigned(cs, rem, shape.bps_bits, name="rem_range")
        unsigned(cs, den - 1 - rem, shape.bps_bits, name="rem_lt")
        if checked:
            unsigned(cs, q, shape.gross_bits + shape.bps_bits, name="q_range")
        # unchecked, q enters cash with coefficient 1: a wrong rem moves it by a nonzero
        # multiple of 1/den mod r, larger than 2^124 in absolute value, which the
        # liquidator's cash range and the range of `left` reject (docs/batch_circuit.md)
    return q


def _taken(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, so_b: list[Signed], n: LC, name: str,
           checked: bool) -> Taken:
    with cs.namespace(name):
        t = _fraction(cs, shape, so_b, n, "fraction")
        nt = [cs.mul(s.neg, x, name=f"neg{k}") for k, (s, x) in enumerate(zip(so_b, t))]
        taken = [x - 2 * y for x, y in zip(t, nt)]
        value = dot(cs, taken, tv.mark, name="value")
        gross = dot(cs, t, tv.mark, name="gross")
        bonus = _bps(cs, shape, gross, tv.liq_bonus_bps, "bonus", checked)
        penalty = _bps(cs, shape, gross, tv.liq_penalty_bps, "penalty", checked)
    return Taken(taken, [x - y for x, y in zip(t, nt)], lc_sum(t), value, bonus, penalty)


def liquidation(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, inp: SlotInput, ops: Ops, so_b: list[Signed],
                cash_b: LC) -> Liquidation:
    """The terms of q steps and of each q' = 1..LIQ_STEPS - 1 steps of port B's portfolio [liq].

    Enforces: q = 0 outside a take-over, 1 <= q <= LIQ_STEPS in one, q = LIQ_STEPS in a
    forced close; taken_k, value,
    bonus and penalty exactly as `circuits.spec.liquidation.terms` (floors with proven
    remainders); the remainder `left` fits equity_bits. Computed in every slot (q = 0
    takes nothing outside a liquidation).

    Cost, with L = LIQ_STEPS and s = log2 L: L * K * (size_bits + s + 6) + K + 4L * (bps_bits
    + 2) + 2 (L - 1) * (gross_bits + bps_bits + 1) + equity_bits + 3 * LIQ_STEP_BITS + 9
    constraints, + 1 for the forced close (K = 8, L = 4: 2,552).
    """
    lq = ops.lq
    with cs.namespace("liq"):
        q = cs.witness("steps", inp.liq_steps)
        q_bits = unsigned(cs, q, LIQ_STEP_BITS, name="steps_range")
        cs.enforce(1 - lq, q, 0, name="steps_unused")
        unsigned(cs, LIQ_STEPS - q, LIQ_STEP_BITS, name="steps_max")
        unsigned(cs, q - lq, LIQ_STEP_BITS, name="steps_min")      # q >= 1 in a liquidation
        cs.enforce(ops.fc, q - LIQ_STEPS, 0, name="steps_forced_close")
        full = q_bits[LIQ_STEP_SHIFT]                               # q <= LIQ_STEPS: the top bit
        now = _taken(cs, shape, tv, so_b, q, "now", checked=False)
        fewer = [_taken(cs, shape, tv, so_b, n, f"at{n}", checked=True) for n in range(1, LIQ_STEPS)]
        left = signed(cs, cash_b + now.value - now.bonus - now.penalty, shape.equity_bits, name="left")
        full_neg = cs.mul(full, left.negpart, name="full_neg")
    return Liquidation(q, q_bits, full, now, fewer, left, full_neg)


def liquidation_checks(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, ops: Ops, liq: Liquidation,
                       e_old_b: list[LC], oh_j: list[LC]) -> None:
    """In a liquidation under the partial rule (`ops.minimal`: not a forced close) [liq_checks]:
    the target fails maintenance, E_j < 0 at the hinted
    scenario j of its old equities; and after each q' < q steps (taken at the mark, bonus
    and penalty paid) it fails initial margin, Q_i < 0 at a hinted scenario i per q'. (After
    0 steps that is its old state, which fails IM because it fails MM.) With the IM check
    after q (`margin_checks`), q is the fewest steps that restore initial margin.

    The equities after q' steps follow from the old ones: E_s' = E_s + V' - B' - P'
    + sum_k |taken_k'| - sum_k taken_k' * scen[k][s] (cash + V' - B' - P', the haircut
    less sum |taken'|, the positions less taken'); at the mark (s = 0) the last two
    value terms cancel.

    Cost: (LIQ_STEPS - 1) * ((K + 2) * S + K + im_bits + 4) + S + im_bits + LIQ_STEPS + 5
    constraints (K = 8, S = 35, LIQ_STEPS = 4: 1,534).
    """
    K, S, lq = shape.K, shape.S, ops.minimal
    E = shape.im_bits + 1
    with cs.namespace("liq_checks"):
        e_j = dot(cs, oh_j, e_old_b, name="old_j")
        assert_nonneg(cs, -cs.mul(lq, e_j, name="fails_mm") - lq, E, name="fails_mm_range")
        # oh_q[n] = [q == n]; q > n is the sum of oh_q above n (0 outside a liquidation: q = 0);
        # a forced close has q = LIQ_STEPS, so that sum is 1 there and fc takes it back to 0
        oh_q = one_hot(cs, liq.steps, LIQ_STEPS + 1, name="q_sel")
        for n, p in enumerate(liq.fewer, start=1):
            with cs.namespace(f"at{n}"):
                _fails_im(cs, K, S, tv, p, e_old_b, lc_sum(oh_q[n + 1:]) - ops.fc, E)


def _fails_im(cs: ConstraintSystem, K: int, S: int, tv: TablesVars, p: Taken, e_old_b: list[LC], gate: LC,
              E: int) -> None:
    """gate = 1: the target after the steps `p` fails IM, Q_i < 0 at a hinted i.
    Cost: (K + 2) * S + K + E + 3 constraints."""
    shift = p.value - p.bonus - p.penalty + p.total

    def i_hint(*vals):
        # the first scenario in which the state after these steps fails IM
        eo, sh, tk, sc = vals[:S], sv(vals[S]), vals[S + 1:S + 1 + K], vals[S + 1 + K:]
        eq = [sv(eo[s]) + sh - sum(sv(tk[k]) * sv(sc[k * S + s]) for k in range(K)) for s in range(S)]
        return next((s for s, x in enumerate(spec.im_quantities(eq)) if x < 0), 0)
    i = cs.hint(i_hint, *e_old_b, shift, *p.signed, *[tv.scen[k][s] for k in range(K) for s in range(S)],
                name="i")
    oh_i = one_hot(cs, i, S, name="i_sel")
    row_i = [dot(cs, oh_i, tv.scen[k], name=f"row{k}") for k in range(K)]
    e_i = (dot(cs, oh_i, e_old_b, name="old_i") + shift
           - lc_sum(cs.mul(p.signed[k], row_i[k], name=f"taken_row{k}") for k in range(K)))
    e_0 = e_old_b[0] + shift - p.value
    q_i = spec.im_quantity(e_i, e_0)
    assert_nonneg(cs, -cs.mul(gate, q_i, name="fails_im") - gate, E, name="fails_im_range")
