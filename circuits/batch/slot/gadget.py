"""`slot_gadget`: one operation slot, as a sequence of sub-gadgets (one per concern).

The order of the sub-gadgets is the order of the constraints and witnesses in the R1CS
(a change of order changes the circuit). `SLOT_PARTS` names them; `slot_gadget(...,
costs=d)` adds each part's constraint count to ``d`` (what `costs.slot_part_costs`
reports), and the parts add up to the whole slot.
"""
from __future__ import annotations

from typing import Callable, Optional, TypeVar

from ...cs import LC, ConstraintSystem
from ...spec.widths import ACCOUNT_BITS, AMOUNT_BITS
from ..account_leaf import AccountVars
from ..shape import BatchShape
from ..tables import TablesVars
from ..witness import N_OPS, OP_NOOP, AccountFields, Port, SlotInput
from .flush import flush_on_touch, pending_totals
from .forced import forced_flags, forced_outcome, forced_payout
from .leaves import chains, leaves
from .margin_rules import margin_checks, margin_equities
from .ports import empty_root, old_sizes, ports, roles, selectors
from .positions import new_cash, positions
from .request import request
from .running import Running
from .settlement import liquidation, settlement
from .signatures import signatures
from .trade import order_fills, orders, trade_terms

T = TypeVar("T")

SLOT_PARTS = ("selectors", "forced_flags", "ports", "flush_on_touch", "roles", "old_sizes", "trade_terms",
              "orders", "order_fills", "settlement", "liquidation", "positions", "forced_payout", "new_cash",
              "request", "margin_equities", "forced_outcome", "margin_checks", "signatures", "leaves",
              "chains", "pending_totals")
"""The slot's sub-gadgets (function names), in circuit order."""


def default_slot(shape: BatchShape) -> SlotInput:
    """A Noop slot with every list at its shape's length (used when compiling)."""
    k, d, o = shape.K, shape.acc_depth, shape.ord_depth

    def port() -> Port:
        p = Port(account=0, exists=0, before=AccountFields(0, 0, 0, 0, (0,) * k, empty_root(o)),
                 siblings=(0,) * d)
        p.fill.siblings = (0,) * o
        return p
    return SlotInput(op=OP_NOOP, a=port(), b=port())


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
        if len(p.siblings) != shape.acc_depth:
            raise ValueError(f"{name}: expected {shape.acc_depth} siblings, got {len(p.siblings)}")
        if len(p.fill.siblings) != shape.ord_depth:
            raise ValueError(f"{name}: expected {shape.ord_depth} order-fill siblings")


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
    slot's effect (kind, account, l1_address, amount) as linear combinations (meaningful
    when kind is 1 or 2; the running effects chain already includes it).

    ``inp`` is None when compiling (a default Noop supplies placeholder values that are
    never read). ``costs``: a dict to which each sub-gadget's constraint count is added.
    Cost: the sum of the `SLOT_PARTS` (`costs.slot_cost(shape)`; K = 8, S = 16, order
    depth 8: 42,240 at account depth 16, 49,960 at depth 24).
    """
    if inp is None or not cs.solving:
        inp = default_slot(shape)
    else:
        _check_input(shape, inp)
    if shape.index_bits > ACCOUNT_BITS or shape.amount_bits > AMOUNT_BITS:
        raise ValueError("the public packings need account numbers below 2^32 and amounts below 2^64")
    part = _Meter(cs, costs)

    ops = part(selectors, shape, inp)
    ops.fw_out, ops.fwv = part(forced_flags, shape, inp, ops)
    A, B = part(ports, shape, inp, ops)
    touched = part(flush_on_touch, ops, A, B, run.pend_fee, run.pend_ins)
    cash = {"a": touched.cash_a, "b": touched.cash_b}
    part(roles, ops, A, B)
    so, haircut_old = part(old_sizes, shape, A, B)

    terms = part(trade_terms, shape, tv, inp, ops)
    sides = part(orders, shape, tv, inp, ops, A, B, terms)
    orders_root = part(order_fills, shape, inp, ops, {"a": A, "b": B}, sides, terms.fill)
    settle = part(settlement, tv, ops, A)
    liq = part(liquidation, shape, tv, B, so["b"], cash["b"])
    pos = part(positions, shape, ops, A, B, so, haircut_old, sides, settle, run.oi)

    amount = cs.witness("amount", inp.amount)
    paid = part(forced_payout, shape, tv, ops, A, cash["a"], amount)
    cash_new = part(new_cash, shape, ops, cash["a"], cash["b"], amount, paid, sides, liq, settle)
    req = part(request, shape, inp, ops, A, amount)
    m = part(margin_equities, shape, tv, ops, B, cash, cash_new, pos, haircut_old, sides, terms.fill)
    fwz = part(forced_outcome, ops, A, amount, paid, m.a.e_j)
    part(margin_checks, shape, ops, m, fwz)
    p5 = part(signatures, inp, ops, run, A, B, req, amount, sides)

    new_a = AccountVars(req.new_pk_x, req.new_pk_y, req.new_nonce_a, cash_new.a, pos.sizes_a, orders_root["a"])
    new_b = AccountVars(B.old.pk_x, B.old.pk_y, B.old.nonce, cash_new.b, pos.sizes_b, orders_root["b"])
    root = part(leaves, ops, run.root, A, B, new_a, new_b, req.exists_a)
    dep_hash, forced_hash, effects_hash, effect = part(chains, ops, run, p5, A.account, req.l1_address, paid,
                                                        cash_new.transfer_a)
    pf, pi = part(pending_totals, ops, touched, sides["a"].fee + sides["b"].fee,
                  liq.penalty + liq.left.negpart)
    return Running(root, pos.oi, pf, pi, dep_hash, forced_hash, effects_hash), effect
