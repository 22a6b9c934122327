"""Per-batch aggregation (Loopring-style) of the fee account's and the insurance fund's cash.

Trading fees and the insurance fund's receipts (liquidation penalties and shortfalls)
accumulate in two running totals instead of touching those accounts in every slot. A
slot whose port touches one of them first adds the pending total to the cash it reads
("flush on touch"), so every rule sees the same cash as the native state; the batch adds
what is left pending at its end (`circuit.py`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from .ports import PortVars
from .running import Ops


@dataclass
class Touched:
    """The cash each port reads (stored cash plus what was pending for it) and the totals
    still pending."""

    cash_a: LC
    cash_b: LC
    pend_fee: LC
    pend_ins: LC


def flush_on_touch(cs: ConstraintSystem, ops: Ops, A: PortVars, B: PortVars, pend_fee: LC,
                   pend_ins: LC) -> Touched:
    """Move the pending fee (insurance) total into the cash of a used port that is the fee
    account (insurance fund) [flush].

    Cost: 8 constraints (per port: 2 touch bits, 2 moved amounts).
    """
    cash = {}
    with cs.namespace("flush"):
        pf, pi = pend_fee, pend_ins
        for tag, use, P in (("a", ops.use_a, A), ("b", ops.use_b, B)):
            t0 = cs.mul(use, P.is0, name=f"touch_fee_{tag}")
            t1 = cs.mul(use, P.is1, name=f"touch_ins_{tag}")
            fee = cs.mul(t0, pf, name=f"fee_{tag}")
            ins = cs.mul(t1, pi, name=f"ins_{tag}")
            cash[tag] = P.old.cash + fee + ins
            pf, pi = pf - fee, pi - ins
    return Touched(cash["a"], cash["b"], pf, pi)


def pending_totals(cs: ConstraintSystem, ops: Ops, touched: Touched, fees: LC, insurance: LC) -> tuple[LC, LC]:
    """The totals after this slot [pending]: a trade adds both sides' fees to the pending
    fee total, a liquidation its penalty and, at full liquidation, the shortfall
    (`insurance`) to the insurance total.

    Cost: 2 constraints.
    """
    with cs.namespace("pending"):
        pf = touched.pend_fee + cs.mul(ops.tr, fees, name="fees")
        pi = touched.pend_ins + cs.mul(ops.lq, insurance, name="insurance")
    return pf, pi
