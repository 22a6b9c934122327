"""A trade in the slot: its terms, the two signed orders, their order-fill leaves (and
the cancel, which writes port A's order-fill leaf).

Port A is the maker (order A), port B the taker (order B, the opposite side). The
orders' messages are `circuits.spec.messages.order_inputs` (with the traded
instrument's id and the deployment id) hashed in the circuit; their signatures are
verified in `signatures.signatures`. Port A's valid-until also serves a liquidation
request, port A's order id a cancel (their messages are built in `signatures`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from ...gadgets.bits import bits_le
from ...gadgets.boolean import assert_bool
from ...gadgets.comparators import assert_nonzero
from ...gadgets.poseidon import poseidon as poseidon_gadget
from ...spec.messages import order_inputs
from ..margin import dot
from ..orders import order_fill
from ..ranges import positive, unsigned
from ..shape import BatchShape
from ..tables import TablesVars
from ..witness import OP_CANCEL, OP_LIQUIDATE, SlotInput
from .ports import PortVars
from .running import Ops


@dataclass
class TradeTerms:
    fill: LC
    fill_bits: list[LC]
    price: LC
    price_bits: list[LC]
    notional: LC
    instrument_id: LC
    """The id of the instrument in slot k (what orders sign)."""


@dataclass
class OrderVars:
    """One side's order in the circuit and what it changes: the signed size change
    `dfill` (+fill for a buyer) and cash change `dcash` (-price * dfill - fee)."""

    side: LC
    size: LC
    oid: LC
    oid_bits: list[LC]
    vu: LC
    fee_rate: LC
    fee_rate_bits: list[LC]
    fee: LC
    dfill: LC
    dcash: LC
    msg: LC


def trade_terms(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, inp: SlotInput, ops: Ops) -> TradeTerms:
    """Fill and price [trade]; the traded instrument's id. Enforces (in a trade): 1 <= fill
    < 2^size_bits; price below 2^price_bits; the instrument slot is listed (kind != 0)
    and not expired (timestamp < expiry).

    Cost: size_bits + price_bits + time_bits + 3K + 8 constraints (K = 8: 160).
    """
    W = cs.witness
    ts = tv.timestamp
    with cs.namespace("trade"):
        fill = W("fill", inp.fill)
        fill_bits = positive(cs, fill, shape.size_bits, name="fill_range", enabled=ops.tr)
        price = W("price", inp.price)
        price_bits = unsigned(cs, price, shape.price_bits, name="price_range")
        notional = cs.mul(price, fill, name="notional")
        kind_k = dot(cs, ops.oh_k, tv.kind, name="kind")
        expiry_k = dot(cs, ops.oh_k, tv.expiry, name="expiry")
        assert_nonzero(cs, 1 + cs.mul(ops.tr, kind_k - 1, name="kind_sel"), name="listed")
        unsigned(cs, cs.mul(ops.tr, expiry_k - ts - 1, name="exp_sel"), shape.time_bits, name="not_expired")
        iid = dot(cs, ops.oh_k, tv.instrument_id, name="instrument_id")
    return TradeTerms(fill, fill_bits, price, price_bits, notional, iid)


def orders(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, inp: SlotInput, ops: Ops, A: PortVars,
           B: PortVars, terms: TradeTerms) -> dict[str, OrderVars]:
    """Order A (the maker, port A) and order B (the taker, port B, the opposite side)
    [order_a, order_b], each with its message.

    Enforces: every field within its width, order id >= 1 in a trade (port A's also in
    a cancel), fee rate <= max_fee (the fee is rate * fill), the limit price respected by
    the trade price, valid-until not passed (a trade's orders; port A's also for a
    liquidation request). Order A's side is a bit.

    Cost per order: size_bits + 2 * price_bits + 3 * fee_rate_bits + order_id_bits + 2 *
    time_bits + 16 constraints and the message's Poseidon of 3 inputs (261), + 1 for
    order A's side bit: 638 + 637 = 1,275.
    """
    a = _order(cs, shape, tv, inp, ops, "a", A, terms)
    return {"a": a, "b": _order(cs, shape, tv, inp, ops, "b", B, terms, a)}


def _order(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, inp: SlotInput, ops: Ops, tag: str,
           port: PortVars, terms: TradeTerms, maker: OrderVars | None = None) -> OrderVars:
    """Order A (``tag`` "a") or order B ("b", the side opposite ``maker``'s)."""
    W = cs.witness
    o = inp.order_a if tag == "a" else inp.order_b
    # port A's valid-until serves a trade order or a liquidation request, its order id a
    # trade order or a cancel
    vu_val = inp.valid_until if tag == "a" and inp.op == OP_LIQUIDATE else o.valid_until
    oid_val = inp.order_id if tag == "a" and inp.op == OP_CANCEL else o.order_id
    fill, price, notional, ts = terms.fill, terms.price, terms.notional, tv.timestamp
    with cs.namespace(f"order_{tag}"):
        side = W("side", o.side) if tag == "a" else 1 - maker.side
        if tag == "a":
            assert_bool(cs, side, name="side_bool")
        size = W("size", o.size)
        positive(cs, size, shape.size_bits, name="size_range", enabled=ops.tr)
        limit = W("limit", o.limit_price)
        unsigned(cs, limit, shape.price_bits, name="limit_range")
        max_fee = W("max_fee", o.max_fee)
        unsigned(cs, max_fee, shape.fee_rate_bits, name="max_fee_range")
        oid = W("order_id", oid_val)
        oid_bits = bits_le(cs, oid, shape.order_id_bits, name="order_id_bits")
        uses_id = ops.tr + ops.cn if tag == "a" else ops.tr
        assert_nonzero(cs, oid + 1 - uses_id, name="order_id_positive")
        vu = W("valid_until", vu_val)
        unsigned(cs, vu, shape.time_bits, name="valid_until_range")
        rate = W("fee_rate", o.fee_rate)
        rate_bits = unsigned(cs, rate, shape.fee_rate_bits, name="fee_rate_range")
        unsigned(cs, max_fee - rate, shape.fee_rate_bits, name="fee_cap")
        fee = cs.mul(rate, fill, name="fee")
        # the buyer pays at most its limit, the seller gets at least its limit:
        # (limit - price) * (1 - 2 side) >= 0
        gap = limit - price
        unsigned(cs, gap - 2 * cs.mul(side, gap, name="side_gap"), shape.price_bits, name="limit_price")
        # signed size change: +fill for a buyer, -fill for a seller
        dfill = fill - 2 * cs.mul(side, fill, name="side_fill")
        # cash change: -(1 - 2 side) * notional - fee
        dcash = -notional + 2 * cs.mul(side, notional, name="side_notional") - fee
        not_late = ops.tr + ops.lq - ops.bs if tag == "a" else ops.tr
        unsigned(cs, cs.mul(not_late, vu - ts, name="late_sel"), shape.time_bits, name="not_expired")
        msg = poseidon_gadget(cs, order_inputs(port.account, ops.inst, side, size, limit, max_fee, oid, vu,
                                               terms.instrument_id, tv.deployment_id), name="message")
    return OrderVars(side, size, oid, oid_bits, vu, rate, rate_bits, fee, dfill, dcash, msg)


def order_fills(cs: ConstraintSystem, shape: BatchShape, inp: SlotInput, ops: Ops, ports: dict[str, PortVars],
                orders: dict[str, OrderVars], fill: LC) -> dict[str, LC]:
    """Both orders' fill records [order_a.fill, order_b.fill] (`orders.order_fill`: in a
    trade no replay, no over-fill; port A's leaf also records a cancel); returns each
    port's new orders root.

    Cost: `order_fill_cost(ord_depth, order_id_bits, size_bits, can_cancel)` for each port
    (ord_depth 8: 2,980 + 2,978 = 5,958).
    """
    W = cs.witness
    roots = {}
    for tag, p in (("a", inp.a), ("b", inp.b)):
        o = orders[tag]
        with cs.namespace(f"order_{tag}"):
            sid = W("stored_id", p.fill.stored_id)
            sfilled = W("stored_filled", p.fill.stored_filled)
            osibs = [W(f"osib{i}", p.fill.siblings[i]) for i in range(shape.ord_path)]
            res = order_fill(cs, ops.tr, ops.cn if tag == "a" else 0, o.oid_bits[:shape.ord_depth], o.oid,
                             o.size, fill, sid, sfilled, osibs, ports[tag].old.orders_root, shape.order_id_bits,
                             shape.size_bits, name="fill")
            roots[tag] = res.orders_root
    return roots
