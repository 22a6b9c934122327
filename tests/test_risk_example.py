"""benchmarks/risk_example.py (docs/risk.md's worked example): margins grow with volatility,
for the hedged short straddle and for futures alone, and IM is alpha times MM."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import risk_example  # noqa: E402
from circuits.spec import margin  # noqa: E402
from circuits.spec.liquidation import LIQ_STEPS  # noqa: E402


def test_the_worked_example_margins_grow_with_vol():
    out = risk_example.example()
    for book in ("short_straddle_hedged", "long_futures_only"):
        rows = out[book]["by_vol"]
        assert [r["vol"] for r in rows] == [0.3, 0.6, 0.9]
        mm = [r["maintenance_requirement_usd"] for r in rows]
        assert mm[0] < mm[1] < mm[2]
        for r in rows:
            assert abs(r["initial_requirement_usd"] - mm[rows.index(r)] * margin.IM_NUM / margin.IM_DEN) < 0.02
            assert r["passes_initial"] and r["passes_maintenance"]
    assert out["short_straddle_hedged"]["positions"]["FUTURE"] == 1          # the delta hedge at 60%
    fut = out["long_futures_only"]["by_vol"]
    assert [r["binding_move"] for r in fut] == ["spot -4.71%", "spot -9.42%", "spot -14.13%"]


def test_the_liquidation_ladder_takes_more_steps_as_the_price_falls_and_only_full_ones_leave_a_shortfall():
    out = risk_example.liquidation_ladder()
    rows = [r for r in out["by_fall"] if not r["passes_maintenance"]]
    assert rows and any(r["passes_maintenance"] for r in out["by_fall"])
    steps = [int(r["steps"].split("/")[0]) for r in rows]
    assert steps == sorted(steps) and steps[0] < LIQ_STEPS and steps[-1] == LIQ_STEPS
    for r, q in zip(rows, steps):
        assert r["futures_taken"] + r["futures_kept"] == 10
        if q < LIQ_STEPS:
            assert r["initial_use_after"] <= 1 and r["shortfall_usd"] == 0
        else:
            assert r["futures_kept"] == 0 and r["cash_after_usd"] >= 0
    assert rows[-1]["shortfall_usd"] > 0
