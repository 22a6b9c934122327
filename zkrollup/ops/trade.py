"""Trade: two signed orders cross; sizes move, cash moves price * fill, fees go to the fee account.

Checks, in order (the first failure raises and nothing changes):
1. an oracle table is set; both orders name the same slot, which holds an instrument that
   has not expired (batch timestamp < expiry) — BadInstrument / OrderMismatch;
2. one buys and one sells; two different accounts, neither the fee nor the clearing
   account (the insurance fund may trade) — OrderMismatch / ForbiddenAccount;
3. both accounts exist (UnknownAccount); per order: signed for this deployment
   (WrongDeployment) and for the instrument its slot holds (BadInstrument: an order
   signed before the slot was reused never fills on the new instrument), batch timestamp
   <= valid_until (ExpiredOrder), signature by the account key (BadSignature), order-fill
   rules of `circuits.spec.orders` (ReplayedOrder, CancelledOrder, OverFill), fee rate
   per contract <= max_fee (FeeTooHigh);
4. buyer's limit >= price >= seller's limit (OrderMismatch);
5. results within their widths (OutOfRange), open interest of the slot below 2^40;
6. margin, for each side separately: initial margin after the trade, or the trade
   strictly reduces that side's risk (`risk.reduces_risk`) — else InsufficientMargin.

Fees: the operator charges each side a rate per contract (`maker_fee_rate`,
`taker_fee_rate`, at most the order's max_fee); the fee is rate * fill
(`circuits.spec.orders.trade_fee`) and the record carries the rates.

Effect: buyer size += fill, cash -= price * fill + its fee; seller size -= fill, cash +=
price * fill - its fee; fee account += both fees; both order-fill leaves record the new
filled amount. Updates (witness order): maker, taker, fee account.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits.spec import orders as fills
from circuits.spec import margin
from circuits.spec.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.ops import OP_TRADE
from circuits.spec.records import encode_record
from circuits.spec.widths import FEE_RATE_BITS, PRICE_BITS, SIZE_BITS

from ..errors import (BadInstrument, CancelledOrder, ExpiredOrder, FeeTooHigh, ForbiddenAccount,
                      InsufficientMargin, OrderMismatch, OverFill, ReplayedOrder)
from ..risk import equities, passes_initial, reduces_risk
from ..units import OutOfRange, check_positive, check_unsigned
from .base import Operation, Plan
from .messages import (BUY, PROVEN, BadRequest, Order, SignedOrder, check_deployment, check_signed_by,
                       obj_field)


def check_fill(role: str, o: Order, fill: int, stored: tuple[int, int]) -> int:
    """The order's filled amount after `fill` under the spec's rules, with the
    application's errors (ReplayedOrder, CancelledOrder, OverFill)."""
    sid, sfilled = stored
    if o.order_id < sid:
        raise ReplayedOrder(f"{role} order {o.order_id}: its fill slot already holds order {sid}")
    filled = sfilled if o.order_id == sid else 0
    if filled == fills.CANCELLED:
        raise CancelledOrder(f"{role} order {o.order_id} was cancelled by its owner")
    if filled + fill > o.size:
        raise OverFill(f"{role} order {o.order_id}: {filled} + {fill} > size {o.size}")
    return fills.apply_fill(o.order_id, o.size, fill, sid, sfilled)


@dataclass(frozen=True)
class Trade(Operation):
    maker: SignedOrder
    taker: SignedOrder
    fill: int
    price: int
    maker_fee_rate: int = 0
    taker_fee_rate: int = 0
    kind = "trade"

    def __post_init__(self):
        if not isinstance(self.maker, SignedOrder) or not isinstance(self.taker, SignedOrder):
            raise BadRequest("a trade needs two SignedOrder objects")
        check_positive("fill", self.fill, SIZE_BITS)
        check_unsigned("price", self.price, PRICE_BITS)
        check_unsigned("maker fee rate", self.maker_fee_rate, FEE_RATE_BITS)
        check_unsigned("taker fee rate", self.taker_fee_rate, FEE_RATE_BITS)

    @property
    def maker_fee(self) -> int:
        return self.maker_fee_rate * self.fill

    @property
    def taker_fee(self) -> int:
        return self.taker_fee_rate * self.fill

    def _instrument(self, state, oracle):
        mo, to = self.maker.order, self.taker.order
        if mo.slot != to.slot:
            raise OrderMismatch(f"orders are for slots {mo.slot} and {to.slot}")
        k = mo.slot
        if k >= state.K:
            raise BadInstrument(f"slot {k} does not exist (K = {state.K})")
        inst = state.market[k]
        if inst.is_empty:
            raise BadInstrument(f"slot {k} holds no instrument")
        if oracle.timestamp >= inst.expiry:
            raise BadInstrument(f"slot {k} ({inst.describe()}) has expired")
        if mo.side == to.side:
            raise OrderMismatch("both orders are on the same side")
        if mo.account == to.account:
            raise ForbiddenAccount(f"self-trade of account {mo.account}")
        return k, inst

    def _side(self, state, plan, oracle, inst, role, so, rate):
        """Every check of one order (see the module docstring); its planned values."""
        o = so.order
        plan.not_special(o.account, role, allowed=(INSURANCE_ACCOUNT,))
        v = plan.existing(o.account, role)
        check_deployment(f"{role} order {o.order_id}", o.deployment_id, state)
        if o.instrument_id != inst.id:
            raise BadInstrument(f"{role} order {o.order_id} was signed for another instrument than slot "
                                f"{o.slot} holds ({inst.describe()})")
        if oracle.timestamp > o.valid_until:
            raise ExpiredOrder(f"{role} order {o.order_id} expired at {o.valid_until}")
        msg = o.message()
        check_signed_by(v.pk, msg, so.signature, f"{role} order {o.order_id} of account {o.account}")
        acc = state.accounts[o.account]
        oslot = acc.order_slot_of(o.order_id)
        filled = check_fill(role, o, self.fill, acc.order_state(oslot))
        if rate > o.max_fee:
            raise FeeTooHigh(f"{role} fee rate {rate} > max fee {o.max_fee} per contract")
        return (role, o, rate * self.fill, v, oslot, filled, msg)

    def apply(self, state):
        oracle = state.require_oracle()
        k, inst = self._instrument(state, oracle)
        plan = Plan(state)
        sides = [self._side(state, plan, oracle, inst, "maker", self.maker, self.maker_fee_rate),
                 self._side(state, plan, oracle, inst, "taker", self.taker, self.taker_fee_rate)]
        buy, sell = (sides[0], sides[1]) if self.maker.order.side == BUY else (sides[1], sides[0])
        if buy[1].limit_price < self.price:
            raise OrderMismatch(f"price {self.price} above the buyer's limit {buy[1].limit_price}")
        if sell[1].limit_price > self.price:
            raise OrderMismatch(f"price {self.price} below the seller's limit {sell[1].limit_price}")
        notional = self.price * self.fill
        details = {"slot": k, "buyer": buy[0], "notional": notional}
        oi_k = state.oi[k]
        for role, o, fee, v, oslot, filled, msg in sides:
            sign = 1 if o.side == BUY else -1
            sizes = list(v.sizes)
            sizes[k] += sign * self.fill
            oi_k += max(sizes[k], 0) - max(v.sizes[k], 0)
            cash = v.cash - sign * notional - fee
            plan.set(o.account, role, cash=cash, sizes=sizes, order=(oslot, o.order_id, filled))
            if passes_initial(cash, sizes, oracle):
                details[f"{role}_margin"] = "initial"
            elif reduces_risk(v.cash, v.sizes, cash, sizes, k, oracle):
                details[f"{role}_margin"] = "reduces_risk"
                details[f"{role}_old_min_scenario"] = margin.binding(equities(v.cash, v.sizes, oracle))
            else:
                raise InsufficientMargin(f"{role} account {o.account} would fail initial margin and "
                                         f"the trade does not reduce its risk")
            details[f"{role}_message"] = msg
        if oi_k >= (1 << SIZE_BITS):
            raise OutOfRange(f"open interest of slot {k} would reach 2^{SIZE_BITS}")
        fv = plan.existing(FEE_ACCOUNT, "fee")
        plan.set(FEE_ACCOUNT, "fee", cash=fv.cash + self.maker_fee + self.taker_fee)
        mo, to = self.maker.order, self.taker.order
        record = encode_record(OP_TRADE, maker=mo.account, taker=to.account, slot=k, maker_side=mo.side,
                               fill=self.fill, price=self.price, maker_fee_rate=self.maker_fee_rate,
                               taker_fee_rate=self.taker_fee_rate, maker_order_id=mo.order_id,
                               taker_order_id=to.order_id)
        return plan.commit(self, self.kind, details=details, record=record)

    def to_obj(self) -> dict:
        return {"type": self.kind, "maker": self.maker.to_obj(), "taker": self.taker.to_obj(),
                "fill": self.fill, "price": self.price, "maker_fee_rate": self.maker_fee_rate,
                "taker_fee_rate": self.taker_fee_rate}

    @classmethod
    def from_obj(cls, obj: dict) -> "Trade":
        f = [obj_field(obj, n, "trade") for n in ("maker", "taker", "fill", "price", "maker_fee_rate",
                                                   "taker_fee_rate")]
        return cls(SignedOrder.from_obj(f[0]), SignedOrder.from_obj(f[1]), *f[2:])

    @classmethod
    def proven(cls, state, r: dict) -> "Trade":
        """The trade an accepted batch's record `r` shows (`circuits.spec.records` fields).
        The records carry no order sizes, limits or signatures: the orders are rebuilt with
        the fields the record fixes and size, limit, max fee and valid-until set so that
        the proven checks pass; the signatures are `PROVEN`."""
        k, did = r["slot"], state.market.deployment_id
        inst = state.market[k] if k < state.K else None
        if inst is None:
            raise BadInstrument(f"slot {k} does not exist (K = {state.K})")
        orders = []
        for role, side in (("maker", r["maker_side"]), ("taker", 1 - r["maker_side"])):
            o = Order(r[role], k, side, fills.CANCELLED - 1, r["price"], r[f"{role}_fee_rate"],
                      r[f"{role}_order_id"], state.require_oracle().timestamp, inst.id, did)
            orders.append(SignedOrder(o, PROVEN))
        return cls(orders[0], orders[1], r["fill"], r["price"], r["maker_fee_rate"], r["taker_fee_rate"])
