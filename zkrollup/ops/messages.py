"""Signed orders and requests as the application builds, signs and checks them.

The messages themselves (domain tags, fields, hashes) are `circuits.spec.messages`; the
functions here hash them with the fast Poseidon (`zkrollup.poseidon_fast`) and check
every field against its width (`circuits.spec.widths`) with the application's errors.
Signatures: `circuits.eddsa` over the message by the account's key.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

from circuits import eddsa
from circuits.eddsa import Signature
from circuits.spec import messages as spec
from circuits.spec.messages import BUY, SELL
from circuits.spec.widths import (ACCOUNT_BITS, AMOUNT_BITS, FEE_RATE_BITS, INSTRUMENT_BITS,
                                  L1_ADDRESS_BITS, NONCE_BITS, ORDER_ID_BITS, PRICE_BITS, SIZE_BITS,
                                  TIME_BITS)

from .. import poseidon_fast
from ..units import check_positive, check_unsigned

__all__ = ["BUY", "SELL", "Order", "SignedOrder", "check_account", "check_request_fields",
           "withdraw_message", "forced_withdraw_message", "liquidate_message",
           "signature_to_obj", "signature_from_obj"]

_fast = {"hash_fn": poseidon_fast.poseidon}
withdraw_message = partial(spec.withdraw_message, **_fast)
forced_withdraw_message = partial(spec.forced_withdraw_message, **_fast)
liquidate_message = partial(spec.liquidate_message, **_fast)


def check_account(name: str, v: object) -> int:
    return check_unsigned(name, v, ACCOUNT_BITS)


def signature_to_obj(sig: Signature | None) -> list | None:
    return None if sig is None else [sig.R8[0], sig.R8[1], sig.S]


def signature_from_obj(obj) -> Signature | None:
    return None if obj is None else Signature((obj[0], obj[1]), obj[2])


@lru_cache(maxsize=1 << 14, typed=True)
def _order_message(*fields: int) -> int:
    """spec.order_message, remembered: an order is hashed at admission and again for every fill."""
    return spec.order_message(*fields, **_fast)


@dataclass(frozen=True)
class Order:
    """A limit order on one instrument slot (unsigned; `sign` makes a SignedOrder)."""

    account: int
    slot: int
    side: int
    size: int
    limit_price: int
    max_fee: int
    order_id: int
    valid_until: int

    def __post_init__(self):
        check_account("account", self.account)
        check_unsigned("slot", self.slot, INSTRUMENT_BITS)
        if self.side not in (BUY, SELL):
            raise ValueError(f"side must be {BUY} (buy) or {SELL} (sell), got {self.side!r}")
        check_positive("order size", self.size, SIZE_BITS)
        check_unsigned("limit price", self.limit_price, PRICE_BITS)
        check_unsigned("max fee", self.max_fee, FEE_RATE_BITS)
        check_positive("order id", self.order_id, ORDER_ID_BITS)
        check_unsigned("valid until", self.valid_until, TIME_BITS)

    def fields(self) -> list[int]:
        return [self.account, self.slot, self.side, self.size, self.limit_price, self.max_fee,
                self.order_id, self.valid_until]

    def message(self) -> int:
        return _order_message(*self.fields())

    def sign(self, priv: bytes) -> "SignedOrder":
        return SignedOrder(self, eddsa.sign(priv, self.message()))


@dataclass(frozen=True)
class SignedOrder:
    order: Order
    signature: Signature

    def to_obj(self) -> dict:
        return {"order": self.order.fields(), "signature": signature_to_obj(self.signature)}

    @classmethod
    def from_obj(cls, obj: dict) -> "SignedOrder":
        return cls(Order(*obj["order"]), signature_from_obj(obj["signature"]))


def check_request_fields(account: int, amount: int, nonce: int, l1_address: int) -> None:
    check_account("account", account)
    check_positive("amount", amount, AMOUNT_BITS)
    check_unsigned("nonce", nonce, NONCE_BITS)
    check_unsigned("l1 address", l1_address, L1_ADDRESS_BITS)
