"""`slot_gadget`: one operation slot, as a sequence of sub-gadgets (one per concern).

The order of the sub-gadgets is the order of the constraints and witnesses in the R1CS
(a change of order changes the circuit). `SLOT_PARTS` names them; `slot_gadget(...,
costs=d)` adds each part's constraint count to ``d`` (what `costs.slot_part_costs`
reports), and the parts add up to the whole slot.
"""
from __future__ import annotations

from typing import Callable, Optional, TypeVar

from ...cs import LC, ConstraintSystem
from ...spec import tree
from ...spec.messages import REQUEST_LAYOUT
from ...spec.widths import (ACCOUNT_BITS, AMOUNT_BITS, FEE_RATE_BITS, L1_ADDRESS_BITS, ORDER_ID_BITS, PRICE_BITS,
                           SIZE_BITS, TIME_BITS)
from ..account_leaf import AccountVars
from ..shape import BatchShape
from ..tables import TablesVars
from ..witness import N_OPS, OP_NOOP, AccountFields, Port, SlotInput
from .flush import flush_on_touch, pending_totals
from .forced import forced_outcome, forced_payout
from .leaves import leaves, priority
from .liquidation import liquidation, liquidation_checks
from .margin_rules import margin_checks, margin_equities
from .ports import old_sizes, ports, roles, selectors
from .positions import new_cash, positions
from .record import record
from .request import request
from .running import Running
from .settlement import settlement
from .signatures import signatures
from .trade import order_fills, orders, trade_terms

T = TypeVar("T")

SLOT_PARTS = ("selectors", "ports", "flush_on_touch", "request", "roles", "old_sizes", "trade_terms", "orders",
              "order_fills", "settlement", "liquidation", "positions", "forced_payout", "new_cash",
              "margin_equities", "liquidation_checks", "forced_outcome", "margin_checks", "signatures", "leaves",
              "record", "priority", "pending_totals")
"""The slot's sub-gadgets (function names), in circuit order."""


def default_slot(shape: BatchShape) -> SlotInput:
    """A Noop slot with every list at its shape's length (used when compiling)."""
    k = shape.K

    def port() -> Port:
        p = Port(account=0, exists=0, before=AccountFields(0, 0, 0, 0, (0,) * k, tree.empty_root(shape.ord_depth)),
                 siblings=(0,) * shape.acc_path)
        p.fill.siblings = (0,) * shape.ord_path
        return p
    return SlotInput(op=OP_NOOP, a=port(), b=port())


def _check_shape(shape: BatchShape) -> None:
    """The packings (messages, priority entries, records) are one-to-one only for widths
    no larger than the rollup's."""
    widths = {"index_bits": (shape.index_bits, ACCOUNT_BITS), "amount_bits": (shape.amount_bits, AMOUNT_BITS),
              "size_bits": (shape.size_bits, SIZE_BITS), "price_bits": (shape.price_bits, PRICE_BITS),
              "fee_rate_bits": (shape.fee_rate_bits, FEE_RATE_BITS),
              "order_id_bits": (shape.order_id_bits, ORDER_ID_BITS), "time_bits": (shape.time_bits, TIME_BITS),
              "nonce_bits": (shape.nonce_bits, dict(REQUEST_LAYOUT)["nonce"]),
              "l1_address_bits": (shape.l1_address_bits, L1_ADDRESS_BITS)}
    for name, (have, most) in widths.items():
        if have > most:
            raise ValueError(f"the packed encodings need {name} <= {most}, the shape has {have}")


def _check_input(shape: BatchShape, inp: SlotInput) -> None:
    if not isinstance(inp, SlotInput):
        raise ValueError("slot input must be a circuits.batch.witness.SlotInput")
    if not 0 <= inp.op < N_OPS:
        raise ValueError(f"unknown operation code {inp.op}")
    for name, p in (("port a", inp.a), ("port b", inp.b)):
        if p.before is None:
            raise ValueError(f"{name}: missing account fields (use zeros for an unused port)")
        if len(p.before.sizes) != shape.K:
            raise ValueError(f"{name}: expected {shape.K} position sizes, got {len(p.before.sizes)}")
        if len(p.siblings) != shape.acc_path:
            raise ValueError(f"{name}: expected {shape.acc_path} siblings (account depth {shape.acc_depth}), "
                             f"got {len(p.siblings)}")
        if len(p.fill.siblings) != shape.ord_path:
            raise ValueError(f"{name}: expected {shape.ord_path} order-fill siblings (order depth "
                             f"{shape.ord_depth}), got {len(p.fill.siblings)}")


class _Meter:
    """Runs sub-gadgets, adding each one's constraint count to ``costs`` (when given)."""

    def __init__(self, cs: ConstraintSystem, costs: Optional[dict[str, int]]):
        self.cs, self.costs = cs, costs

    def __call__(self, fn: Callable[..., T], *args, **kwargs) -> T:
        before = self.cs.num_constraints
        out = fn(self.cs, *args, **kwargs)
        if self.costs is not None:
            self.costs[fn.__name__] = self.costs.get(fn.__name__, 0) + self.cs.num_constraints - before
        return out


def slot_gadget(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, run: Running,
                inp: Optional[SlotInput], costs: Optional[dict[str, int]] = None) -> tuple[Running, list[LC]]:
    """One operation slot on the running state; returns the new running state and the
    slot's record (`records.record_bits`: RECORD_BITS message bits).

    ``inp`` is None when compiling (a default Noop supplies placeholder values that are
    never read). ``costs``: a dict to which each sub-gadget's constraint count is added.
    Cost: the sum of the `SLOT_PARTS` (`costs.slot_cost(shape)`).
    """
    if inp is None or not cs.solving:
        inp = default_slot(shape)
    else:
        _check_input(shape, inp)
    _check_shape(shape)
    part = _Meter(cs, costs)

    ops = part(selectors, shape, inp)
    A, B = part(ports, shape, inp, ops)
    touched = part(flush_on_touch, ops, A, B, run.pend_fee, run.pend_ins)
    cash = {"a": touched.cash_a, "b": touched.cash_b}
    req = part(request, shape, inp, ops, A)
    part(roles, ops, A, B, req.l1_address)
    so, haircut_old = part(old_sizes, shape, A, B)

    terms = part(trade_terms, shape, tv, inp, ops)
    sides = part(orders, shape, tv, inp, ops, A, B, terms)
    orders_root = part(order_fills, shape, inp, ops, {"a": A, "b": B}, sides, terms.fill)
    settle = part(settlement, tv, ops, A)
    liq = part(liquidation, shape, tv, inp, ops, so["b"], cash["b"])
    pos = part(positions, shape, ops, A, B, so, haircut_old, sides, settle, liq, run.oi)

    paid, paid_bits = part(forced_payout, shape, tv, ops, A, cash["a"], req.amount)
    cash_new = part(new_cash, shape, ops, cash["a"], cash["b"], req.amount, req.credited, paid, sides, liq, settle)
    m = part(margin_equities, shape, tv, ops, B, cash, cash_new, pos, haircut_old, sides, terms.fill)
    part(liquidation_checks, shape, tv, ops, liq, m.e_old_b, m.b.oh_j)
    fwz, short = part(forced_outcome, ops, req.amount, paid)
    part(margin_checks, shape, ops, m, fwz, short)
    p5 = part(signatures, inp, tv, ops, run, A, B, req, sides)

    new_a = AccountVars(req.new_pk_x, req.new_pk_y, req.new_nonce_a, cash_new.a, pos.sizes_a, orders_root["a"],
                        req.new_owner)
    new_b = AccountVars(B.old.pk_x, B.old.pk_y, B.old.nonce, cash_new.b, pos.sizes_b, orders_root["b"],
                        B.old.owner)
    root = part(leaves, ops, run.root, A, B, new_a, new_b, req.exists_a)
    bits = part(record, shape, ops, A, B, req, terms, sides, paid, paid_bits, liq)
    prio = part(priority, ops, run, p5)
    pf, pi = part(pending_totals, ops, touched, sides["a"].fee + sides["b"].fee,
                  liq.now.penalty + liq.full_neg)
    flow = (run.cash_flow + cash_new.a - A.old.cash + cash_new.b - B.old.cash
            + pf - run.pend_fee + pi - run.pend_ins)
    oi_short = [run.oi_short[k] + pos.d_short[k] for k in range(shape.K)]
    return Running(root, pos.oi, pf, pi, prio, oi_short, flow), bits

