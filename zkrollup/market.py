"""The market: K instrument slots on one underlying, and its table hash.

A slot holds a European call, a European put or a dated future (or nothing). Fields:

- `kind`: EMPTY (0), CALL (1), PUT (2), FUTURE (3);
- `strike`: cash units per lot (0 for futures and empty slots);
- `expiry`: unix seconds (40 bits); trading stops at `expiry`, settlement starts there;
- `contract_size`: lots per contract (>= 1; 0 for empty slots).

Prices are per contract, so one contract of a call pays at expiry
contract_size * max(S - strike, 0) cash units for a settlement price S per lot; a put
contract_size * max(strike - S, 0); a future contract_size * S (futures are valued as
assets bought for their price: buying moves price * size out of cash, see docs/state.md, "Market table").
`Instrument.payoff` computes these exactly.

Market parameters also hashed: the liquidation bonus and penalty in basis points of the
gross mark value of a liquidated portfolio (see `zkrollup.ops`).

Table encoding (`Market.encode`, hashed by `circuits.poseidon.poseidon_sponge`):

    [K, liq_bonus_bps, liq_penalty_bps,
     kind_0, strike_0, expiry_0, contract_size_0, ..., kind_{K-1}, ..., contract_size_{K-1}]

Slot reuse: `with_instrument(k, inst, open_interest)` returns a new market with slot k
replaced, and raises SlotInUse unless the slot's open interest is zero (then no account
holds a position there, so no stale position can be read as the new instrument).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Sequence

from circuits.poseidon import poseidon_sponge

from .errors import SlotInUse
from .units import (BPS_BITS, BPS_DENOMINATOR, CONTRACT_SIZE_BITS, MAX_SLOTS, PRICE_BITS,
                    TIME_BITS, check_unsigned)


class Kind(IntEnum):
    EMPTY = 0
    CALL = 1
    PUT = 2
    FUTURE = 3


@dataclass(frozen=True)
class Instrument:
    """One slot's instrument (see the module docstring for units)."""

    kind: Kind = Kind.EMPTY
    strike: int = 0
    expiry: int = 0
    contract_size: int = 0

    def __post_init__(self):
        try:
            kind = Kind(self.kind)
        except ValueError:
            raise ValueError(f"instrument kind must be one of {[k.name for k in Kind]}, got {self.kind!r}")
        object.__setattr__(self, "kind", kind)
        check_unsigned("strike", self.strike, PRICE_BITS)
        check_unsigned("expiry", self.expiry, TIME_BITS)
        check_unsigned("contract_size", self.contract_size, CONTRACT_SIZE_BITS)
        if kind == Kind.EMPTY:
            if self.strike or self.expiry or self.contract_size:
                raise ValueError("an empty slot has strike, expiry and contract size 0")
            return
        if self.contract_size < 1:
            raise ValueError("contract_size must be at least 1 lot")
        if kind == Kind.FUTURE and self.strike:
            raise ValueError("a future has no strike (use 0)")
        if kind in (Kind.CALL, Kind.PUT) and self.strike < 1:
            raise ValueError("an option needs a positive strike")

    @classmethod
    def call(cls, strike: int, expiry: int, contract_size: int = 1) -> "Instrument":
        return cls(Kind.CALL, strike, expiry, contract_size)

    @classmethod
    def put(cls, strike: int, expiry: int, contract_size: int = 1) -> "Instrument":
        return cls(Kind.PUT, strike, expiry, contract_size)

    @classmethod
    def future(cls, expiry: int, contract_size: int = 1) -> "Instrument":
        return cls(Kind.FUTURE, 0, expiry, contract_size)

    @property
    def is_empty(self) -> bool:
        return self.kind == Kind.EMPTY

    def payoff(self, settle_price: int) -> int:
        """Exact value per contract at expiry for the settlement price per lot (cash units)."""
        check_unsigned("settlement price", settle_price, PRICE_BITS)
        if self.kind == Kind.CALL:
            return self.contract_size * max(settle_price - self.strike, 0)
        if self.kind == Kind.PUT:
            return self.contract_size * max(self.strike - settle_price, 0)
        if self.kind == Kind.FUTURE:
            return self.contract_size * settle_price
        return 0

    def encode(self) -> list[int]:
        return [int(self.kind), self.strike, self.expiry, self.contract_size]

    def describe(self) -> str:
        if self.is_empty:
            return "empty"
        if self.kind == Kind.FUTURE:
            return f"FUT exp={self.expiry} x{self.contract_size}"
        return f"{self.kind.name} K={self.strike} exp={self.expiry} x{self.contract_size}"


EMPTY = Instrument()


@dataclass(frozen=True)
class Market:
    """K instrument slots plus the liquidation parameters; immutable (replace to change)."""

    slots: tuple[Instrument, ...]
    liq_bonus_bps: int = 50
    liq_penalty_bps: int = 100

    def __post_init__(self):
        slots = tuple(self.slots)
        object.__setattr__(self, "slots", slots)
        if not 1 <= len(slots) <= MAX_SLOTS:
            raise ValueError(f"a market has 1..{MAX_SLOTS} slots, got {len(slots)}")
        if not all(isinstance(s, Instrument) for s in slots):
            raise ValueError("market slots must be Instrument objects")
        for name in ("liq_bonus_bps", "liq_penalty_bps"):
            check_unsigned(name, getattr(self, name), BPS_BITS)
            if getattr(self, name) >= BPS_DENOMINATOR:
                raise ValueError(f"{name} must be below {BPS_DENOMINATOR}")

    @classmethod
    def empty(cls, k: int, **params) -> "Market":
        return cls(tuple(EMPTY for _ in range(k)), **params)

    @property
    def K(self) -> int:
        return len(self.slots)

    def __getitem__(self, k: int) -> Instrument:
        return self.slots[k]

    def encode(self) -> list[int]:
        out = [self.K, self.liq_bonus_bps, self.liq_penalty_bps]
        for inst in self.slots:
            out += inst.encode()
        return out

    def hash(self) -> int:
        """poseidon_sponge(encode()): registered with L1, part of every batch commitment."""
        return poseidon_sponge(self.encode())

    def with_instrument(self, k: int, inst: Instrument, open_interest: int) -> "Market":
        """A copy with slot k holding `inst`; SlotInUse unless open_interest is 0."""
        if not isinstance(k, int) or not 0 <= k < self.K:
            raise ValueError(f"slot must be in 0..{self.K - 1}, got {k!r}")
        if open_interest != 0:
            raise SlotInUse(f"slot {k} ({self.slots[k].describe()}) has open interest {open_interest}")
        slots = list(self.slots)
        slots[k] = inst
        return replace(self, slots=tuple(slots))

    def to_obj(self) -> dict:
        return {"slots": [s.encode() for s in self.slots],
                "liq_bonus_bps": self.liq_bonus_bps, "liq_penalty_bps": self.liq_penalty_bps}

    @classmethod
    def from_obj(cls, obj: dict) -> "Market":
        return cls(tuple(Instrument(*s) for s in obj["slots"]),
                   obj["liq_bonus_bps"], obj["liq_penalty_bps"])


def market_of(instruments: Sequence[Instrument], k: int | None = None, **params) -> Market:
    """A market with the given instruments in slots 0.., padded with empty slots up to k."""
    inst = list(instruments)
    k = len(inst) if k is None else k
    if len(inst) > k:
        raise ValueError(f"{len(inst)} instruments do not fit {k} slots")
    return Market(tuple(inst + [EMPTY] * (k - len(inst))), **params)
