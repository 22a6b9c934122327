"""Operation codes of the rollup: one code per kind of batch slot.

The code is byte 0 of the slot's record (`circuits.spec.records`) and the one-hot selector
of the batch circuit's universal slot. What each operation does is the native state's
(`zkrollup.ops`); what L1 sees of it is its record.

| code | operation        | signed by (EdDSA)     | consumes an L1 queue entry |
|-----:|------------------|-----------------------|----------------------------|
| 0    | noop             | -                     | no                         |
| 1    | deposit          | - (L1 queue)          | yes, kind deposit          |
| 2    | withdraw         | the account's key     | no                         |
| 3    | forced_withdraw  | - (L1 owner)          | yes, kind forced withdrawal|
| 4    | trade            | both orders' keys     | no                         |
| 5    | liquidate        | the liquidator's key  | no                         |
| 6    | settle           | - (anyone)            | no                         |
| 7    | cancel           | the account's key     | no                         |
| 8    | forced_close     | - (L1 owner)          | yes, kind forced close     |

A forced close is the backstop's take-over of everything an account holds, at the
owner's request on L1 (`circuits.spec.priority`); the circuit runs it through the
liquidation's terms (`circuits.spec.liquidation`, all `LIQ_STEPS` steps).
"""
from __future__ import annotations

OP_NOOP = 0
OP_DEPOSIT = 1
OP_WITHDRAW = 2
OP_FORCED = 3
OP_TRADE = 4
OP_LIQUIDATE = 5
OP_SETTLE = 6
OP_CANCEL = 7
OP_FORCED_CLOSE = 8
N_OPS = 9
OP_NAMES = ("noop", "deposit", "withdraw", "forced_withdraw", "trade", "liquidate", "settle", "cancel",
            "forced_close")
OP_CODE_BITS = 4
"""Bits of an operation code (N_OPS <= 2^OP_CODE_BITS)."""

assert len(OP_NAMES) == N_OPS <= 1 << OP_CODE_BITS


def op_name(code: int) -> str:
    """The name of an operation code (ValueError for an unknown code)."""
    if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code < N_OPS:
        raise ValueError(f"unknown operation code {code!r}")
    return OP_NAMES[code]
