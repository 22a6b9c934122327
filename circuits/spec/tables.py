"""The market table and the oracle table: their fields, rules, encodings and hashes.

**Market** (registered with L1; its hash, through the oracle table's, enters every
batch's public input): the deployment id (`circuits.spec.deployment`), K instrument
slots on one underlying, each EMPTY (0), a European CALL (1) or PUT (2), or a dated
FUTURE (3), with a strike (cash units per lot; 0 for futures and empty slots), an expiry
(unix seconds; trading stops there, settlement starts there) and a contract size (lots
per contract, >= 1; 0 for empty slots); plus the liquidation bonus and penalty in basis
points. At expiry one contract pays (`payoff`, exact) contract_size * max(S - strike, 0)
for a call, contract_size * max(strike - S, 0) for a put, contract_size * S for a future,
for a settlement price S per lot.

**Oracle table** (published to L1 per batch or epoch; its hash enters every batch
commitment): per slot k the values per contract scen[k][s] in the S scenarios of
`circuits.spec.scenarios`, **scenario 0 the mark** (there is no separate mark column), the
slot's implied vol (`vol_bps`, informational) and its settlement flag and price; in the
header the spot and the base move M (`move_bps`, informational). One table serves both
margins (`circuits.spec.margin`). A settled slot is valued at its exact payoff in every
scenario (`OracleTable.check_against`), so its settlement value is its mark.

Instruments are named by their id, which signed orders include (so an order binds
the instrument itself, not the slot it is listed in):

    instrument_id[k] = Poseidon([kind_k, strike_k, expiry_k, contract_size_k])

Encodings (hashed with `circuits.poseidon.poseidon_sponge`):

    market: [deployment_id, K, liq_bonus_bps, liq_penalty_bps,
             instrument_id[0], ..., instrument_id[K-1]]             (`market_encoding`)
    oracle: [market_hash, timestamp, spot, K, S, move_bps,
             scen[0][0], ..., scen[K-1][0],                  (scenario 0: the marks)
             ...,
             scen[0][S-1], ..., scen[K-1][S-1],              (scenario-major)
             vol_bps[0..K-1], settled[0..K-1], settle_price[0..K-1]]

The market hash is the sponge of `market_encoding`. The oracle hash is the sponge of
the oracle encoding *packed* (`oracle_hash_inputs`): the market hash, then every other
value as a 48-bit lane (`ORACLE_LANE_BITS`), five lanes to a field element, lane i of an
element at bit 48 i; the last element's unused lanes are 0 (`oracle_lane`: where a value
sits). Packing cuts the hash five-fold (K = 8, S = 35: 310 values, 63 elements), which is
what lets L1 hash every table it accepts for under 500k gas; the tables travel to L1 packed (`OracleTable.packed`,
`OracleTable.from_packed`). The packing is one-to-one only for lanes below 2^48, so the
circuit range-checks every lane it packs (L1 reads them from the packed elements, where
they cannot exceed it).

`market_encoding` and `oracle_encoding` build these lists from ints or from circuit
values (the batch circuit hashes the same lists, `circuits.batch.tables`). A market
travels (registration calldata, files) as `MarketTable.encode()`: [deployment_id, K,
liq_bonus_bps, liq_penalty_bps, kind_0, strike_0, expiry_0, contract_size_0, ...]
(`market_rows`), which `MarketTable.decode` reads back.

The two classes are plain records: constructing one checks nothing (the batch circuit's
soundness tests build malicious ones). `check()` applies the rules (widths of
`circuits.spec.widths`, kinds, settlement data only on settled slots; ValueError), and
`OracleTable.check_against(market)` the rules between the two tables (`TableMismatch`).
`decode` (from an encoding) and `OracleTable.from_obj` check as they parse. Beyond the
packing's lane widths the circuit does not range-check table entries: L1 checks a table
when it receives it and the hash binds the circuit to it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Sequence, TypeVar

from ..field import R
from ..poseidon import poseidon, poseidon_sponge
from . import HashFn
from .deployment import check_deployment_id
from .widths import (BPS_DENOMINATOR, CONTRACT_SIZE_BITS, MAX_INSTRUMENTS, MAX_SCENARIOS, PRICE_BITS,
                     TIME_BITS)

T = TypeVar("T")

KIND_EMPTY, KIND_CALL, KIND_PUT, KIND_FUTURE = 0, 1, 2, 3
KINDS = (KIND_EMPTY, KIND_CALL, KIND_PUT, KIND_FUTURE)
MARKET_HEADER = 4   # deployment_id, K, liq_bonus_bps, liq_penalty_bps
ORACLE_HEADER = 6   # market_hash, timestamp, spot, K, S, move_bps
ORACLE_SLOT_FIELDS = 3   # vol_bps, settled, settle_price per slot (after the scenario values)


class TableMismatch(ValueError):
    """An oracle table that does not fit the market (another market, wrong settlement)."""


def _below(v: object, bits: int, what: str, minimum: int = 0) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or not minimum <= v < (1 << bits):
        raise ValueError(f"{what} must be an integer in [{minimum}, 2^{bits}), got {v!r}")


# ---- instruments ----------------------------------------------------------------------------

def check_instrument(kind: int, strike: int, expiry: int, contract_size: int) -> None:
    """ValueError unless (kind, strike, expiry, contract_size) is a valid slot (module docstring)."""
    if kind not in KINDS or isinstance(kind, bool):
        raise ValueError(f"instrument kind must be one of {list(KINDS)}, got {kind!r}")
    _below(strike, PRICE_BITS, "strike")
    _below(expiry, TIME_BITS, "expiry")
    _below(contract_size, CONTRACT_SIZE_BITS, "contract_size")
    if kind == KIND_EMPTY:
        if strike or expiry or contract_size:
            raise ValueError("an empty slot has strike, expiry and contract size 0")
        return
    if contract_size < 1:
        raise ValueError("contract_size must be at least 1 lot")
    if kind == KIND_FUTURE and strike:
        raise ValueError("a future has no strike (use 0)")
    if kind in (KIND_CALL, KIND_PUT) and strike < 1:
        raise ValueError("an option needs a positive strike")


def payoff(kind: int, strike: int, contract_size: int, settle_price: int) -> int:
    """Exact value per contract at expiry for the settlement price per lot (cash units)."""
    _below(settle_price, PRICE_BITS, "settlement price")
    if kind == KIND_CALL:
        return contract_size * max(settle_price - strike, 0)
    if kind == KIND_PUT:
        return contract_size * max(strike - settle_price, 0)
    if kind == KIND_FUTURE:
        return contract_size * settle_price
    return 0


# ---- encodings ------------------------------------------------------------------------------

def instrument_inputs(kind: T, strike: T, expiry: T, contract_size: T) -> list[T]:
    """The Poseidon inputs of an instrument id."""
    return [kind, strike, expiry, contract_size]


def instrument_id(kind: int, strike: int, expiry: int, contract_size: int, hash_fn: HashFn = poseidon) -> int:
    """Poseidon([kind, strike, expiry, contract_size]): what an order names."""
    return hash_fn(instrument_inputs(kind, strike, expiry, contract_size))


def market_encoding(deployment_id: T, k: T, liq_bonus_bps: T, liq_penalty_bps: T,
                    instrument_ids: Sequence[T]) -> list[T]:
    """The list the market hash is the sponge of."""
    return [deployment_id, k, liq_bonus_bps, liq_penalty_bps, *instrument_ids]


def market_rows(deployment_id: T, k: T, liq_bonus_bps: T, liq_penalty_bps: T, kind: Sequence[T],
                strike: Sequence[T], expiry: Sequence[T], contract_size: Sequence[T]) -> list[T]:
    """The market's transport encoding (every field, `MarketTable.encode`)."""
    out = [deployment_id, k, liq_bonus_bps, liq_penalty_bps]
    for row in zip(kind, strike, expiry, contract_size):
        out += row
    return out


def oracle_encoding(market_hash: T, timestamp: T, spot: T, k: T, s: T, move_bps: T,
                    scen: Sequence[Sequence[T]], vol_bps: Sequence[T], settled: Sequence[T],
                    settle_price: Sequence[T]) -> list[T]:
    """The list the oracle hash is the sponge of (packed, `oracle_hash_inputs`); scen[k][s]."""
    out = [market_hash, timestamp, spot, k, s, move_bps]
    for j in range(len(scen[0]) if scen else 0):
        out += [row[j] for row in scen]
    return out + [*vol_bps, *settled, *settle_price]


def oracle_lane_count(k: int, s: int) -> int:
    """Lanes of a packed K x S table (every value of the encoding but the market hash)."""
    return ORACLE_HEADER - 1 + k * (s + ORACLE_SLOT_FIELDS)


def oracle_lane(k_n: int, s_n: int, what: str, k: int, s: int = 0) -> int:
    """The lane of slot k's `what` ("scen" in scenario s, "vol", "settled", "price") in a
    packed K x S table (lane i sits in element 1 + i // 5 at bit 48 * (i % 5))."""
    if what == "scen":
        return ORACLE_HEADER - 1 + s * k_n + k
    base = ORACLE_HEADER - 1 + s_n * k_n
    return base + ("vol", "settled", "price").index(what) * k_n + k


ORACLE_LANE_BITS = PRICE_BITS
"""Bits of one lane of the packed oracle encoding: every oracle value but the market hash
fits (prices 48 bits, time 40, K, S, flags)."""
ORACLE_LANES = 5
"""Lanes per field element (5 * 48 = 240 bits < 253)."""
assert ORACLE_LANES * ORACLE_LANE_BITS < 253 and TIME_BITS <= ORACLE_LANE_BITS


def pack_lanes(values: Sequence[T]) -> list[T]:
    """values[5j] + 2^48 values[5j+1] + ... + 2^192 values[5j+4] for each j (ints or
    circuit values; one-to-one for values below 2^ORACLE_LANE_BITS)."""
    out = []
    for j in range(0, len(values), ORACLE_LANES):
        acc = values[j]
        for i, v in enumerate(values[j + 1:j + ORACLE_LANES], 1):
            acc = acc + v * (1 << (ORACLE_LANE_BITS * i))
        out.append(acc)
    return out


def oracle_hash_inputs(enc: Sequence[T]) -> list[T]:
    """What the oracle hash is the sponge of: [market_hash, *pack_lanes(the rest)]."""
    return [enc[0], *pack_lanes(enc[1:])]


def unpack_oracle(packed: Sequence[int]) -> list[int]:
    """The oracle encoding of `oracle_hash_inputs(enc)`; ValueError unless `packed` is
    exactly what that function writes (elements below 2^240, unused lanes 0, the length
    that the K and S lanes imply)."""
    packed = _ints(packed, "packed oracle table")
    if len(packed) < 2 or any(not 0 <= e < (1 << (ORACLE_LANES * ORACLE_LANE_BITS)) for e in packed[1:]):
        raise ValueError("a packed oracle table is [market_hash, elements below 2^240 ...]")
    mask = (1 << ORACLE_LANE_BITS) - 1
    lanes = [(e >> (ORACLE_LANE_BITS * i)) & mask for e in packed[1:] for i in range(ORACLE_LANES)]
    k, s = lanes[2], lanes[3]
    n = oracle_lane_count(k, s)
    if -(-n // ORACLE_LANES) != len(packed) - 1 or any(lanes[n:]):
        raise ValueError(f"a packed oracle table with K = {k}, S = {s} has {1 + -(-n // ORACLE_LANES)} "
                         f"elements and its unused lanes are 0")
    return [packed[0], *lanes[:n]]


def _ints(enc: Sequence[int], what: str) -> list[int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in enc):
        raise ValueError(f"a {what} encoding is a list of integers")
    return list(enc)


def _tuples(obj, names: Sequence[str], grids: Sequence[str] = ()) -> None:
    for name in names:
        object.__setattr__(obj, name, tuple(getattr(obj, name)))
    for name in grids:
        object.__setattr__(obj, name, tuple(tuple(r) for r in getattr(obj, name)))


# ---- the market table -----------------------------------------------------------------------

@dataclass(frozen=True)
class MarketTable:
    """The market table as ints (one entry per instrument slot)."""

    kind: tuple[int, ...]
    strike: tuple[int, ...]
    expiry: tuple[int, ...]
    contract_size: tuple[int, ...]
    liq_bonus_bps: int
    liq_penalty_bps: int
    deployment_id: int = 0

    def __post_init__(self) -> None:
        _tuples(self, ("kind", "strike", "expiry", "contract_size"))

    @property
    def K(self) -> int:
        return len(self.kind)

    def slot(self, k: int) -> tuple[int, int, int, int]:
        """(kind, strike, expiry, contract_size) of slot k."""
        return self.kind[k], self.strike[k], self.expiry[k], self.contract_size[k]

    def payoff(self, k: int, settle_price: int) -> int:
        return payoff(self.kind[k], self.strike[k], self.contract_size[k], settle_price)

    def instrument_id(self, k: int, hash_fn: HashFn = poseidon) -> int:
        return instrument_id(*self.slot(k), hash_fn=hash_fn)

    def instrument_ids(self, hash_fn: HashFn = poseidon) -> list[int]:
        return [self.instrument_id(k, hash_fn) for k in range(self.K)]

    def encode(self) -> list[int]:
        """The transport encoding (`market_rows`)."""
        return market_rows(self.deployment_id, self.K, self.liq_bonus_bps, self.liq_penalty_bps, self.kind,
                           self.strike, self.expiry, self.contract_size)

    def hash_inputs(self, hash_fn: HashFn = poseidon) -> list[int]:
        """`market_encoding` of this table (what the market hash is the sponge of)."""
        return market_encoding(self.deployment_id, self.K, self.liq_bonus_bps, self.liq_penalty_bps,
                               self.instrument_ids(hash_fn))

    def hash(self) -> int:
        return _memo_hash(self, self.hash_inputs)

    def check(self) -> "MarketTable":
        """Self, unless a rule of the module docstring fails (ValueError)."""
        k = self.K
        check_deployment_id(self.deployment_id)
        if not 1 <= k <= MAX_INSTRUMENTS:
            raise ValueError(f"a market has 1..{MAX_INSTRUMENTS} slots, got {k}")
        if any(len(v) != k for v in (self.strike, self.expiry, self.contract_size)):
            raise ValueError(f"every market column must have {k} entries")
        for name in ("liq_bonus_bps", "liq_penalty_bps"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < BPS_DENOMINATOR:
                raise ValueError(f"{name} must be an integer in [0, {BPS_DENOMINATOR}), got {v!r}")
        for i in range(k):
            try:
                check_instrument(*self.slot(i))
            except ValueError as e:
                raise ValueError(f"market slot {i}: {e}") from None
        return self

    @classmethod
    def decode(cls, enc: Sequence[int]) -> "MarketTable":
        """The checked table of an encoding (ValueError for a wrong layout or a broken rule)."""
        enc = _ints(enc, "market table")
        if len(enc) < MARKET_HEADER or not 1 <= enc[1] <= MAX_INSTRUMENTS or len(enc) != MARKET_HEADER + 4 * enc[1]:
            raise ValueError(f"a market table is [deployment_id, K, bonus_bps, penalty_bps] and 4 values "
                             f"per slot, K in 1..{MAX_INSTRUMENTS}")
        rows = enc[MARKET_HEADER:]
        return cls(*(tuple(rows[j::4]) for j in range(4)), enc[2], enc[3], enc[0]).check()


def _memo_hash(table, hash_inputs) -> int:
    """poseidon_sponge(hash_inputs()), computed once per table: tables are immutable (tuples
    of ints) and every sealed batch and every check against L1 hashes them again."""
    h = table.__dict__.get("_hash")
    if h is None:
        h = poseidon_sponge(hash_inputs())
        object.__setattr__(table, "_hash", h)
    return h


# ---- the oracle table -----------------------------------------------------------------------

@dataclass(frozen=True)
class OracleTable:
    """One batch's prices, per contract: scen[k][s] (scenario 0 the mark), slot vols, the
    base move, settlements."""

    market_hash: int
    timestamp: int
    spot: int
    move_bps: int
    scen: tuple[tuple[int, ...], ...]
    vol_bps: tuple[int, ...]
    settled: tuple[int, ...]
    settle_price: tuple[int, ...]

    def __post_init__(self) -> None:
        _tuples(self, ("vol_bps", "settled", "settle_price"), ("scen",))

    @property
    def K(self) -> int:
        return len(self.scen)

    @property
    def S(self) -> int:
        return len(self.scen[0]) if self.scen else 0

    @property
    def mark(self) -> tuple[int, ...]:
        """scen[k][0] for every slot."""
        return tuple(row[0] for row in self.scen)

    @property
    def settle_value(self) -> tuple[int, ...]:
        """A settled slot's payoff (its mark), 0 elsewhere."""
        return tuple(row[0] if f else 0 for row, f in zip(self.scen, self.settled))

    def encode(self) -> list[int]:
        return oracle_encoding(self.market_hash, self.timestamp, self.spot, self.K, self.S, self.move_bps,
                               self.scen, self.vol_bps, self.settled, self.settle_price)

    def packed(self) -> list[int]:
        """`oracle_hash_inputs(self.encode())`: the table as it travels to L1 and is hashed."""
        return oracle_hash_inputs(self.encode())

    def hash(self) -> int:
        return _memo_hash(self, self.packed)

    def check(self) -> "OracleTable":
        """Self, unless sizes, widths or settlement flags break the rules (ValueError)."""
        k, s = self.K, self.S
        if not 1 <= k <= MAX_INSTRUMENTS:
            raise ValueError(f"oracle table needs 1..{MAX_INSTRUMENTS} slots, got {k}")
        if not 1 <= s <= MAX_SCENARIOS:
            raise ValueError(f"oracle table needs 1..{MAX_SCENARIOS} scenarios, got {s}")
        if any(len(r) != s for r in self.scen):
            raise ValueError(f"scen must be {k} x {s}")
        for name in ("vol_bps", "settled", "settle_price"):
            if len(getattr(self, name)) != k:
                raise ValueError(f"{name} must have {k} entries")
        if not isinstance(self.market_hash, int) or not 0 <= self.market_hash < R:
            raise ValueError("market_hash must be a field element")
        _below(self.timestamp, TIME_BITS, "timestamp")
        _below(self.spot, PRICE_BITS, "spot")
        for v in (self.move_bps, *self.vol_bps, *self.settle_price, *(x for r in self.scen for x in r)):
            _below(v, PRICE_BITS, "oracle value")
        for i in range(k):
            if self.settled[i] not in (0, 1) or isinstance(self.settled[i], bool):
                raise ValueError("settled flags must be 0 or 1")
            if not self.settled[i] and self.settle_price[i]:
                raise ValueError(f"slot {i} is not settled but has a settlement price")
        return self

    def check_against(self, market: MarketTable) -> None:
        """TableMismatch unless the table belongs to `market` and settles each settled slot
        (after its expiry) at its exact payoff in every scenario."""
        if self.market_hash != market.hash() or self.K != market.K:
            raise TableMismatch("the oracle table was built for another market table")
        for k in range(self.K):
            if not self.settled[k]:
                continue
            if market.kind[k] == KIND_EMPTY or self.timestamp < market.expiry[k]:
                raise TableMismatch(f"slot {k} is settled before its expiry")
            v = market.payoff(k, self.settle_price[k])
            if set(self.scen[k]) != {v}:
                raise TableMismatch(f"slot {k}: a settled slot is valued at its payoff {v} in every scenario")

    @classmethod
    def decode(cls, enc: Sequence[int]) -> "OracleTable":
        """The checked table of an encoding (ValueError for a wrong layout or a broken rule)."""
        enc = _ints(enc, "oracle table")
        if len(enc) < ORACLE_HEADER:
            raise ValueError(f"an oracle table has a {ORACLE_HEADER}-value header, got {len(enc)} values")
        k, s = enc[3], enc[4]
        if not 1 <= k <= MAX_INSTRUMENTS or not 1 <= s <= MAX_SCENARIOS:
            raise ValueError(f"oracle table: K = {k} must be in 1..{MAX_INSTRUMENTS} and S = {s} "
                             f"in 1..{MAX_SCENARIOS}")
        want = 1 + oracle_lane_count(k, s)
        if len(enc) != want:
            raise ValueError(f"oracle table with K = {k}, S = {s} has {want} values, got {len(enc)}")

        def at(what: str, j: int, sc: int = 0) -> int:
            return enc[1 + oracle_lane(k, s, what, j, sc)]
        scen = tuple(tuple(at("scen", j, sc) for sc in range(s)) for j in range(k))
        return cls(enc[0], enc[1], enc[2], enc[5], scen, *(tuple(at(w, j) for j in range(k))
                                                           for w in ("vol", "settled", "price"))).check()

    @classmethod
    def from_packed(cls, packed: Sequence[int]) -> "OracleTable":
        """The checked table of its packed form (ValueError)."""
        return cls.decode(unpack_oracle(packed))

    def to_obj(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_obj(cls, obj: dict) -> "OracleTable":
        """The checked table of a `to_obj` dict."""
        return cls(**obj).check()
