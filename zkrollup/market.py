"""The market: K instrument slots on one underlying, as the application uses them.

A market belongs to one deployment (`deployment_id`: chain id and rollup contract
address, `circuits.spec.deployment`); it is the first value of the market hash, so every
batch's public input names the deployment, and signed messages carry it. An instrument
is named by its id (`Instrument.id`, Poseidon of kind, strike, expiry, contract size),
which orders sign: an order binds the instrument, not only its slot.

A slot holds a European call, a European put or a dated future (or nothing); the kinds,
units, rules (`circuits.spec.tables.check_instrument`), payoffs, the table encoding and
its hash are defined in `circuits.spec.tables`. `Market.table()` is the market as that
module's `MarketTable` (what L1 registers and the circuit hashes).

Slot reuse: `with_instrument(k, inst, open_interest)` returns a new market with slot k
replaced, and raises SlotInUse unless the slot's open interest is zero (then no account
holds a position there, so no stale position can be read as the new instrument).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Sequence

from functools import cached_property

from circuits.poseidon import poseidon_sponge
from circuits.spec import tables as spec
from circuits.spec.deployment import check_deployment_id
from circuits.spec.widths import MAX_INSTRUMENTS

from . import poseidon_fast
from .errors import SlotInUse


class Kind(IntEnum):
    EMPTY = spec.KIND_EMPTY
    CALL = spec.KIND_CALL
    PUT = spec.KIND_PUT
    FUTURE = spec.KIND_FUTURE


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
        spec.check_instrument(int(kind), self.strike, self.expiry, self.contract_size)

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
        return spec.payoff(self.kind, self.strike, self.contract_size, settle_price)

    def encode(self) -> list[int]:
        return [int(self.kind), self.strike, self.expiry, self.contract_size]

    @cached_property
    def id(self) -> int:
        """The instrument id orders sign (`circuits.spec.tables.instrument_id`)."""
        return spec.instrument_id(*self.encode(), hash_fn=poseidon_fast.poseidon)

    def describe(self) -> str:
        if self.is_empty:
            return "empty"
        if self.kind == Kind.FUTURE:
            return f"FUT exp={self.expiry} x{self.contract_size}"
        return f"{self.kind.name} K={self.strike} exp={self.expiry} x{self.contract_size}"


EMPTY = Instrument()


@dataclass(frozen=True)
class Market:
    """K instrument slots, the liquidation parameters and the deployment id; immutable
    (replace to change)."""

    slots: tuple[Instrument, ...]
    liq_bonus_bps: int = 50
    liq_penalty_bps: int = 100
    deployment_id: int = 0

    def __post_init__(self):
        check_deployment_id(self.deployment_id)
        slots = tuple(self.slots)
        object.__setattr__(self, "slots", slots)
        if not 1 <= len(slots) <= MAX_INSTRUMENTS:
            raise ValueError(f"a market has 1..{MAX_INSTRUMENTS} slots, got {len(slots)}")
        if not all(isinstance(s, Instrument) for s in slots):
            raise ValueError("market slots must be Instrument objects")
        self.table().check()

    @classmethod
    def empty(cls, k: int, **params) -> "Market":
        return cls(tuple(EMPTY for _ in range(k)), **params)

    @property
    def K(self) -> int:
        return len(self.slots)

    def __getitem__(self, k: int) -> Instrument:
        return self.slots[k]

    def table(self) -> spec.MarketTable:
        """The market as the spec's table (what L1 registers and the circuit hashes)."""
        kind, strike, expiry, csize = zip(*(i.encode() for i in self.slots))
        return spec.MarketTable(kind, strike, expiry, csize, self.liq_bonus_bps, self.liq_penalty_bps,
                                self.deployment_id)

    @classmethod
    def from_table(cls, t: spec.MarketTable) -> "Market":
        return cls(tuple(Instrument(*t.slot(k)) for k in range(t.K)), t.liq_bonus_bps, t.liq_penalty_bps,
                   t.deployment_id)

    def encode(self) -> list[int]:
        return self.table().encode()

    def hash(self) -> int:
        """The market table's hash: registered with L1, bound by every batch (through the
        oracle table's hash); computed once (a Market is immutable)."""
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return poseidon_sponge(spec.market_encoding(self.deployment_id, self.K, self.liq_bonus_bps,
                                                    self.liq_penalty_bps, [i.id for i in self.slots]))

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
        return {"slots": [s.encode() for s in self.slots], "liq_bonus_bps": self.liq_bonus_bps,
                "liq_penalty_bps": self.liq_penalty_bps, "deployment_id": self.deployment_id}

    @classmethod
    def from_obj(cls, obj: dict) -> "Market":
        return cls(tuple(Instrument(*s) for s in obj["slots"]),
                   obj["liq_bonus_bps"], obj["liq_penalty_bps"], obj["deployment_id"])


def market_of(instruments: Sequence[Instrument], k: int | None = None, **params) -> Market:
    """A market with the given instruments in slots 0.., padded with empty slots up to k."""
    inst = list(instruments)
    k = len(inst) if k is None else k
    if len(inst) > k:
        raise ValueError(f"{len(inst)} instruments do not fit {k} slots")
    return Market(tuple(inst + [EMPTY] * (k - len(inst))), **params)
