"""What users sign: orders and requests, each one Poseidon hash (EdDSA-Poseidon).

Every message is Poseidon over a domain tag followed by the fields, all unsigned
integers below their widths (`circuits.spec.widths`), so each is one field element:

| message           | Poseidon inputs                                                           |
|-------------------|---------------------------------------------------------------------------|
| order             | 1, account, slot, side, size, limit_price, max_fee, order_id, valid_until |
| withdrawal        | 2, account, amount, nonce, l1_address                                     |
| liquidation       | 3, liquidator, target, nonce, valid_until                                 |
| forced withdrawal | 4, account, amount, nonce, l1_address (signed for the L1 queue)           |
| exit              | EXIT_DOMAIN, account, l1_address (signed for an exodus exit on L1)        |

side: `BUY` = 0, `SELL` = 1; max_fee is per contract filled; prices are per contract;
valid_until is a unix time (usable while the batch timestamp <= valid_until). The tag
separates the message kinds. Signatures: `circuits.eddsa` (circomlib's verifyPoseidon
rule) over the message by the account's key. Messages do not name the rollup instance:
a key shared between two deployments could have its orders replayed on the other (use
one key per deployment).

Each message has a ``*_inputs`` function (the Poseidon inputs in order: ints natively,
circuit values in the batch circuit, which hashes the same lists) and a ``*_message``
function (the hash; ``hash_fn`` as in `circuits.spec.accounts`). Native signing, native
verification, the circuit and the L1 model all use these.
"""
from __future__ import annotations

from typing import TypeVar

from ..poseidon import poseidon
from . import HashFn

T = TypeVar("T")

TAG_ORDER = 1
TAG_WITHDRAW = 2
TAG_LIQUIDATE = 3
TAG_FORCED_WITHDRAW = 4
EXIT_DOMAIN = int.from_bytes(b"zkrollup.exit", "big")
"""Domain tag of the exit authorisation message."""

BUY = 0
SELL = 1


def order_inputs(account: T, slot: T, side: T, size: T, limit_price: T, max_fee: T, order_id: T,
                 valid_until: T) -> list:
    return [TAG_ORDER, account, slot, side, size, limit_price, max_fee, order_id, valid_until]


def withdraw_inputs(account: T, amount: T, nonce: T, l1_address: T) -> list:
    return [TAG_WITHDRAW, account, amount, nonce, l1_address]


def liquidate_inputs(liquidator: T, target: T, nonce: T, valid_until: T) -> list:
    return [TAG_LIQUIDATE, liquidator, target, nonce, valid_until]


def forced_withdraw_inputs(account: T, amount: T, nonce: T, l1_address: T) -> list:
    return [TAG_FORCED_WITHDRAW, account, amount, nonce, l1_address]


def exit_inputs(account: T, l1_address: T) -> list:
    return [EXIT_DOMAIN, account, l1_address]


def order_message(account: int, slot: int, side: int, size: int, limit_price: int, max_fee: int,
                  order_id: int, valid_until: int, hash_fn: HashFn = poseidon) -> int:
    return hash_fn(order_inputs(account, slot, side, size, limit_price, max_fee, order_id, valid_until))


def withdraw_message(account: int, amount: int, nonce: int, l1_address: int, hash_fn: HashFn = poseidon) -> int:
    return hash_fn(withdraw_inputs(account, amount, nonce, l1_address))


def liquidate_message(liquidator: int, target: int, nonce: int, valid_until: int,
                      hash_fn: HashFn = poseidon) -> int:
    return hash_fn(liquidate_inputs(liquidator, target, nonce, valid_until))


def forced_withdraw_message(account: int, amount: int, nonce: int, l1_address: int,
                            hash_fn: HashFn = poseidon) -> int:
    return hash_fn(forced_withdraw_inputs(account, amount, nonce, l1_address))


def exit_message(account: int, l1_address: int, hash_fn: HashFn = poseidon) -> int:
    """The message an account's key signs to exit to `l1_address` in exodus mode."""
    return hash_fn(exit_inputs(account, l1_address))
