"""Settlement and liquidation in the slot: what moves between the two ports' cash.

Settle (port A the account, port B the clearing account): at expiry a position in slot k
pays size * settle_value[k] into cash and moves to the clearing account (a settled slot's
settlement value is its mark, scen[k][0]: L1 accepts a settled slot only valued at its
payoff in every scenario). Liquidate (port
A the liquidator, port B the target): the liquidator takes over the target's portfolio
at its mark value V less a bonus; the target keeps cash + V - bonus - penalty when that
is positive, the insurance fund receives the penalty and covers a negative remainder
(docs/batch_circuit.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from ...gadgets.comparators import assert_nonzero
from ..margin import dot
from ..ranges import Signed, signed, unsigned
from ..shape import BatchShape
from ..tables import TablesVars
from .ports import PortVars
from .running import Ops


@dataclass
class Settlement:
    size_a_k: LC
    """Port A's old size in the instrument slot k (what a settlement moves)."""
    amount: LC
    """size_a_k * settle_value[k]: the cash a settlement moves from port B to port A."""


def settlement(cs: ConstraintSystem, tv: TablesVars, ops: Ops, A: PortVars) -> Settlement:
    """Settlement of slot k [settle]. Enforces (in a settlement): slot k is settled in the
    oracle table and port A holds a position there.

    Cost: 3K + 4 constraints (K = 8: 28).
    """
    with cs.namespace("settle"):
        size_a_k = dot(cs, ops.oh_k, A.old.sizes, name="size_a")
        settled_k = dot(cs, ops.oh_k, tv.settled, name="settled")
        value_k = dot(cs, ops.oh_k, tv.mark, name="value")
        cs.enforce(ops.st, settled_k - 1, 0, name="is_settled")
        assert_nonzero(cs, 1 + cs.mul(ops.st, size_a_k - 1, name="size_sel"), name="has_position")
        return Settlement(size_a_k, cs.mul(size_a_k, value_k, name="amount"))


@dataclass
class Liquidation:
    value: LC
    """V = sum_k size_k * mark_k of the target's portfolio."""
    bonus: LC
    penalty: LC
    left: Signed
    """The target's cash + V - bonus - penalty, split by sign."""


def liquidation(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, B: PortVars, so_b: list[Signed],
                cash_b: LC) -> Liquidation:
    """Port B's portfolio value, the liquidation bonus and penalty, the remainder [liq].

    Enforces: bonus = floor(G * bonus_bps / 10000) and penalty likewise, for the gross mark
    value G = sum_k |size_k| * mark_k (remainders proven below the denominator); the
    remainder fits equity_bits. Computed in every slot (the inputs are zero or unused
    outside a liquidation).

    Cost: 2K + 4 * bps_bits + equity_bits + 12 constraints (K = 8: 181).
    """
    with cs.namespace("liq"):
        value = dot(cs, B.old.sizes, tv.mark, name="value")
        gross = dot(cs, [s.abs for s in so_b], tv.mark, name="gross")
        parts = {}
        for what, bps in (("bonus", tv.liq_bonus_bps), ("penalty", tv.liq_penalty_bps)):
            with cs.namespace(what):
                prod = cs.mul(gross, bps, name="prod")
                den = shape.bps_denominator
                q, rem = cs.hint(lambda v: [v // den, v % den], prod, n_out=2, name="divmod")
                cs.enforce(q * den + rem, 1, prod, name="div")
                unsigned(cs, rem, shape.bps_bits, name="rem_range")
                unsigned(cs, den - 1 - rem, shape.bps_bits, name="rem_lt")
                # q is not range-checked: a wrong rem moves q by a nonzero multiple of
                # 1/den mod r, larger than 2^124 in absolute value, which the liquidator's
                # cash range and the range of `left` reject (docs/batch_circuit.md)
                parts[what] = q
        left = signed(cs, cash_b + value - parts["bonus"] - parts["penalty"], shape.equity_bits, name="left")
    return Liquidation(value, parts["bonus"], parts["penalty"], left)
