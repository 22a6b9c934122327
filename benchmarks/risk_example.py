"""The worked example of docs/risk.md: a short straddle hedged with futures, margined at
implied vols of 30%, 60% and 90% (and, for contrast, the futures alone).

Market: BTC at 60,000 USD; a 60,000 call, a 60,000 put and a future, all expiring in 30
days, one contract = 1 BTC (contract size 1 lot of 1 BTC; cash units micro-USD). The
portfolio: short 10 calls and 10 puts, long the futures that make it delta-neutral at
60% vol (the same positions at every vol), bought and sold at the marks of the 60% table,
with 250,000 USD of collateral. For each vol the oracle publishes a flat smile at that
vol; the risk engine (zkrollup.risk) builds the standard 35-scenario table and the margin
rules (circuits.spec.margin) give: the base move M, the binding scenario, the equity at
mark E_0, the maintenance requirement (the worst scenario loss) and the initial
requirement (alpha = 1.3 times it), and their use (requirement / E_0).

Liquidation ladder (`circuits.spec.liquidation`): 10 long futures bought at 60,000 with
100,000 USD of collateral, at 60% vol, as BTC falls: for each price that breaks
maintenance, the steps (quarters of every position) a liquidation takes, what the
liquidator pays, the penalty, and the account after (its cash, futures, IM use).

Prints JSON:  python benchmarks/risk_example.py [--vols 0.3,0.6,0.9]
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from circuits.spec import liquidation as L  # noqa: E402
from circuits.spec import margin as M  # noqa: E402
from zkrollup.market import Instrument, market_of  # noqa: E402
from zkrollup.risk import build_oracle_table, describe_scenario, equities, float_values  # noqa: E402

USD = 1_000_000
T0 = 1_767_225_600
EXPIRY = T0 + 30 * 86_400
SPOT = 60_000 * USD                  # per lot = 1 BTC
COLLATERAL = 250_000 * USD
STRADDLES = 10
NAMES = ("CALL 60000", "PUT 60000", "FUTURE")


def market():
    return market_of([Instrument.call(SPOT, EXPIRY), Instrument.put(SPOT, EXPIRY), Instrument.future(EXPIRY)])


def hedge(mkt, vol: float) -> int:
    """Futures that make the short straddle delta-neutral at `vol` (finite differences)."""
    up = float_values(mkt, T0, SPOT * 1.001, vol).values[:, 0]
    dn = float_values(mkt, T0, SPOT * 0.999, vol).values[:, 0]
    delta = [(u - d) / (SPOT * 0.002) for u, d in zip(up, dn)]
    straddle = -STRADDLES * (delta[0] + delta[1])
    return round(-straddle / delta[2])


def _usd(v) -> float:
    return round(float(v) / USD, 2)


def margin_at(mkt, sizes, cash: int, vol: float) -> dict:
    tab = build_oracle_table(mkt, T0, SPOT, vol)
    eq = equities(cash, sizes, tab)
    u = M.MarginUse.of(eq)
    return {
        "vol": vol, "base_move_pct": tab.move_bps / 100, "marks_usd": [_usd(m) for m in tab.mark],
        "equity_at_mark_usd": _usd(u.equity),
        "binding_scenario": u.binding, "binding_move": describe_scenario(tab, u.binding),
        "equity_in_binding_scenario_usd": _usd(u.worst),
        "maintenance_requirement_usd": _usd(u.mm_requirement), "initial_requirement_usd": _usd(u.im_requirement),
        "maintenance_use": round(u.use(u.mm_requirement), 4) if u.equity > 0 else None,
        "initial_use": round(u.use(u.im_requirement), 4) if u.equity > 0 else None,
        "passes_initial": u.passes_im, "passes_maintenance": u.passes_mm,
    }


def example(vols=(0.3, 0.6, 0.9)) -> dict:
    mkt = market()
    h = hedge(mkt, 0.6)
    marks = build_oracle_table(mkt, T0, SPOT, 0.6).mark
    sizes = [-STRADDLES, -STRADDLES, h]
    # sold the straddles and bought the hedge at the 60% marks
    cash = COLLATERAL - sum(q * m for q, m in zip(sizes, marks))
    fut = [0, 0, STRADDLES]
    fut_cash = COLLATERAL - STRADDLES * marks[2]
    return {
        "market": {"spot_usd": _usd(SPOT), "expiry_days": 30, "instruments": NAMES,
                   "scenarios": 35, "alpha": f"{M.IM_NUM}/{M.IM_DEN}"},
        "short_straddle_hedged": {"positions": dict(zip(NAMES, sizes)), "collateral_usd": _usd(COLLATERAL),
                                  "by_vol": [margin_at(mkt, sizes, cash, v) for v in vols]},
        "long_futures_only": {"positions": dict(zip(NAMES, fut)), "collateral_usd": _usd(COLLATERAL),
                              "by_vol": [margin_at(mkt, fut, fut_cash, v) for v in vols]},
    }


LADDER_COLLATERAL = 100_000 * USD
LADDER_FALLS_PCT = (5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 17)


def liquidation_ladder(vol: float = 0.6) -> dict:
    mkt = market()
    bonus, penalty = mkt.liq_bonus_bps, mkt.liq_penalty_bps
    sizes = [0, 0, STRADDLES]
    cash = LADDER_COLLATERAL - STRADDLES * build_oracle_table(mkt, T0, SPOT, vol).mark[2]
    rows = []
    for fall in LADDER_FALLS_PCT:
        tab = build_oracle_table(mkt, T0, SPOT * (100 - fall) // 100, vol)
        eq = equities(cash, sizes, tab)
        if M.passes_mm(eq):
            rows.append({"fall_pct": fall, "passes_maintenance": True})
            continue
        q = L.steps_needed(cash, sizes, tab.scen, bonus, penalty)
        t = L.terms(cash, sizes, tab.mark, bonus, penalty, q)
        after_cash, after_sizes = L.target_after(cash, sizes, t)
        u = M.MarginUse.of(equities(after_cash, after_sizes, tab))
        rows.append({"fall_pct": fall, "passes_maintenance": False, "equity_at_mark_usd": _usd(eq[0]),
                     "steps": f"{q}/{L.LIQ_STEPS}", "futures_taken": t.taken[2],
                     "liquidator_pays_usd": _usd(t.value - t.bonus), "penalty_usd": _usd(t.penalty),
                     "shortfall_usd": _usd(t.shortfall), "futures_kept": after_sizes[2],
                     "cash_after_usd": _usd(after_cash),
                     "initial_use_after": round(u.use(u.im_requirement), 4) if u.equity > 0 else None})
    return {"positions": {"FUTURE": STRADDLES}, "collateral_usd": _usd(LADDER_COLLATERAL), "vol": vol,
            "bonus_bps": bonus, "penalty_bps": penalty, "by_fall": rows}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vols", default="0.3,0.6,0.9")
    a = ap.parse_args(argv)
    out = example(tuple(float(v) for v in a.vols.split(",")))
    out["liquidation_ladder"] = liquidation_ladder()
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
