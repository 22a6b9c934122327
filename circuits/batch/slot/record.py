"""The slot's record: which slot variable fills which record field (`circuits.batch.records`)."""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ..records import RecordVar as V
from ..records import record_bits
from ..shape import BatchShape
from .liquidation import Liquidation
from .ports import PortVars
from .request import Request
from .running import Ops
from .trade import OrderVars, TradeTerms


def record(cs: ConstraintSystem, shape: BatchShape, ops: Ops, A: PortVars, B: PortVars, req: Request,
           terms: TradeTerms, sides: dict[str, OrderVars], paid: LC, paid_bits: list[LC], liq: Liquidation) -> list[LC]:
    """The slot's record [record] (`records.record_bits`): the bits of port A's and port
    B's account numbers, the amount, the refunded flag, the withdrawal's destination, the
    amount paid, the instrument slot (bits of its one-hot selector), order A's side, the
    fill, the price, both fee rates, both order ids and a liquidation's steps.

    Cost: 10 constraints (the `_unused` checks).
    """
    slot_bits = [sum((ops.oh_k[k] for k in range(shape.K) if (k >> j) & 1), LC.constant(0))
                 for j in range(max(1, (shape.K - 1).bit_length()))]
    a, b = sides["a"], sides["b"]
    variables = {
        "a_account": V(A.account, A.bits), "b_account": V(B.account, B.bits),
        "amount": V(req.amount, req.amount_bits), "refunded": V(req.refunded, [req.refunded], gated=True),
        "l1_paid": V(req.l1_paid, req.l1_paid_bits, gated=True), "paid": V(paid, paid_bits, gated=True),
        "slot": V(ops.inst, slot_bits), "side_a": V(a.side, [a.side]),
        "fill": V(terms.fill, terms.fill_bits), "price": V(terms.price, terms.price_bits),
        "rate_a": V(a.fee_rate, a.fee_rate_bits), "rate_b": V(b.fee_rate, b.fee_rate_bits),
        "oid_a": V(a.oid, a.oid_bits), "oid_b": V(b.oid, b.oid_bits),
        "liq_steps": V(liq.steps, liq.steps_bits, gated=True),
    }
    return record_bits(cs, ops.sel, variables)
