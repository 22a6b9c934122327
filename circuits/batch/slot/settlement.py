"""Settlement in the slot: what moves between the two ports' cash.

Settle (port A the account, port B the clearing account): at expiry a position in slot k
pays size * settle_value[k] into cash and moves to the clearing account (a settled slot's
settlement value is its mark, scen[k][0]: L1 accepts a settled slot only valued at its
payoff in every scenario). Liquidation is `circuits.batch.slot.liquidation`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from ...gadgets.comparators import assert_nonzero
from ..margin import dot
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
