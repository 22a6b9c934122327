"""The calldata of one batch submission: what the L1 contract model receives with a proof.

`BatchCalldata` carries exactly what the contract needs to recompute the batch's
public-input commitment (circuits.batch.public) together with its own state:

    batch_size       N, the number of operation slots (picks the verifying key)
    batch_number     must be the contract's batch number + 1
    old_root         must equal the contract's state root
    new_root         the root after the batch
    n_deposits       how many queued L1 deposits the batch consumed, in queue order
    oracle_table_id  the published oracle table the batch was proved against
    effects          the batch's L1-visible effects in batch order: Effects of kind 1
                     (withdrawal) or 2 (forced withdrawal served, in forced-queue order),
                     with account, L1 address and amount

The commitment (v2) hashes the effects as a chain over the actual effects only
(`circuits.batch.public.effects_hash`), so their slot positions are not part of it: the
constructor accepts one entry per slot (None for a slot without an effect, as before)
and normalises `effects` to the listed effects first, in order, then None up to
`batch_size` (two calldata that differ only in where the gaps were are equal). The
number of forced withdrawals served is the number of kind-2 effects: the contract
advances its forced-request chain by that many.

Canonical byte encoding (`to_bytes` / `from_bytes`), big-endian, what a Solidity
contract would read from calldata and what the gas model prices:

    version u8 (=2) | batch_size u16 | batch_number u64 | old_root 32B | new_root 32B |
    n_deposits u16 | oracle_table_id u32 | n_effects u16 |
    n_effects x (kind u8 | account u32 | l1_address 20B | amount u128)

(41 bytes per effect). Decoding is strict: unknown version, trailing or missing bytes, a
root not below r, more effects than slots, an unknown kind, or n_deposits > N raise
CalldataError, so one calldata has exactly one encoding. `to_msgpack` / `from_msgpack`
carry the same fields (with a format version) for files.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Optional

import msgpack

from circuits.batch.public import EFFECT_FORCED, EFFECT_NONE, EFFECT_WITHDRAWAL, Effect
from circuits.field import R
from circuits.spec.widths import ACCOUNT_BITS, AMOUNT_BITS, L1_ADDRESS_BITS

CALLDATA_VERSION = 2
MSGPACK_FORMAT = "zkrollup.batch_calldata"
MSGPACK_VERSION = 2

MAX_BATCH_SIZE = (1 << 16) - 1
BATCH_NUMBER_BITS = 64
TABLE_ID_BITS = 32

_HEAD = struct.Struct(">BHQ32s32sHIH")
_EFFECT = struct.Struct(">BI20s16s")
HEADER_BYTES = _HEAD.size          # 1+2+8+32+32+2+4+2 = 83
EFFECT_BYTES = _EFFECT.size        # 1+4+20+16 = 41


class CalldataError(ValueError):
    """Calldata that is malformed or out of range (one line naming the field)."""


def _uint(v, bits: int, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < (1 << bits):
        raise CalldataError(f"{what} must be an int in [0, 2^{bits}), got {v!r}")
    return v


def _felt(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
        raise CalldataError(f"{what} must be a field element in [0, r), got {v!r}")
    return v


def _check_effect(e, i: int) -> Optional[Effect]:
    if e is None:
        return None
    if not isinstance(e, Effect):
        if not isinstance(e, (tuple, list)) or len(e) != 4:
            raise CalldataError(f"effect of slot {i} must be an Effect, a 4-tuple or None, got {e!r}")
        e = Effect(*e)
    if e.kind == EFFECT_NONE:
        if any((e.account, e.l1_address, e.amount)):
            raise CalldataError(f"effect of slot {i} has kind none but nonzero fields")
        return None
    if e.kind not in (EFFECT_WITHDRAWAL, EFFECT_FORCED):
        raise CalldataError(f"effect of slot {i} has unknown kind {e.kind!r}")
    _uint(e.account, ACCOUNT_BITS, f"effect {i} account")
    _uint(e.l1_address, L1_ADDRESS_BITS, f"effect {i} l1_address")
    _uint(e.amount, AMOUNT_BITS, f"effect {i} amount")
    return e


@dataclass(frozen=True)
class BatchCalldata:
    """One batch's calldata (see the module docstring). `effects` is normalised to a tuple
    of exactly `batch_size` entries: the listed effects in order, then None."""

    batch_size: int
    batch_number: int
    old_root: int
    new_root: int
    n_deposits: int
    oracle_table_id: int
    effects: tuple = ()

    def __post_init__(self) -> None:
        n = self.batch_size
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_BATCH_SIZE:
            raise CalldataError(f"batch_size must be an int in [1, {MAX_BATCH_SIZE}], got {n!r}")
        _uint(self.batch_number, BATCH_NUMBER_BITS, "batch_number")
        _felt(self.old_root, "old_root")
        _felt(self.new_root, "new_root")
        _uint(self.n_deposits, 16, "n_deposits")
        if self.n_deposits > n:
            raise CalldataError(f"n_deposits {self.n_deposits} exceeds the batch size {n}")
        _uint(self.oracle_table_id, TABLE_ID_BITS, "oracle_table_id")
        effects = list(self.effects)
        if len(effects) > n:
            raise CalldataError(f"{len(effects)} effects for a batch of {n} slots")
        listed = [x for x in (_check_effect(e, i) for i, e in enumerate(effects)) if x is not None]
        object.__setattr__(self, "effects", tuple(listed) + (None,) * (n - len(listed)))

    # -- views -----------------------------------------------------------------------------
    def listed_effects(self) -> list[tuple[int, Effect]]:
        """(index, effect) for the actual effects, in order (index = position in the list)."""
        return [(i, e) for i, e in enumerate(self.effects) if e is not None]

    def withdrawals(self) -> list[Effect]:
        """Every effect that pays out on L1 (withdrawals and forced withdrawals served)."""
        return [e for e in self.effects if e is not None]

    def forced(self) -> list[Effect]:
        """The forced withdrawals served (kind 2), in order: one per queued request consumed."""
        return [e for e in self.effects if e is not None and e.kind == EFFECT_FORCED]

    # -- canonical bytes -------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        listed = self.listed_effects()
        out = [_HEAD.pack(CALLDATA_VERSION, self.batch_size, self.batch_number,
                          self.old_root.to_bytes(32, "big"), self.new_root.to_bytes(32, "big"),
                          self.n_deposits, self.oracle_table_id, len(listed))]
        for _, e in listed:
            out.append(_EFFECT.pack(e.kind, e.account, e.l1_address.to_bytes(20, "big"),
                                    e.amount.to_bytes(16, "big")))
        return b"".join(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> "BatchCalldata":
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise CalldataError(f"calldata must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) < HEADER_BYTES:
            raise CalldataError(f"calldata too short: {len(data)} bytes, the header alone is {HEADER_BYTES}")
        ver, n, bn, old, new, n_dep, table, n_eff = _HEAD.unpack_from(data, 0)
        if ver != CALLDATA_VERSION:
            raise CalldataError(f"unknown calldata version {ver}")
        want = HEADER_BYTES + n_eff * EFFECT_BYTES
        if len(data) != want:
            raise CalldataError(f"calldata has {len(data)} bytes, {n_eff} effects need exactly {want}")
        if n_eff > n:
            raise CalldataError(f"{n_eff} effects listed for a batch of {n} slots")
        effects: list = []
        for j in range(n_eff):
            kind, acct, l1, amt = _EFFECT.unpack_from(data, HEADER_BYTES + j * EFFECT_BYTES)
            if kind not in (EFFECT_WITHDRAWAL, EFFECT_FORCED):
                raise CalldataError(f"effect {j}: unknown kind {kind}")
            effects.append(Effect(kind, acct, int.from_bytes(l1, "big"), int.from_bytes(amt, "big")))
        return cls(batch_size=n, batch_number=bn, old_root=int.from_bytes(old, "big"),
                   new_root=int.from_bytes(new, "big"), n_deposits=n_dep,
                   oracle_table_id=table, effects=tuple(effects))

    # -- msgpack ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": MSGPACK_FORMAT, "version": MSGPACK_VERSION,
                "batch_size": self.batch_size, "batch_number": self.batch_number,
                "old_root": self.old_root.to_bytes(32, "big"),
                "new_root": self.new_root.to_bytes(32, "big"),
                "n_deposits": self.n_deposits, "oracle_table_id": self.oracle_table_id,
                "effects": [[e.kind, e.account, e.l1_address.to_bytes(20, "big"),
                             e.amount.to_bytes(16, "big")]
                            for _, e in self.listed_effects()]}

    @classmethod
    def from_dict(cls, d) -> "BatchCalldata":
        if not isinstance(d, dict) or d.get("format") != MSGPACK_FORMAT:
            raise CalldataError("not a batch calldata record")
        if d.get("version") != MSGPACK_VERSION:
            raise CalldataError(f"unsupported batch calldata format version {d.get('version')!r}")
        try:
            n = d["batch_size"]
            effects: list = []
            for j, item in enumerate(d["effects"]):
                kind, acct, l1, amt = item
                if kind == 0:
                    raise CalldataError(f"effect {j}: a listed effect must have a kind")
                if not isinstance(l1, bytes) or len(l1) != 20 or not isinstance(amt, bytes) or len(amt) != 16:
                    raise CalldataError(f"effect {j}: address and amount must be 20 and 16 bytes")
                effects.append((kind, acct, int.from_bytes(l1, "big"), int.from_bytes(amt, "big")))
            return cls(batch_size=n, batch_number=d["batch_number"],
                       old_root=int.from_bytes(d["old_root"], "big"),
                       new_root=int.from_bytes(d["new_root"], "big"),
                       n_deposits=d["n_deposits"], oracle_table_id=d["oracle_table_id"],
                       effects=tuple(effects))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, CalldataError):
                raise
            raise CalldataError(f"bad batch calldata record: {e}") from None

    def to_msgpack(self) -> bytes:
        return msgpack.packb(self.to_dict(), use_bin_type=True)

    @classmethod
    def from_msgpack(cls, data: bytes) -> "BatchCalldata":
        try:
            d = msgpack.unpackb(data, raw=False, strict_map_key=False)
        except Exception as e:  # msgpack raises several unrelated types
            raise CalldataError(f"calldata is not valid msgpack ({type(e).__name__})") from None
        return cls.from_dict(d)


