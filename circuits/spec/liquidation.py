"""The partial liquidation rule: how much of a failing account a liquidator takes over
(docs/risk.md, "Liquidation").

An account failing maintenance (some scenario equity E_s < 0) is liquidated in steps of
1/LIQ_STEPS (a quarter) of every position. With q steps (1 <= q <= LIQ_STEPS) the liquidator takes

    taken_k = sign(size_k) * floor(|size_k| * q / LIQ_STEPS)     (all of it at q = LIQ_STEPS)

at the mark less a bonus, and the target pays a penalty to the insurance fund:

    V = sum_k taken_k * mark_k,   G = sum_k |taken_k| * mark_k
    B = floor(G * bonus_bps / 10000),   P = floor(G * penalty_bps / 10000)
    left = cash + V - B - P

The target keeps size_k - taken_k and cash `left`; at q = LIQ_STEPS (nothing left) its
cash is max(left, 0) and the insurance fund covers a negative `left`. q is the fewest
steps after which the target passes *initial* margin (the buffer above maintenance):
q = LIQ_STEPS always qualifies (no positions, cash >= 0), so q exists. Passing IM is not
monotone in q (the floors change a portfolio's mix: taking one step can unbalance a hedge
that more steps would balance again), so the circuit proves minimality in full: the target
passes IM after q steps and fails it after every q' < q (after 0 steps it fails
maintenance, hence IM). So q is unique, and the record's q (`steps`) is the rule's.

Every value is an integer; the functions work on ints (native) and the circuit
(`circuits.batch.slot.liquidation`) proves the same formulas.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from . import margin
from .widths import BPS_DENOMINATOR

LIQ_STEPS = 4
"""Liquidation steps: a liquidation takes q / LIQ_STEPS of every position (a power of 2). Each
step below LIQ_STEPS costs the circuit one more minimality check (1,123 constraints per slot
at K = 8, S = 35), so quarters rather than eighths."""
LIQ_STEP_BITS = LIQ_STEPS.bit_length()
"""Bits of q in 0..LIQ_STEPS (the record field `steps`)."""
LIQ_STEP_SHIFT = LIQ_STEP_BITS - 1
"""LIQ_STEPS = 2^LIQ_STEP_SHIFT: floor(x / LIQ_STEPS) is x >> LIQ_STEP_SHIFT."""
assert LIQ_STEPS & (LIQ_STEPS - 1) == 0 and LIQ_STEPS >= 2


@dataclass(frozen=True)
class LiquidationTerms:
    """What q steps of a liquidation move (module docstring)."""

    steps: int
    taken: tuple[int, ...]
    value: int
    gross: int
    bonus: int
    penalty: int
    left: int

    @property
    def full(self) -> bool:
        return self.steps == LIQ_STEPS

    @property
    def target_cash(self) -> int:
        """The target's new cash: `left`, at full liquidation no less than 0."""
        return max(self.left, 0) if self.full else self.left

    @property
    def shortfall(self) -> int:
        """What the insurance fund covers (only at full liquidation)."""
        return max(-self.left, 0) if self.full else 0


def taken(sizes: Sequence[int], steps: int) -> tuple[int, ...]:
    """sign(size_k) * floor(|size_k| * steps / LIQ_STEPS) for each k."""
    if not 0 <= steps <= LIQ_STEPS:
        raise ValueError(f"liquidation steps must be in 0..{LIQ_STEPS}, got {steps}")
    return tuple((abs(s) * steps // LIQ_STEPS) * (1 if s >= 0 else -1) for s in sizes)


def terms(cash: int, sizes: Sequence[int], mark: Sequence[int], bonus_bps: int, penalty_bps: int,
          steps: int) -> LiquidationTerms:
    """The liquidation terms of `steps` steps of the account (cash, sizes) at `mark`."""
    t = taken(sizes, steps)
    value = sum(x * m for x, m in zip(t, mark))
    gross = sum(abs(x) * m for x, m in zip(t, mark))
    bonus = gross * bonus_bps // BPS_DENOMINATOR
    penalty = gross * penalty_bps // BPS_DENOMINATOR
    return LiquidationTerms(steps, t, value, gross, bonus, penalty, cash + value - bonus - penalty)


def target_after(cash: int, sizes: Sequence[int], t: LiquidationTerms) -> tuple[int, tuple[int, ...]]:
    """The target's cash and sizes after the liquidation `t`."""
    return t.target_cash, tuple(s - x for s, x in zip(sizes, t.taken))


def passes_after(cash: int, sizes: Sequence[int], scen: Sequence[Sequence[int]], t: LiquidationTerms) -> bool:
    """Does the target pass initial margin after `t`?"""
    c, s = target_after(cash, sizes, t)
    return margin.passes_im(margin.equities(c, s, scen))


def steps_needed(cash: int, sizes: Sequence[int], scen: Sequence[Sequence[int]], bonus_bps: int,
                 penalty_bps: int) -> int:
    """The fewest steps after which the target passes initial margin (module docstring)."""
    mark = [row[0] for row in scen]
    for q in range(1, LIQ_STEPS):
        if passes_after(cash, sizes, scen, terms(cash, sizes, mark, bonus_bps, penalty_bps, q)):
            return q
    return LIQ_STEPS


def steps_valid(cash: int, sizes: Sequence[int], scen: Sequence[Sequence[int]], bonus_bps: int, penalty_bps: int,
                steps: int) -> bool:
    """What the circuit proves of q: 1 <= q <= LIQ_STEPS, the target passes IM after q steps
    and after no fewer (0 steps: the account as it is). For an account failing maintenance
    that is exactly q == steps_needed(...)."""
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= LIQ_STEPS:
        return False
    mark = [row[0] for row in scen]
    return (passes_after(cash, sizes, scen, terms(cash, sizes, mark, bonus_bps, penalty_bps, steps))
            and not any(passes_after(cash, sizes, scen, terms(cash, sizes, mark, bonus_bps, penalty_bps, fewer))
                        for fewer in range(steps)))


__all__ = ["LIQ_STEPS", "LIQ_STEP_BITS", "LiquidationTerms", "taken", "terms", "target_after", "passes_after",
           "steps_needed", "steps_valid"]
