"""Trade: two signed orders cross; sizes move, cash moves price * fill, fees go to the fee account.

Checks, in order (the first failure raises and nothing changes):
1. an oracle table is set; both orders name the same slot, which holds an instrument that
   has not expired (batch timestamp < expiry) — BadInstrument / OrderMismatch;
2. one buys and one sells; two different accounts, neither the fee nor the clearing
   account (the insurance fund may trade) — OrderMismatch / ForbiddenAccount;
3. both accounts exist (UnknownAccount); per order: batch timestamp <= valid_until
   (ExpiredOrder), signature by the account key (BadSignature), order-fill slot rule of
   `zkrollup.account` (ReplayedOrder, OverFill), fee <= max_fee * fill (FeeTooHigh);
4. buyer's limit >= price >= seller's limit (OrderMismatch);
5. results within their widths (OutOfRange), open interest of the slot below 2^40;
6. margin, for each side separately: initial margin after the trade, or the trade
   strictly reduces that side's risk (`risk.reduces_risk`) — else InsufficientMargin.

Effect: buyer size += fill, cash -= price * fill + its fee; seller size -= fill, cash +=
price * fill - its fee; fee account += both fees; both order-fill leaves record the new
filled amount. Updates (witness order): maker, taker, fee account.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits.spec.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.widths import FEE_BITS, PRICE_BITS, SIZE_BITS

from .. import signatures
from ..errors import (BadInstrument, BadSignature, ExpiredOrder, FeeTooHigh, ForbiddenAccount,
                      InsufficientMargin, OrderMismatch, OverFill, ReplayedOrder)
from ..risk import min_equity, passes_initial, reduces_risk
from ..units import OutOfRange, check_positive, check_unsigned
from .base import Operation, Plan
from .messages import BUY, SignedOrder


@dataclass(frozen=True)
class Trade(Operation):
    maker: SignedOrder
    taker: SignedOrder
    fill: int
    price: int
    maker_fee: int = 0
    taker_fee: int = 0
    kind = "trade"

    def __post_init__(self):
        if not isinstance(self.maker, SignedOrder) or not isinstance(self.taker, SignedOrder):
            raise ValueError("a trade needs two SignedOrder objects")
        check_positive("fill", self.fill, SIZE_BITS)
        check_unsigned("price", self.price, PRICE_BITS)
        check_unsigned("maker fee", self.maker_fee, FEE_BITS)
        check_unsigned("taker fee", self.taker_fee, FEE_BITS)

    def apply(self, state):
        oracle = state.require_oracle()
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
        plan = Plan(state)
        sides = []
        for role, so, fee in (("maker", self.maker, self.maker_fee), ("taker", self.taker, self.taker_fee)):
            o = so.order
            plan.not_special(o.account, role, allowed=(INSURANCE_ACCOUNT,))
            v = plan.existing(o.account, role)
            if oracle.timestamp > o.valid_until:
                raise ExpiredOrder(f"{role} order {o.order_id} expired at {o.valid_until}")
            msg = o.message()
            if not signatures.verify(v.pk, msg, so.signature):
                raise BadSignature(f"{role} order {o.order_id} is not signed by account {o.account}")
            acc = state.accounts[o.account]
            oslot = acc.order_slot_of(o.order_id)
            sid, filled = acc.order_state(oslot)
            if o.order_id < sid:
                raise ReplayedOrder(f"{role} order {o.order_id}: its slot already holds order {sid}")
            if o.order_id > sid:
                filled = 0
            if filled + self.fill > o.size:
                raise OverFill(f"{role} order {o.order_id}: {filled} + {self.fill} > size {o.size}")
            if fee > o.max_fee * self.fill:
                raise FeeTooHigh(f"{role} fee {fee} > {o.max_fee} per contract x {self.fill}")
            sides.append((role, o, fee, v, oslot, filled, msg))
        buy, sell = (sides[0], sides[1]) if mo.side == BUY else (sides[1], sides[0])
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
            plan.set(o.account, role, cash=cash, sizes=sizes, order=(oslot, o.order_id, filled + self.fill))
            if passes_initial(cash, sizes, oracle):
                details[f"{role}_margin"] = "initial"
            elif reduces_risk(v.cash, v.sizes, cash, sizes, k, oracle):
                details[f"{role}_margin"] = "reduces_risk"
                details[f"{role}_old_min_scenario"] = min_equity(v.cash, v.sizes, oracle.scen_init)[1]
            else:
                raise InsufficientMargin(f"{role} account {o.account} would fail initial margin and "
                                         f"the trade does not reduce its risk")
            details[f"{role}_message"] = msg
        if oi_k >= (1 << SIZE_BITS):
            raise OutOfRange(f"open interest of slot {k} would reach 2^{SIZE_BITS}")
        fv = plan.existing(FEE_ACCOUNT, "fee")
        plan.set(FEE_ACCOUNT, "fee", cash=fv.cash + self.maker_fee + self.taker_fee)
        return plan.commit(self, self.kind, details=details)

    def to_obj(self) -> dict:
        return {"type": self.kind, "maker": self.maker.to_obj(), "taker": self.taker.to_obj(),
                "fill": self.fill, "price": self.price, "maker_fee": self.maker_fee,
                "taker_fee": self.taker_fee}

    @classmethod
    def from_obj(cls, obj: dict) -> "Trade":
        return cls(SignedOrder.from_obj(obj["maker"]), SignedOrder.from_obj(obj["taker"]), obj["fill"],
                   obj["price"], obj["maker_fee"], obj["taker_fee"])
