"""The batch's single public input: SHA-256 over a header and the posted records.

    public_input = int.from_bytes(sha256(HEADER || RECORDS || TRAILER), "big") >> 3   (< 2^253 < r)
    HEADER  = old_root || new_root || oracle_hash || prio_old || prio_new
    RECORDS = record(slot 0) || ... || record(slot N-1)      (`circuits.spec.records`)
    TRAILER = the solvency outputs (`circuits.spec.solvency`): the insurance fund's deficit
              after the batch, the batch's cash flow, the K open interests long and short

Each header field is a field element (< r) written as 32 bytes big-endian (160 bytes);
the circuit proves each is the canonical encoding of the value it uses (a strict 254-bit
decomposition). L1 builds the header from its own storage (old_root, prio_old), the
oracle table the batch names (oracle_hash, which binds the market hash and through it
the deployment id), its queue (prio_new: the chain value after the entries the records
consume), the calldata (new_root, RECORDS, the fund's deficit, which L1 then acts on, and
the K open interests) and the records (the cash flow): `circuits.spec.solvency`; hashes it with the SHA-256 precompile and shifts the digest:
nothing else comes from the operator.

Native: `header_bytes`, `batch_data`, `public_input`. The circuit's twin is
`circuits.batch.public`.
"""
from __future__ import annotations

from typing import Sequence

from ..field import FIELD_BYTES, R
from ..gadgets.data_hash import data_digest_native
from .records import RECORD_BYTES
from .solvency import cash_flow, trailer_bytes, trailer_slots

HEADER_FIELDS = ("old_root", "new_root", "oracle_hash", "prio_old", "prio_new")
HEADER_BYTES = FIELD_BYTES * len(HEADER_FIELDS)


def header_bytes(*, old_root: int, new_root: int, oracle_hash: int, prio_old: int, prio_new: int) -> bytes:
    """The 160-byte header (ValueError unless every field is a field element below r)."""
    vals = dict(old_root=old_root, new_root=new_root, oracle_hash=oracle_hash, prio_old=prio_old,
                prio_new=prio_new)
    out = b""
    for name in HEADER_FIELDS:
        v = vals[name]
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
            raise ValueError(f"header field {name} must be a field element below r, got {v!r}")
        out += v.to_bytes(FIELD_BYTES, "big")
    return out


def batch_data(header: bytes, records: Sequence[bytes], trailer: bytes) -> bytes:
    """HEADER || RECORDS || TRAILER (ValueError for a wrong header, record or trailer length)."""
    trailer_slots(len(trailer))
    if len(header) != HEADER_BYTES:
        raise ValueError(f"the header has {HEADER_BYTES} bytes, got {len(header)}")
    for i, r in enumerate(records):
        if len(r) != RECORD_BYTES:
            raise ValueError(f"record {i} has {len(r)} bytes, not {RECORD_BYTES}")
    return bytes(header) + b"".join(bytes(r) for r in records) + bytes(trailer)


def public_input(data: bytes) -> int:
    """uint256(sha256(data)) >> 3: the batch proof's public input for its data."""
    return data_digest_native(data)


def batch_public_input(records: Sequence[bytes], fund_deficit: int, open_interest: Sequence[int],
                       **header: int) -> int:
    """The public input of a batch from what L1 has: the header, the records, the fund's
    deficit and the open interests (the cash flow is the records', `cash_flow`)."""
    trailer = trailer_bytes(fund_deficit, cash_flow(records), open_interest)
    return public_input(batch_data(header_bytes(**header), records, trailer))
