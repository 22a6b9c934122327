"""The calldata of one batch submission (v5): what the L1 contract receives with a proof.

`BatchCalldata` carries only what the contract cannot know itself:

    batch_number     must be the contract's batch number + 1 (not in the public input:
                     the contract orders batches by its own root, the proof's old root)
    new_root         the state root after the batch (header field of the public input)
    oracle_table_id  the published oracle table the batch was proved against
    records          one record per slot (`circuits.spec.records`, RECORD_BYTES each):
                     the posted data: what the contract pays and what anyone rebuilds
                     the state from; N, the batch size, is their number
    fund_deficit     the insurance fund's deficit after the batch (`circuits.spec.solvency`),
                     in [0, 2^128): the public input's trailer, which L1 acts on (exits
                     are paid pro rata while it is not covered)
    open_interest    the K open interests after the batch, each in [0, 2^OI_BITS): L1
                     hashes them as the trailer's long and again as its short totals, so
                     the proof shows long = short in every instrument slot

The contract builds the rest of the public input from its own state (old root, priority
chain before and after the entries the records consume, the oracle table's hash):
`circuits.spec.public_input`, sha256(HEADER || `data()` || `trailer()`) >> 3 (the trailer's
cash flow is the records', `circuits.spec.solvency.cash_flow`).

Canonical byte encoding (`to_bytes` / `from_bytes`), big-endian, what a contract reads:

    version u8 (=5) | batch_number u64 | new_root 32B | oracle_table_id u32 | n u16 |
    n x record (RECORD_BYTES) | fund_deficit 16B | K u8 | K x open interest (OI_BYTES)

Decoding is strict: unknown version, trailing or missing bytes, a root not below r, or
a record `circuits.spec.records.decode_record` refuses (unknown op code, a value over its
bits, a non-zero unused byte) raise CalldataError, so one calldata has exactly one
encoding. `to_dict` / `from_dict` carry the same fields (with a format version) in files.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from circuits.field import R
from circuits.spec.records import RECORD_BYTES, Record, decode_record
from circuits.spec.solvency import (DEFICIT_BITS, DEFICIT_BYTES, OI_BYTES, cash_flow, open_interest_bytes,
                                    open_interest_from_bytes, trailer_bytes)
from circuits.spec.widths import MAX_INSTRUMENTS

CALLDATA_VERSION = 5
DICT_FORMAT = "zkrollup.batch_calldata"
DICT_VERSION = 5

MAX_BATCH_SIZE = (1 << 16) - 1
BATCH_NUMBER_BITS = 64
TABLE_ID_BITS = 32

_HEAD = struct.Struct(">BQ32sIH")
HEADER_BYTES = _HEAD.size          # 1+8+32+4+2 = 47


class CalldataError(ValueError):
    """Calldata that is malformed or out of range (one line naming the field)."""


def _uint(v, bits: int, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < (1 << bits):
        raise CalldataError(f"{what} must be an int in [0, 2^{bits}), got {v!r}")
    return v


def _record(r, i: int) -> Record:
    if not isinstance(r, (bytes, bytearray)):
        raise CalldataError(f"record {i} must be bytes, got {type(r).__name__}")
    try:
        return decode_record(bytes(r))
    except ValueError as e:
        raise CalldataError(f"record {i}: {e}") from None


@dataclass(frozen=True)
class BatchCalldata:
    """One batch's calldata (see the module docstring); `records` are checked and kept as
    bytes. Every field is required: a batch's fund_deficit is never implied."""

    batch_number: int
    new_root: int
    oracle_table_id: int
    records: tuple
    fund_deficit: int
    open_interest: tuple

    def __post_init__(self) -> None:
        _uint(self.batch_number, BATCH_NUMBER_BITS, "batch_number")
        if not isinstance(self.new_root, int) or isinstance(self.new_root, bool) or not 0 <= self.new_root < R:
            raise CalldataError(f"new_root must be a field element in [0, r), got {self.new_root!r}")
        _uint(self.oracle_table_id, TABLE_ID_BITS, "oracle_table_id")
        recs = tuple(self.records) if isinstance(self.records, (list, tuple)) else None
        if recs is None:
            raise CalldataError("records must be a list of byte strings")
        if not 1 <= len(recs) <= MAX_BATCH_SIZE:
            raise CalldataError(f"a batch has 1..{MAX_BATCH_SIZE} records, got {len(recs)}")
        for i, r in enumerate(recs):
            _record(r, i)
        object.__setattr__(self, "records", tuple(bytes(r) for r in recs))
        _uint(self.fund_deficit, DEFICIT_BITS, "fund_deficit")
        oi = tuple(self.open_interest) if isinstance(self.open_interest, (list, tuple)) else None
        if oi is None or not 1 <= len(oi) <= MAX_INSTRUMENTS:
            raise CalldataError(f"open_interest must be a list of 1..{MAX_INSTRUMENTS} ints")
        try:
            open_interest_bytes(oi)
        except ValueError as e:
            raise CalldataError(str(e)) from None
        object.__setattr__(self, "open_interest", oi)

    @property
    def batch_size(self) -> int:
        return len(self.records)

    def decoded(self) -> list[Record]:
        """The records as (op, fields)."""
        return [decode_record(r) for r in self.records]

    def data(self) -> bytes:
        """RECORDS: the posted data the public input hashes after the header."""
        return b"".join(self.records)

    def open_interest_bytes(self) -> bytes:
        """The open interests as L1 receives them (OI_BYTES big-endian each)."""
        return open_interest_bytes(self.open_interest)

    def trailer(self) -> bytes:
        """TRAILER: the solvency outputs hashed after the records (`circuits.spec.solvency`)."""
        return trailer_bytes(self.fund_deficit, cash_flow(self.records), self.open_interest)

    # -- canonical bytes -------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return _HEAD.pack(CALLDATA_VERSION, self.batch_number, self.new_root.to_bytes(32, "big"),
                          self.oracle_table_id, len(self.records)) + self.data() \
            + self.fund_deficit.to_bytes(DEFICIT_BYTES, "big") + bytes([len(self.open_interest)]) \
            + self.open_interest_bytes()

    @classmethod
    def from_bytes(cls, data) -> "BatchCalldata":
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise CalldataError(f"calldata must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) < HEADER_BYTES:
            raise CalldataError(f"calldata too short: {len(data)} bytes, the header alone is {HEADER_BYTES}")
        ver, bn, new, table, n = _HEAD.unpack_from(data, 0)
        if ver != CALLDATA_VERSION:
            raise CalldataError(f"unknown calldata version {ver}")
        at = HEADER_BYTES + n * RECORD_BYTES + DEFICIT_BYTES
        if len(data) < at + 1:
            raise CalldataError(f"calldata has {len(data)} bytes, {n} records, the deficit and K need {at + 1}")
        k = data[at]
        want = at + 1 + k * OI_BYTES
        if len(data) != want:
            raise CalldataError(f"calldata has {len(data)} bytes, {n} records, the deficit and {k} open "
                                f"interests need exactly {want}")
        recs = tuple(data[HEADER_BYTES + i * RECORD_BYTES:HEADER_BYTES + (i + 1) * RECORD_BYTES] for i in range(n))
        oi = open_interest_from_bytes(data[at + 1:])
        return cls(batch_number=bn, new_root=int.from_bytes(new, "big"), oracle_table_id=table, records=recs,
                   fund_deficit=int.from_bytes(data[at - DEFICIT_BYTES:at], "big"), open_interest=oi)

    # -- files -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": DICT_FORMAT, "version": DICT_VERSION, "calldata": self.to_bytes()}

    @classmethod
    def from_dict(cls, d) -> "BatchCalldata":
        if not isinstance(d, dict) or d.get("format") != DICT_FORMAT:
            raise CalldataError("not a batch calldata record")
        if d.get("version") != DICT_VERSION:
            raise CalldataError(f"unsupported batch calldata format version {d.get('version')!r}")
        return cls.from_bytes(d.get("calldata"))
