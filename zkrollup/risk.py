"""Risk engine: the oracle model that builds the scenario table, and the margin checks on it
(docs/risk.md).

**Volatility.** The oracle publishes spot and an implied-volatility smile per expiry
(`Smile`: vol at strike points, interpolated linearly in log-moneyness ln(strike / spot),
flat beyond the end points); `VolSurface` holds the smiles (or one flat vol, for tests).
Slot k's vol is its smile's vol at its strike; the base move M comes from the nearest
expiry's at-the-money vol (`VolSurface.atm`, `circuits.spec.scenarios.base_move_bps`).

**Valuation** (per contract, cash units, floats first): Black-Scholes with rate r for calls
and puts, F = S e^{rT} for futures, times the contract size; at or after expiry the payoff
at the given spot; once a settlement price is published, the exact integer payoff in
every scenario. Scenario s of `circuits.spec.scenarios.grid(S)` moves spot to
spot * (1 + m_s * M) and an option's vol to vol_k * (1 + v_s / 4) (sticky strike), and
counts weight_s of the move: value = mark + weight_s * (v - mark). M and vol_k are
quantised to the basis points the table publishes before valuing.

**Integers, never in the trader's favour**: every value is rounded to the nearest integer
(|error| <= 1/2, plus float error far below that for values < 2^48), and every equity
subtracts a haircut of one cash unit per contract; for either sign of size,
size * round(v) - |size| <= size * v, and the initial-margin quantity keeps the same
property while alpha <= 3/2 (`circuits.spec.margin`).

**Margin** (`circuits.spec.margin`, exact ints): maintenance E_s >= 0, initial
IM_NUM E_s - (IM_NUM - IM_DEN) E_0 >= 0 for every s, "strictly reduces risk" on the
initial quantity, a forced withdrawal's allowance; the helpers here take the oracle table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from circuits.spec import margin as M
from circuits.spec.scenarios import BPS, STANDARD_SCENARIOS, VOL_SHOCK, base_move_bps, grid
from circuits.spec.tables import OracleTable, TableMismatch
from circuits.spec.widths import PRICE_BITS, TIME_BITS

from .errors import NoOracle
from .market import Kind, Market
from .units import check_unsigned

YEAR_SECONDS = 365 * 24 * 3600
MIN_VOL = 1e-4


# --- volatility ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Smile:
    """Implied vol of one expiry at strike points (strike per lot, vol as a fraction)."""

    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        pts = tuple(sorted((float(k), float(v)) for k, v in self.points))
        if not pts or any(not (math.isfinite(k) and k > 0 and math.isfinite(v) and v > 0) for k, v in pts):
            raise ValueError("a smile needs at least one (strike > 0, vol > 0) point")
        if len({k for k, _ in pts}) != len(pts):
            raise ValueError("a smile has one vol per strike")
        object.__setattr__(self, "points", pts)

    def vol_at(self, strike: float, spot: float) -> float:
        """Linear in log-moneyness ln(strike / spot), flat beyond the end points."""
        xs = [math.log(k / spot) for k, _ in self.points]
        return float(np.interp(math.log(strike / spot), xs, [v for _, v in self.points]))


@dataclass(frozen=True)
class VolSurface:
    """Smiles by expiry (unix seconds); `flat` serves every expiry and strike with one vol."""

    smiles: Mapping[int, Smile] = field(default_factory=dict)
    flat: float | None = None

    def __post_init__(self) -> None:
        if self.flat is not None and not (math.isfinite(self.flat) and self.flat > 0):
            raise ValueError(f"volatility must be positive, got {self.flat}")
        if not self.smiles and self.flat is None:
            raise ValueError("a vol surface needs a smile or a flat vol")

    @classmethod
    def of(cls, vol: "float | VolSurface | Mapping[int, Smile]") -> "VolSurface":
        if isinstance(vol, VolSurface):
            return vol
        if isinstance(vol, Mapping):
            return cls(dict(vol))
        if isinstance(vol, bool) or not isinstance(vol, (int, float)):
            raise ValueError(f"volatility must be a number or a surface, got {vol!r}")
        return cls({}, float(vol))

    def vol(self, expiry: int, strike: float, spot: float) -> float:
        smile = self.smiles.get(expiry)
        if smile is not None:
            return smile.vol_at(strike, spot)
        if self.flat is None:
            raise ValueError(f"no smile for expiry {expiry}")
        return self.flat

    def atm(self, timestamp: int, spot: float) -> float:
        """The at-the-money vol of the nearest expiry after `timestamp` (else of the latest)."""
        if not self.smiles:
            return self.flat
        later = [e for e in self.smiles if e > timestamp]
        e = min(later) if later else max(self.smiles)
        return self.smiles[e].vol_at(spot, spot)


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


class ModelValues(NamedTuple):
    """The unrounded model: values (K, S) per contract (column 0 the marks), and the
    quantised base move and slot vols the values were computed with."""

    values: np.ndarray
    move_bps: int
    vol_bps: list[int]


def _slot_vol_bps(inst, tau: float, surface: VolSurface, spot: float) -> int:
    """The slot's vol in basis points; 0 where the value does not depend on vol."""
    if inst.kind not in (Kind.CALL, Kind.PUT) or tau <= 0:
        return 0
    return max(1, round(surface.vol(inst.expiry, float(inst.strike), spot) * BPS))


def float_values(market: Market, timestamp: int, spot: float, vol, *, rate: float = 0.0,
                 n_scenarios: int = STANDARD_SCENARIOS) -> ModelValues:
    """The unrounded model of the module docstring; `vol` a number (flat), a VolSurface or
    a mapping expiry -> Smile."""
    surface = VolSurface.of(vol)
    scen = grid(n_scenarios)
    move = base_move_bps(surface.atm(timestamp, float(spot)))
    m = move / BPS
    spots = np.array([spot * (1.0 + float(s.spot) * m) for s in scen])
    vshock = np.array([1.0 + float(s.vol * VOL_SHOCK) for s in scen])
    w = np.array([float(s.weight) for s in scen])
    out = np.zeros((market.K, len(scen)))
    vols = [0] * market.K
    for k, inst in enumerate(market.slots):
        if inst.is_empty:
            continue
        tau = max(inst.expiry - timestamp, 0) / YEAR_SECONDS
        vols[k] = _slot_vol_bps(inst, tau, surface, float(spot))
        v = instrument_values(inst.kind, float(inst.strike), inst.contract_size, tau, spots,
                              vols[k] / BPS * vshock, rate)
        out[k] = v[0] + w * (v - v[0])
    return ModelValues(out, move, vols)


def _to_ints(values: np.ndarray, what: str) -> list[int]:
    r = np.rint(values)
    if not np.all(np.isfinite(r)) or np.any(r < 0) or np.any(r >= float(1 << PRICE_BITS)):
        raise ValueError(f"{what} outside [0, 2^{PRICE_BITS}): {values}")
    return [int(x) for x in r]


# --- the oracle table -------------------------------------------------------------------------

def check_oracle(table: OracleTable, market: Market) -> None:
    """NoOracle unless the table belongs to `market` and its settlements are exact payoffs
    (`OracleTable.check_against`)."""
    try:
        table.check_against(market.table())
    except TableMismatch as e:
        raise NoOracle(str(e)) from None


def build_oracle_table(market: Market, timestamp: int, spot: int, vol, *, rate: float = 0.0,
                       settle_prices: Mapping[int, int] | None = None,
                       n_scenarios: int = STANDARD_SCENARIOS) -> OracleTable:
    """The oracle model: value every slot of `market` at `spot` (cash units per lot) and
    `vol` (a number, a VolSurface or {expiry: Smile}) in the first `n_scenarios` scenarios
    of the standard grid.

    Values are `float_values` rounded to the nearest integer. `settle_prices` maps expired
    slots to their settlement price per lot; those slots get the exact payoff everywhere
    (and vol 0). Raises ValueError for a settlement price of an unexpired or empty slot, a
    missing smile, or values outside 48 bits.
    """
    check_unsigned("timestamp", timestamp, TIME_BITS)
    check_unsigned("spot", spot, PRICE_BITS, minimum=1)
    settle_prices = dict(settle_prices or {})
    unknown = set(settle_prices) - set(range(market.K))
    if unknown:
        raise ValueError(f"settlement prices for unknown slots {sorted(unknown)}")
    model = float_values(market, timestamp, spot, vol, rate=rate, n_scenarios=n_scenarios)
    k_n = market.K
    scen = [_to_ints(model.values[k], f"slot {k} values") for k in range(k_n)]
    vols = list(model.vol_bps)
    settled, s_price = [0] * k_n, [0] * k_n
    for k, price in settle_prices.items():
        inst = market.slots[k]
        if inst.is_empty or timestamp < inst.expiry:
            raise ValueError(f"slot {k} cannot settle before its expiry")
        settled[k], s_price[k], vols[k] = 1, price, 0
        scen[k] = [inst.payoff(price)] * n_scenarios
    return OracleTable(market.hash(), timestamp, spot, model.move_bps, scen, vols, settled, s_price).check()


# --- margin (circuits.spec.margin on a table) -----------------------------------------------------

def equities(cash: int, sizes: Sequence[int], oracle: OracleTable) -> list[int]:
    """E_s for every scenario s of the table (scenario 0 the mark)."""
    return M.equities(cash, sizes, oracle.scen)


def passes_initial(cash: int, sizes: Sequence[int], oracle: OracleTable) -> bool:
    return M.passes_im(equities(cash, sizes, oracle))


def passes_maintenance(cash: int, sizes: Sequence[int], oracle: OracleTable) -> bool:
    return M.passes_mm(equities(cash, sizes, oracle))


def margin_use(cash: int, sizes: Sequence[int], oracle: OracleTable) -> M.MarginUse:
    return M.MarginUse.of(equities(cash, sizes, oracle))


def im_allowance(cash: int, sizes: Sequence[int], oracle: OracleTable) -> int:
    return M.im_allowance(equities(cash, sizes, oracle))


def reduces_risk(old_cash: int, old_sizes: Sequence[int], new_cash: int, new_sizes: Sequence[int],
                 slot: int, oracle: OracleTable) -> bool:
    return M.reduces_risk(equities(old_cash, old_sizes, oracle), equities(new_cash, new_sizes, oracle),
                          old_sizes, new_sizes, slot)


def describe_scenario(oracle: OracleTable, s: int, slot: int | None = None) -> str:
    """What scenario s of the table stands for, e.g. "spot -9.42%, vol +25%"."""
    vol = oracle.vol_bps[slot] if slot is not None else None
    return grid(oracle.S)[s].describe(oracle.move_bps, vol)

