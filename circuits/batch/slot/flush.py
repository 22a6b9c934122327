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
    with cs.namespace("flush"):
        pf, pi = pend_fee, pend_ins
        t0a = cs.mul(ops.use_a, A.is0, name="touch_fee_a")
        t1a = cs.mul(ops.use_a, A.is1, name="touch_ins_a")
        fa = cs.mul(t0a, pf, name="fee_a")
        ia = cs.mul(t1a, pi, name="ins_a")
        cash_a = A.old.cash + fa + ia
        pf, pi = pf - fa, pi - ia
        t0b = cs.mul(ops.use_b, B.is0, name="touch_fee_b")
        t1b = cs.mul(ops.use_b, B.is1, name="touch_ins_b")
        fb = cs.mul(t0b, pf, name="fee_b")
        ib = cs.mul(t1b, pi, name="ins_b")
        cash_b = B.old.cash + fb + ib
        return Touched(cash_a, cash_b, pf - fb, pi - ib)


def pending_totals(cs: ConstraintSystem, ops: Ops, touched: Touched, fees: LC, insurance: LC) -> tuple[LC, LC]:
    """The totals after this slot [pending]: a trade adds both sides' fees to the pending
    fee total, a liquidation its penalty and shortfall (`insurance`) to the insurance total.

    Cost: 2 constraints.
    """
    with cs.namespace("pending"):
        pf = touched.pend_fee + cs.mul(ops.tr, fees, name="fees")
        pi = touched.pend_ins + cs.mul(ops.lq, insurance, name="insurance")
    return pf, pi
