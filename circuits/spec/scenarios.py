"""The scenario grid of the oracle table: which spot and volatility moves scenario s stands for.

The oracle's risk engine (`zkrollup.risk`) values every instrument slot in S scenarios.
Each scenario moves spot by a multiple of the base move M and an option's implied vol by
0, +V or -V, and counts `weight` of the move's P&L (value = mark + weight * (v - mark)):

    M   = clamp(Z * sigma_atm * sqrt(H), M_MIN, M_MAX)    (`base_move_bps`; sigma_atm the
                                                           nearest expiry's at-the-money vol)
    V_k = VOL_SHOCK * vol_k                               (vol_k the slot's implied vol)

The standard grid (`STANDARD_GRID`, S = 35): spot moves {-4..+4}/4 * M crossed with vol
shocks {0, +V, -V} (27 scenarios, weight 1), then 8 extended spot moves {+-1.5, +-2,
+-2.5, +-3} * M at weight 1/3 (vol unshocked). Scenario 0 is (0, 0): the mark. The others
are ordered most binding first (full moves with their vol shocks, vol alone, the
extended moves, then the inner moves), so a deployment with S < 35 uses the first S
(`grid`): S = 3 is {mark, -M, +M}. Vol shocks apply to options only (a future's value
F = S e^{rT} does not depend on vol); futures' scenarios still scale with M, so a calm
market needs less margin than a wild one for futures too.

Spot moves are relative: spot_s = spot * (1 + m_s * M), positive since 3 * M_MAX < 1.
M and every slot's vol are published in the table in basis points (`move_bps`,
`vol_bps`), and the engine values the scenarios at exactly those quantised figures, so
a table can be recomputed from its own header (and the market, timestamp, rate).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .widths import MAX_SCENARIOS

BPS = 10_000
Z = 3
"""Standard deviations of the base move."""
HORIZON_YEARS = Fraction(1, 365)
"""H: the margin horizon, one day."""
M_MIN_BPS = 300
M_MAX_BPS = 3_000
"""M is clamped to [3%, 30%]."""
VOL_SHOCK = Fraction(1, 4)
"""V = 25% of the slot's vol."""
EXTENDED_WEIGHT = Fraction(1, 3)


@dataclass(frozen=True)
class Scenario:
    spot: Fraction
    """Spot move as a multiple of M."""
    vol: int
    """Vol shock: 0, +1 (+V) or -1 (-V)."""
    weight: Fraction = Fraction(1)

    def describe(self, move_bps: int, vol_bps: int | None = None) -> str:
        """E.g. "spot -9.42%, vol +25% (60.00% -> 75.00%)" for a table's M (and a slot's vol)."""
        parts = [] if self.spot == 0 else [f"spot {float(self.spot * move_bps) / 100:+.2f}%"]
        if self.vol:
            v = f"vol {'+' if self.vol > 0 else '-'}{float(VOL_SHOCK):.0%}"
            if vol_bps:
                shocked = vol_bps * (1 + self.vol * VOL_SHOCK)
                v += f" ({vol_bps / 100:.2f}% -> {float(shocked) / 100:.2f}%)"
            parts.append(v)
        if self.weight != 1:
            parts.append(f"weight {self.weight}")
        return ", ".join(parts) or "mark"


def _standard() -> tuple[Scenario, ...]:
    q = Fraction(1, 4)
    out = [Scenario(Fraction(0), 0)]
    out += [Scenario(m, 0) for m in (-4 * q, 4 * q)]
    out += [Scenario(m, v) for v in (1, -1) for m in (-4 * q, 4 * q)]
    out += [Scenario(Fraction(0), v) for v in (1, -1)]
    out += [Scenario(sign * Fraction(m), 0, EXTENDED_WEIGHT) for m in ("3", "5/2", "2", "3/2") for sign in (-1, 1)]
    out += [Scenario(sign * i * q, v) for i in (3, 2, 1) for v in (0, 1, -1) for sign in (-1, 1)]
    return tuple(out)


STANDARD_GRID = _standard()
STANDARD_SCENARIOS = len(STANDARD_GRID)
"""S = 35: the demo's and benchmarks' (a deployment parameter)."""
assert STANDARD_SCENARIOS == 35 and STANDARD_SCENARIOS <= MAX_SCENARIOS
assert STANDARD_GRID[0] == Scenario(Fraction(0), 0) and len(set(STANDARD_GRID)) == STANDARD_SCENARIOS
assert 1 - max(abs(s.spot) for s in STANDARD_GRID) * Fraction(M_MAX_BPS, BPS) > 0


def grid(n_scenarios: int) -> tuple[Scenario, ...]:
    """The first n_scenarios of the standard grid (ValueError outside 1..35)."""
    if not isinstance(n_scenarios, int) or isinstance(n_scenarios, bool) or \
            not 1 <= n_scenarios <= STANDARD_SCENARIOS:
        raise ValueError(f"the scenario grid has 1..{STANDARD_SCENARIOS} scenarios, got {n_scenarios!r}")
    return STANDARD_GRID[:n_scenarios]


def base_move_bps(sigma_atm: float) -> int:
    """M in basis points: round(Z * sigma_atm * sqrt(H) * 10^4) clamped to [M_MIN, M_MAX]."""
    if not (isinstance(sigma_atm, (int, float)) and math.isfinite(sigma_atm) and sigma_atm >= 0):
        raise ValueError(f"volatility must be a finite number >= 0, got {sigma_atm!r}")
    m = round(Z * sigma_atm * math.sqrt(float(HORIZON_YEARS)) * BPS)
    return min(max(m, M_MIN_BPS), M_MAX_BPS)
