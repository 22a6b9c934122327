"""Risk engine: scenario tables (the oracle table) and the margin checks of docs/state.md, "Margin rules".

Valuation (per contract, cash units, floats first): Black-Scholes with rate r for calls and
puts, F = S e^{rT} for futures, times the contract size; at or after expiry the value is
the payoff at the given spot, and once a settlement price is published every value of
the slot (mark and all scenarios) is the exact integer payoff.

Grids: a scenario moves spot by a relative shock and volatility by a relative shock;
"extreme" scenarios count only `weight` of the move's P&L relative to the mark
(SPAN-style), value = mark + weight * (v(shocked) - mark). Both grids have the same
number S of scenarios so the circuit has one shape (defaults: S = 16):

- initial:     spot {-15, -10, -5, 0, +5, +10, +15}% x vol {+25%, -25%}, and
               spot -30% / +30% at weight 1/3;
- maintenance: spot {-10, -6.67, -3.33, 0, +3.33, +6.67, +10}% x vol {+15%, -15%}, and
               spot -20% / +20% at weight 1/3.

Integers, and why the rounding never favours the trader: every value is rounded to the
nearest integer (|error| <= 1/2, plus float error far below that for values < 2^48), and
every margin equity subtracts a haircut of one cash unit per contract held in each slot:

    equity_s = cash + sum_k size_k * scen[k][s] - sum_k |size_k|.

Whatever the sign of size_k, size_k * round(v) - |size_k| <= size_k * v, so the checked
equity is never above the equity of the unrounded model. One table serves longs and
shorts; the haircut costs the circuit K absolute values per account, not K*S products.

Checks (exact Python ints):
- initial margin: equity_s >= 0 for every s of the initial grid;
- maintenance:    equity_s >= 0 for every s of the maintenance grid;
- "strictly reduces risk" (a trade side below initial margin may still trade): only the
  traded slot k changes, the new size lies between 0 and the old size (|size| strictly
  decreases, no flip), and min_s equity_s (initial grid) does not decrease. The circuit
  checks the last part cheaply: the prover names any scenario j, the circuit checks
  new equity_s >= old equity_j for all s (any j gives a valid lower bound of the old
  minimum, so a false j cannot make a bad trade pass).

Oracle table encoding (`OracleTable.encode`, hashed by `poseidon_sponge`):

    [market_hash, timestamp, spot, K, S,
     mark[0..K-1],
     scen_init[0][0..S-1], ..., scen_init[K-1][0..S-1],
     scen_maint[0][0..S-1], ..., scen_maint[K-1][0..S-1],
     settled[0..K-1], settle_price[0..K-1], settle_value[0..K-1]]

All entries are unsigned integers below 2^48 (timestamp below 2^40, settled in {0, 1}).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from circuits.field import R
from circuits.poseidon import poseidon_sponge

from .errors import NoOracle
from .market import Kind, Market
from .units import (MAX_SCENARIOS, PRICE_BITS, TIME_BITS, check_unsigned)

YEAR_SECONDS = 365 * 24 * 3600
MIN_VOL = 1e-4


@dataclass(frozen=True)
class Scenario:
    spot_shock: float
    vol_shock: float = 0.0
    weight: float = 1.0


@dataclass(frozen=True)
class ScenarioGrid:
    scenarios: tuple[Scenario, ...]

    @classmethod
    def product(cls, spot_shocks: Sequence[float], vol_shocks: Sequence[float],
                extremes: Sequence[tuple[float, float]] = ()) -> "ScenarioGrid":
        """spot-major product of the shocks, then (spot_shock, weight) extremes at vol 0."""
        sc = [Scenario(s, v) for s in spot_shocks for v in vol_shocks]
        sc += [Scenario(s, 0.0, w) for s, w in extremes]
        return cls(tuple(sc))

    def __len__(self) -> int:
        return len(self.scenarios)


INITIAL_GRID = ScenarioGrid.product((-0.15, -0.10, -0.05, 0.0, 0.05, 0.10, 0.15), (0.25, -0.25),
                                    ((-0.30, 1 / 3), (0.30, 1 / 3)))
MAINTENANCE_GRID = ScenarioGrid.product((-0.10, -0.2 / 3, -0.1 / 3, 0.0, 0.1 / 3, 0.2 / 3, 0.10),
                                        (0.15, -0.15), ((-0.20, 1 / 3), (0.20, 1 / 3)))


# --- valuation (numpy, vectorised over scenarios) ------------------------------------------

_erf = np.vectorize(math.erf, otypes=[float])


def _ncdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


def instrument_values(kind: Kind, strike: float, contract_size: int, tau: float,
                      spot: np.ndarray, vol: np.ndarray, rate: float) -> np.ndarray:
    """Value per contract (float) for arrays of spot prices and volatilities; tau in years."""
    spot = np.asarray(spot, dtype=float)
    vol = np.maximum(np.asarray(vol, dtype=float), MIN_VOL)
    if kind == Kind.EMPTY:
        return np.zeros_like(spot)
    if kind == Kind.FUTURE:
        return contract_size * spot * math.exp(rate * max(tau, 0.0))
    if tau <= 0:
        intrinsic = np.maximum(spot - strike, 0.0) if kind == Kind.CALL else np.maximum(strike - spot, 0.0)
        return contract_size * intrinsic
    sq = vol * math.sqrt(tau)
    d1 = (np.log(spot / strike) + (rate + 0.5 * vol * vol) * tau) / sq
    d2 = d1 - sq
    disc = strike * math.exp(-rate * tau)
    if kind == Kind.CALL:
        v = spot * _ncdf(d1) - disc * _ncdf(d2)
    else:
        v = disc * _ncdf(-d2) - spot * _ncdf(-d1)
    return contract_size * np.maximum(v, 0.0)


def _to_ints(values: np.ndarray, what: str) -> list[int]:
    r = np.rint(values)
    if not np.all(np.isfinite(r)) or np.any(r < 0) or np.any(r >= float(1 << PRICE_BITS)):
        raise ValueError(f"{what} outside [0, 2^{PRICE_BITS}): {values}")
    return [int(x) for x in r]


# --- the oracle table -------------------------------------------------------------------------

@dataclass(frozen=True)
class OracleTable:
    """One batch's prices: marks, scenario values and settlements, all per contract."""

    market_hash: int
    timestamp: int
    spot: int
    mark: tuple[int, ...]
    scen_init: tuple[tuple[int, ...], ...]
    scen_maint: tuple[tuple[int, ...], ...]
    settled: tuple[int, ...]
    settle_price: tuple[int, ...]
    settle_value: tuple[int, ...]

    def __post_init__(self):
        for name in ("mark", "settled", "settle_price", "settle_value"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("scen_init", "scen_maint"):
            object.__setattr__(self, name, tuple(tuple(r) for r in getattr(self, name)))
        k = len(self.mark)
        if not 1 <= k <= 16:
            raise ValueError(f"oracle table needs 1..16 slots, got {k}")
        s = len(self.scen_init[0]) if self.scen_init else 0
        if not 1 <= s <= MAX_SCENARIOS:
            raise ValueError(f"oracle table needs 1..{MAX_SCENARIOS} scenarios, got {s}")
        for name in ("scen_init", "scen_maint"):
            rows = getattr(self, name)
            if len(rows) != k or any(len(r) != s for r in rows):
                raise ValueError(f"{name} must be {k} x {s}")
        for name in ("settled", "settle_price", "settle_value"):
            if len(getattr(self, name)) != k:
                raise ValueError(f"{name} must have {k} entries")
        if not isinstance(self.market_hash, int) or not 0 <= self.market_hash < R:
            raise ValueError("market_hash must be a field element")
        check_unsigned("timestamp", self.timestamp, TIME_BITS)
        check_unsigned("spot", self.spot, PRICE_BITS)
        for v in (*self.mark, *self.settle_price, *self.settle_value,
                  *(x for r in self.scen_init for x in r), *(x for r in self.scen_maint for x in r)):
            check_unsigned("oracle value", v, PRICE_BITS)
        for i in range(k):
            if self.settled[i] not in (0, 1):
                raise ValueError("settled flags must be 0 or 1")
            if not self.settled[i] and (self.settle_price[i] or self.settle_value[i]):
                raise ValueError(f"slot {i} is not settled but has a settlement price/value")

    @property
    def K(self) -> int:
        return len(self.mark)

    @property
    def S(self) -> int:
        return len(self.scen_init[0])

    def encode(self) -> list[int]:
        out = [self.market_hash, self.timestamp, self.spot, self.K, self.S, *self.mark]
        for rows in (self.scen_init, self.scen_maint):
            for r in rows:
                out += r
        return out + [*self.settled, *self.settle_price, *self.settle_value]

    def hash(self) -> int:
        return poseidon_sponge(self.encode())

    def check_against(self, market: Market) -> None:
        """NoOracle unless the table belongs to `market` and its settlements are exact payoffs."""
        if self.market_hash != market.hash() or self.K != market.K:
            raise NoOracle("the oracle table was built for another market table")
        for k, inst in enumerate(market.slots):
            if not self.settled[k]:
                continue
            if inst.is_empty or self.timestamp < inst.expiry:
                raise NoOracle(f"slot {k} is settled before its expiry")
            v = inst.payoff(self.settle_price[k])
            if self.settle_value[k] != v:
                raise NoOracle(f"slot {k}: settlement value {self.settle_value[k]} is not the payoff {v}")
            if self.mark[k] != v or set(self.scen_init[k]) != {v} or set(self.scen_maint[k]) != {v}:
                raise NoOracle(f"slot {k}: a settled slot is valued at its payoff in every scenario")

    def to_obj(self) -> dict:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @classmethod
    def from_obj(cls, obj: dict) -> "OracleTable":
        return cls(**obj)


def _grid_values(inst, tau, spot, vol, rate, grid: ScenarioGrid, mark_f: float) -> np.ndarray:
    sc = grid.scenarios
    spots = np.array([spot * (1.0 + s.spot_shock) for s in sc])
    vols = np.array([vol * (1.0 + s.vol_shock) for s in sc])
    w = np.array([s.weight for s in sc])
    v = instrument_values(inst.kind, float(inst.strike), inst.contract_size, tau, spots, vols, rate)
    return mark_f + w * (v - mark_f)


def _check_grids(initial: ScenarioGrid, maintenance: ScenarioGrid) -> None:
    if len(initial) != len(maintenance):
        raise ValueError("the initial and maintenance grids must have the same number of scenarios")


def float_values(market: Market, timestamp: int, spot: float, vol: float, *, rate: float = 0.0,
                 initial: ScenarioGrid = INITIAL_GRID, maintenance: ScenarioGrid = MAINTENANCE_GRID
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The unrounded model: (mark (K,), initial (K, S), maintenance (K, S)) per contract."""
    _check_grids(initial, maintenance)
    k_n, s_n = market.K, len(initial)
    mark, v_init, v_maint = np.zeros(k_n), np.zeros((k_n, s_n)), np.zeros((k_n, s_n))
    for k, inst in enumerate(market.slots):
        if inst.is_empty:
            continue
        tau = max(inst.expiry - timestamp, 0) / YEAR_SECONDS
        m = float(instrument_values(inst.kind, float(inst.strike), inst.contract_size, tau,
                                    np.array([float(spot)]), np.array([vol]), rate)[0])
        mark[k] = m
        v_init[k] = _grid_values(inst, tau, spot, vol, rate, initial, m)
        v_maint[k] = _grid_values(inst, tau, spot, vol, rate, maintenance, m)
    return mark, v_init, v_maint


def build_oracle_table(market: Market, timestamp: int, spot: int, vol: float, *, rate: float = 0.0,
                       settle_prices: Mapping[int, int] | None = None,
                       initial: ScenarioGrid = INITIAL_GRID,
                       maintenance: ScenarioGrid = MAINTENANCE_GRID) -> OracleTable:
    """The oracle model: price every slot of `market` at `spot` (cash units per lot) and `vol`.

    Values are `float_values` rounded to the nearest integer. `settle_prices` maps expired
    slots to their settlement price per lot; those slots get the exact payoff everywhere.
    Raises ValueError for a settlement price of an unexpired or empty slot, for grids of
    different sizes, or for values outside 48 bits.
    """
    check_unsigned("timestamp", timestamp, TIME_BITS)
    check_unsigned("spot", spot, PRICE_BITS, minimum=1)
    if not vol > 0:
        raise ValueError(f"volatility must be positive, got {vol}")
    settle_prices = dict(settle_prices or {})
    unknown = set(settle_prices) - set(range(market.K))
    if unknown:
        raise ValueError(f"settlement prices for unknown slots {sorted(unknown)}")
    f_mark, f_init, f_maint = float_values(market, timestamp, spot, vol, rate=rate,
                                           initial=initial, maintenance=maintenance)
    k_n, s_n = market.K, len(initial)
    mark = _to_ints(f_mark, "marks")
    s_init = [_to_ints(f_init[k], f"slot {k} values") for k in range(k_n)]
    s_maint = [_to_ints(f_maint[k], f"slot {k} values") for k in range(k_n)]
    settled, s_price, s_value = [0] * k_n, [0] * k_n, [0] * k_n
    for k, price in settle_prices.items():
        inst = market.slots[k]
        if inst.is_empty or timestamp < inst.expiry:
            raise ValueError(f"slot {k} cannot settle before its expiry")
        v = inst.payoff(price)
        settled[k], s_price[k], s_value[k] = 1, price, v
        mark[k] = v
        s_init[k] = [v] * s_n
        s_maint[k] = [v] * s_n
    return OracleTable(market.hash(), timestamp, spot, tuple(mark), tuple(map(tuple, s_init)),
                       tuple(map(tuple, s_maint)), tuple(settled), tuple(s_price), tuple(s_value))


# --- margin -----------------------------------------------------------------------------------

def haircut(sizes: Sequence[int]) -> int:
    """One cash unit per contract held in each slot (absorbs the rounding of the tables)."""
    return sum(abs(x) for x in sizes)


def scenario_equities(cash: int, sizes: Sequence[int], table: Sequence[Sequence[int]]) -> list[int]:
    """equity_s = cash + sum_k size_k * table[k][s] - haircut(sizes), for every scenario s."""
    base = cash - haircut(sizes)
    eq = [base] * len(table[0])
    for size, row in zip(sizes, table):
        if size:
            eq = [e + size * v for e, v in zip(eq, row)]
    return eq


def min_equity(cash: int, sizes: Sequence[int], table: Sequence[Sequence[int]]) -> tuple[int, int]:
    """(min_s equity_s, the first s attaining it)."""
    eq = scenario_equities(cash, sizes, table)
    m = min(eq)
    return m, eq.index(m)


def passes_initial(cash: int, sizes: Sequence[int], oracle: OracleTable) -> bool:
    return min_equity(cash, sizes, oracle.scen_init)[0] >= 0


def passes_maintenance(cash: int, sizes: Sequence[int], oracle: OracleTable) -> bool:
    return min_equity(cash, sizes, oracle.scen_maint)[0] >= 0


def reduces_risk(old_cash: int, old_sizes: Sequence[int], new_cash: int, new_sizes: Sequence[int],
                 slot: int, oracle: OracleTable) -> bool:
    """The "strictly reduces risk" rule (module docstring) for a change in slot `slot` only."""
    if any(a != b for i, (a, b) in enumerate(zip(old_sizes, new_sizes)) if i != slot):
        return False
    old, new = old_sizes[slot], new_sizes[slot]
    if old == 0 or abs(new) >= abs(old) or (new != 0 and (new > 0) != (old > 0)):
        return False
    return (min_equity(new_cash, new_sizes, oracle.scen_init)[0]
            >= min_equity(old_cash, old_sizes, oracle.scen_init)[0])


def portfolio_mark_value(sizes: Sequence[int], oracle: OracleTable) -> int:
    return sum(s * m for s, m in zip(sizes, oracle.mark))


def gross_mark_value(sizes: Sequence[int], oracle: OracleTable) -> int:
    return sum(abs(s) * m for s, m in zip(sizes, oracle.mark))
