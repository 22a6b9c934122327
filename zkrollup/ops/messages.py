"""What users sign: orders and requests, as one Poseidon hash each (EdDSA-Poseidon).

Every message is Poseidon over a domain tag followed by the fields, all unsigned
integers below their widths (`zkrollup.units`), so each is one field element:

| message          | Poseidon inputs                                                                    |
|------------------|------------------------------------------------------------------------------------|
| order            | 1, account, slot, side, size, limit_price, max_fee, order_id, valid_until           |
| withdrawal       | 2, account, amount, nonce, l1_address                                              |
| liquidation      | 3, liquidator, target, nonce, valid_until                                          |
| forced withdrawal| 4, account, amount, nonce, l1_address                                              |

side: 0 = buy, 1 = sell; max_fee is per contract filled; prices are per contract;
valid_until is a unix time (the order is usable while the batch timestamp <= valid_until).
The tag separates the message kinds. Signatures: `circuits.eddsa` (circomlib's
verifyPoseidon rule) over the message by the account's key. Messages do not name the
rollup instance: a key shared between two deployments could have its orders replayed
on the other (use one key per deployment).
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits import eddsa
from circuits.eddsa import Signature

from .. import poseidon_fast
from ..units import (ACCOUNT_BITS, FEE_RATE_BITS, L1_ADDRESS_BITS, NONCE_BITS, ORDER_ID_BITS,
                     PRICE_BITS, SIZE_BITS, TIME_BITS, AMOUNT_BITS, check_positive, check_unsigned)

TAG_ORDER = 1
TAG_WITHDRAW = 2
TAG_LIQUIDATE = 3
TAG_FORCED_WITHDRAW = 4

BUY = 0
SELL = 1



def check_account(name: str, v: object) -> int:
    return check_unsigned(name, v, ACCOUNT_BITS)


def message_hash(tag: int, *fields: int) -> int:
    return poseidon_fast.poseidon([tag, *fields])


def signature_to_obj(sig: Signature | None) -> list | None:
    return None if sig is None else [sig.R8[0], sig.R8[1], sig.S]


def signature_from_obj(obj) -> Signature | None:
    return None if obj is None else Signature((obj[0], obj[1]), obj[2])


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
        check_unsigned("slot", self.slot, 4)          # < 16 = MAX_SLOTS
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
        return message_hash(TAG_ORDER, *self.fields())

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


def withdraw_message(account: int, amount: int, nonce: int, l1_address: int) -> int:
    return message_hash(TAG_WITHDRAW, account, amount, nonce, l1_address)


def forced_withdraw_message(account: int, amount: int, nonce: int, l1_address: int) -> int:
    return message_hash(TAG_FORCED_WITHDRAW, account, amount, nonce, l1_address)


def liquidate_message(liquidator: int, target: int, nonce: int, valid_until: int) -> int:
    return message_hash(TAG_LIQUIDATE, liquidator, target, nonce, valid_until)


def check_request_fields(account: int, amount: int, nonce: int, l1_address: int) -> None:
    check_account("account", account)
    check_positive("amount", amount, AMOUNT_BITS)
    check_unsigned("nonce", nonce, NONCE_BITS)
    check_unsigned("l1 address", l1_address, L1_ADDRESS_BITS)
