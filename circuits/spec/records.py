"""The posted data of a batch: one fixed-size record per slot (data availability, and
what L1 pays).

A record is `RECORD_BYTES` bytes: byte 0 is the operation code (`circuits.spec.ops`),
then the operation's fields at fixed offsets, big-endian, each in whole bytes with its
unused high bits 0; every byte no field of the operation covers is 0. A field that is
the same value in several operations (the acting account, the taker/target, the slot,
the maker's order id) sits at the same offset in all of them, which saves the circuit
a multiplexer.

| op (code)            | fields: name offset+bytes (value bits)                                  |
|----------------------|---------------------------------------------------------------------------|
| noop (0)             | -                                                                         |
| deposit (1)          | account 1+4, amount 5+8, refunded 13+1 (1 bit)                            |
| withdraw (2)         | account 1+4, amount 5+8, l1_address 13+20                                 |
| forced_withdraw (3)  | account 1+4, amount 5+8 (requested), paid 13+8                            |
| trade (4)            | maker 1+4, taker 5+4, slot 9+1 (4 bits), maker_side 10+1 (1 bit), fill 11+5,  |
|                      | price 16+6, maker_fee_rate 22+4, taker_fee_rate 26+4, maker_order_id 30+6,    |
|                      | taker_order_id 36+6                                                         |
| liquidate (5)        | liquidator 1+4, target 5+4, steps 9+1 (3 bits: q of `circuits.spec.liquidation`) |
| settle (6)           | account 1+4, clearing 5+4 (always the clearing account 2), slot 9+1       |
| cancel (7)           | account 1+4, order_id 30+6                                                |
| forced_close (8)     | backstop 1+4 (always the insurance fund 1), account 5+4, steps 9+1        |
|                      | (always LIQ_STEPS: everything is taken)                                   |

What L1 does with them, walking the records in order: a deposit, forced_withdraw or
forced_close record consumes the next entry of the priority queue (`circuits.spec.priority`; L1 checks
the entry's kind, `PRIORITY_KIND`); L1 pays, in the transaction that accepts the batch,
`amount` to `l1_address` for a withdraw, `paid` to the entry's requester for a
forced_withdraw, and the entry's amount back to its depositor for a deposit with
refunded = 1. The other fields are the data an observer needs to rebuild the state from
L1 alone (with the queue entries and the oracle tables).

The batch circuit proves each record is exactly its slot's operation: the bits of the
very variables the slot uses, 0 elsewhere (`circuits.batch.records`). Native:
`encode_record`, `decode_record`, `split_records`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .accounts import CLEARING_ACCOUNT, INSURANCE_ACCOUNT
from .ops import N_OPS, OP_CANCEL, OP_DEPOSIT, OP_FORCED, OP_FORCED_CLOSE, OP_LIQUIDATE, OP_NAMES, OP_NOOP, OP_SETTLE, OP_TRADE, \
    OP_WITHDRAW, op_name
from .liquidation import LIQ_STEP_BITS, LIQ_STEPS
from .priority import KIND_DEPOSIT, KIND_FORCED, KIND_FORCED_CLOSE
from .widths import (ACCOUNT_BITS, AMOUNT_BITS, FEE_RATE_BITS, INSTRUMENT_BITS, L1_ADDRESS_BITS, ORDER_ID_BITS,
                     PRICE_BITS, SIZE_BITS)

RECORD_BYTES = 42
OP_OFFSET = 0


@dataclass(frozen=True)
class RecordField:
    """A field of a record: `bits` value bits in `size` bytes at byte `offset`."""

    name: str
    offset: int
    size: int
    bits: int


def _f(name: str, offset: int, bits: int) -> RecordField:
    return RecordField(name, offset, (bits + 7) // 8, bits)


_ACCOUNT = ACCOUNT_BITS
LAYOUT: dict[int, tuple[RecordField, ...]] = {
    OP_NOOP: (),
    OP_DEPOSIT: (_f("account", 1, _ACCOUNT), _f("amount", 5, AMOUNT_BITS), _f("refunded", 13, 1)),
    OP_WITHDRAW: (_f("account", 1, _ACCOUNT), _f("amount", 5, AMOUNT_BITS), _f("l1_address", 13, L1_ADDRESS_BITS)),
    OP_FORCED: (_f("account", 1, _ACCOUNT), _f("amount", 5, AMOUNT_BITS), _f("paid", 13, AMOUNT_BITS)),
    OP_TRADE: (_f("maker", 1, _ACCOUNT), _f("taker", 5, _ACCOUNT), _f("slot", 9, INSTRUMENT_BITS),
               _f("maker_side", 10, 1), _f("fill", 11, SIZE_BITS), _f("price", 16, PRICE_BITS),
               _f("maker_fee_rate", 22, FEE_RATE_BITS), _f("taker_fee_rate", 26, FEE_RATE_BITS),
               _f("maker_order_id", 30, ORDER_ID_BITS), _f("taker_order_id", 36, ORDER_ID_BITS)),
    OP_LIQUIDATE: (_f("liquidator", 1, _ACCOUNT), _f("target", 5, _ACCOUNT), _f("steps", 9, LIQ_STEP_BITS)),
    OP_SETTLE: (_f("account", 1, _ACCOUNT), _f("clearing", 5, _ACCOUNT), _f("slot", 9, INSTRUMENT_BITS)),
    OP_CANCEL: (_f("account", 1, _ACCOUNT), _f("order_id", 30, ORDER_ID_BITS)),
    OP_FORCED_CLOSE: (_f("backstop", 1, _ACCOUNT), _f("account", 5, _ACCOUNT), _f("steps", 9, LIQ_STEP_BITS)),
}
"""Per operation code, its fields in order (the table of the module docstring)."""

PRIORITY_KIND = {OP_DEPOSIT: KIND_DEPOSIT, OP_FORCED: KIND_FORCED, OP_FORCED_CLOSE: KIND_FORCED_CLOSE}
"""Operations that consume a priority-queue entry, and the entry's kind."""

FIXED_VALUES = {(OP_SETTLE, "clearing"): CLEARING_ACCOUNT, (OP_FORCED_CLOSE, "backstop"): INSURANCE_ACCOUNT,
                (OP_FORCED_CLOSE, "steps"): LIQ_STEPS}
"""Fields whose value is fixed by the operation (checked when decoding, default when encoding)."""


def _check_layout() -> None:
    assert set(LAYOUT) == set(range(N_OPS)) and len(OP_NAMES) == N_OPS
    for op, fields in LAYOUT.items():
        used = [False] * RECORD_BYTES
        used[OP_OFFSET] = True
        for f in fields:
            assert 1 <= f.bits <= 8 * f.size and f.offset + f.size <= RECORD_BYTES, (op, f)
            for b in range(f.offset, f.offset + f.size):
                assert not used[b], f"record of op {op}: field {f.name} overlaps byte {b}"
                used[b] = True


_check_layout()


def field(op: int, name: str) -> RecordField:
    """The field `name` of operation `op`'s record (KeyError if it has none)."""
    for f in LAYOUT[op]:
        if f.name == name:
            return f
    raise KeyError(f"{op_name(op)} records have no field {name!r}")


@dataclass(frozen=True)
class Record:
    op: int
    fields: Mapping[str, int]

    @property
    def name(self) -> str:
        return op_name(self.op)


def encode_record(op: int, **values: int) -> bytes:
    """The record of operation `op` with these field values (every field of the layout;
    settle's `clearing` defaults to the clearing account). ValueError for an unknown or
    missing field or a value that does not fit its bits."""
    op_name(op)
    names = {f.name for f in LAYOUT[op]}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"{op_name(op)} records have no fields {sorted(unknown)}")
    out = bytearray(RECORD_BYTES)
    out[OP_OFFSET] = op
    for f in LAYOUT[op]:
        v = values.get(f.name, FIXED_VALUES.get((op, f.name)))
        if v is None:
            raise ValueError(f"{op_name(op)} record: missing field {f.name}")
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < (1 << f.bits):
            raise ValueError(f"{op_name(op)} record: {f.name} must be in [0, 2^{f.bits}), got {v!r}")
        fixed = FIXED_VALUES.get((op, f.name))
        if fixed is not None and v != fixed:
            raise ValueError(f"{op_name(op)} record: {f.name} is always {fixed}")
        out[f.offset:f.offset + f.size] = v.to_bytes(f.size, "big")
    return bytes(out)


def decode_record(rec: bytes) -> Record:
    """The operation and field values of a record; ValueError unless it is exactly what
    `encode_record` writes (known code, values within their bits, unused bytes 0)."""
    rec = bytes(rec)
    if len(rec) != RECORD_BYTES:
        raise ValueError(f"a record has {RECORD_BYTES} bytes, got {len(rec)}")
    op = rec[OP_OFFSET]
    if op >= N_OPS:
        raise ValueError(f"unknown operation code {op} in a record")
    vals = {f.name: int.from_bytes(rec[f.offset:f.offset + f.size], "big") for f in LAYOUT[op]}
    for f in LAYOUT[op]:
        if vals[f.name] >= 1 << f.bits:
            raise ValueError(f"malformed {op_name(op)} record: {f.name} exceeds {f.bits} bits")
        fixed = FIXED_VALUES.get((op, f.name))
        if fixed is not None and vals[f.name] != fixed:
            raise ValueError(f"malformed {op_name(op)} record: {f.name} must be {fixed}")
    if encode_record(op, **vals) != rec:
        raise ValueError(f"malformed {op_name(op)} record: a byte outside its fields is not 0")
    return Record(op, vals)


def split_records(data: bytes, n: int) -> list[bytes]:
    """The n records of posted data (ValueError for a wrong length)."""
    if len(data) != n * RECORD_BYTES:
        raise ValueError(f"{n} records take {n * RECORD_BYTES} bytes, got {len(data)}")
    return [bytes(data[i * RECORD_BYTES:(i + 1) * RECORD_BYTES]) for i in range(n)]


NOOP_RECORD = encode_record(OP_NOOP)

__all__ = ["RECORD_BYTES", "OP_OFFSET", "RecordField", "LAYOUT", "PRIORITY_KIND", "FIXED_VALUES", "field",
           "Record", "encode_record", "decode_record", "split_records", "NOOP_RECORD",
           "OP_NOOP", "OP_DEPOSIT", "OP_WITHDRAW", "OP_FORCED", "OP_TRADE", "OP_LIQUIDATE", "OP_SETTLE",
           "OP_CANCEL", "OP_FORCED_CLOSE"]
