"""What users sign (EdDSA-Poseidon, `circuits.eddsa`): orders, withdrawals, liquidations,
cancels. Every message names the deployment (`circuits.spec.deployment`), so a signature
is valid on one rollup instance only, and starts with a domain tag.

The small fields of a message are packed into one field element, least significant
first, each below its width (`pack`; one-to-one because every field is range-checked):

    ORDER_LAYOUT   tag 3 | account 32 | slot 4 | side 1 | size 40 | limit_price 48 |
                   max_fee 32 | order_id 48 | valid_until 40                  (248 bits)
    REQUEST_LAYOUT tag 3 | account 32 | amount 64 | nonce 32 | target 32 |
                   valid_until 40 | order_id 48                               (251 bits)

| message     | Poseidon inputs                                                        |
|-------------|------------------------------------------------------------------------|
| order       | [pack(ORDER_LAYOUT, ...), instrument_id, deployment_id]                |
| withdrawal  | [deployment_id, pack(REQUEST: tag 2, account, amount, nonce), 0, 0, l1_address] |
| liquidation | [deployment_id, pack(REQUEST: tag 3, liquidator as account, nonce, target, valid_until), 0, 0, 0] |
| cancel      | [deployment_id, pack(REQUEST: tag 4, account, order_id), 0, 0, 0]      |

A request packs only its own fields; the others are 0 (the batch circuit builds one
request element for all three and relies on the signature to pin the unused fields to
0). `instrument_id` (`circuits.spec.tables.instrument_id`) binds the order to the
instrument itself (kind, strike, expiry, contract size), not only to the slot: after a
slot is reused for another instrument, a resting order cannot fill on it. side: `BUY` =
0, `SELL` = 1; max_fee is per contract (the operator charges a rate <= max_fee per
contract filled, `circuits.spec.orders.trade_fee`); prices are per contract;
valid_until is a unix time (usable while the batch timestamp <= valid_until). Withdrawals
and liquidations carry the account's current nonce and bump it; a cancel needs none (the
order-fill leaf refuses replays, `circuits.spec.orders`). Forced withdrawals and exodus
exits are not signed: L1 checks that their sender is the account's owner.

Each message has a ``*_inputs`` function (the Poseidon inputs in order; ints natively,
checked, or circuit values: the batch circuit hashes the same lists) and a ``*_message``
function (the hash; ``hash_fn`` as in `circuits.spec.accounts`).
"""
from __future__ import annotations

from typing import Sequence, TypeVar

from ..poseidon import poseidon
from . import HashFn
from .deployment import DEPLOYMENT_ID_BITS
from .widths import (ACCOUNT_BITS, AMOUNT_BITS, FEE_RATE_BITS, INSTRUMENT_BITS, L1_ADDRESS_BITS, NONCE_BITS,
                     ORDER_ID_BITS, PRICE_BITS, SIZE_BITS, TIME_BITS)

T = TypeVar("T")

TAG_BITS = 3
TAG_ORDER = 1
TAG_WITHDRAW = 2
TAG_LIQUIDATE = 3
TAG_CANCEL = 4
TAGS = (TAG_ORDER, TAG_WITHDRAW, TAG_LIQUIDATE, TAG_CANCEL)

BUY = 0
SELL = 1

Layout = tuple[tuple[str, int], ...]

ORDER_LAYOUT: Layout = (("tag", TAG_BITS), ("account", ACCOUNT_BITS), ("slot", INSTRUMENT_BITS), ("side", 1),
                        ("size", SIZE_BITS), ("limit_price", PRICE_BITS), ("max_fee", FEE_RATE_BITS),
                        ("order_id", ORDER_ID_BITS), ("valid_until", TIME_BITS))
REQUEST_LAYOUT: Layout = (("tag", TAG_BITS), ("account", ACCOUNT_BITS), ("amount", AMOUNT_BITS),
                          ("nonce", NONCE_BITS), ("target", ACCOUNT_BITS), ("valid_until", TIME_BITS),
                          ("order_id", ORDER_ID_BITS))

assert sum(w for _, w in ORDER_LAYOUT) <= 253 and sum(w for _, w in REQUEST_LAYOUT) <= 253
assert max(TAGS) < 1 << TAG_BITS


def offsets(layout: Layout) -> dict[str, int]:
    """Bit offset of each field of a layout."""
    out, at = {}, 0
    for name, width in layout:
        out[name] = at
        at += width
    return out


def pack(layout: Layout, **values) -> T:
    """sum of value * 2^offset over the layout's fields (missing fields are 0). Ints are
    checked against their widths (ValueError); circuit values must be range-checked by
    the caller."""
    unknown = set(values) - {n for n, _ in layout}
    if unknown:
        raise ValueError(f"fields {sorted(unknown)} are not in the layout")
    widths = dict(layout)
    out = 0
    for name, at in offsets(layout).items():
        v = values.get(name, 0)
        if isinstance(v, bool) or (isinstance(v, int) and not 0 <= v < (1 << widths[name])):
            raise ValueError(f"message field {name} must be in [0, 2^{widths[name]}), got {v!r}")
        out = out + v * (1 << at)
    return out


def _check(values: Sequence, widths: Sequence[int], names: Sequence[str]) -> None:
    for v, w, n in zip(values, widths, names):
        if isinstance(v, bool) or (isinstance(v, int) and not 0 <= v < (1 << w)):
            raise ValueError(f"message field {n} must be in [0, 2^{w}), got {v!r}")


def order_inputs(account: T, slot: T, side: T, size: T, limit_price: T, max_fee: T, order_id: T,
                 valid_until: T, instrument_id: T, deployment_id: T) -> list:
    _check([deployment_id], [DEPLOYMENT_ID_BITS], ["deployment_id"])
    return [pack(ORDER_LAYOUT, tag=TAG_ORDER, account=account, slot=slot, side=side, size=size,
                 limit_price=limit_price, max_fee=max_fee, order_id=order_id, valid_until=valid_until),
            instrument_id, deployment_id]


def request_inputs(deployment_id: T, element: T, l1_address: T = 0) -> list:
    """The Poseidon inputs of a request message given its packed element."""
    _check([deployment_id, l1_address], [DEPLOYMENT_ID_BITS, L1_ADDRESS_BITS], ["deployment_id", "l1_address"])
    return [deployment_id, element, 0, 0, l1_address]


def withdraw_inputs(account: T, amount: T, nonce: T, l1_address: T, deployment_id: T) -> list:
    return request_inputs(deployment_id, pack(REQUEST_LAYOUT, tag=TAG_WITHDRAW, account=account, amount=amount,
                                              nonce=nonce), l1_address)


def liquidate_inputs(liquidator: T, target: T, nonce: T, valid_until: T, deployment_id: T) -> list:
    return request_inputs(deployment_id, pack(REQUEST_LAYOUT, tag=TAG_LIQUIDATE, account=liquidator,
                                              nonce=nonce, target=target, valid_until=valid_until))


def cancel_inputs(account: T, order_id: T, deployment_id: T) -> list:
    return request_inputs(deployment_id, pack(REQUEST_LAYOUT, tag=TAG_CANCEL, account=account,
                                              order_id=order_id))


def order_message(account: int, slot: int, side: int, size: int, limit_price: int, max_fee: int,
                  order_id: int, valid_until: int, instrument_id: int, deployment_id: int,
                  hash_fn: HashFn = poseidon) -> int:
    return hash_fn(order_inputs(account, slot, side, size, limit_price, max_fee, order_id, valid_until,
                                instrument_id, deployment_id))


def withdraw_message(account: int, amount: int, nonce: int, l1_address: int, deployment_id: int,
                     hash_fn: HashFn = poseidon) -> int:
    return hash_fn(withdraw_inputs(account, amount, nonce, l1_address, deployment_id))


def liquidate_message(liquidator: int, target: int, nonce: int, valid_until: int, deployment_id: int,
                      hash_fn: HashFn = poseidon) -> int:
    return hash_fn(liquidate_inputs(liquidator, target, nonce, valid_until, deployment_id))


def cancel_message(account: int, order_id: int, deployment_id: int, hash_fn: HashFn = poseidon) -> int:
    return hash_fn(cancel_inputs(account, order_id, deployment_id))
