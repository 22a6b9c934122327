"""benchmarks/bench_operator.py runs a small flow end to end in both modes and reports
orders per second, trades and the breakdown, with no order refused."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_operator  # noqa: E402


def test_small_flow_in_both_modes(capsys):
    bench_operator.main(["--accounts", "12", "--makers", "2", "--bursts", "1", "--account-depth", "8",
                         "--order-depth", "4", "--batch-size", "4", "--modes", "burst,single"])
    out = json.loads(capsys.readouterr().out)
    for mode in ("burst", "single"):
        run = out[mode]
        assert run["refused"] == 0 and run["orders"] > 0 and run["trades"] > 0 and run["orders_per_s"] > 0
    assert out["burst"]["trades"] == out["single"]["trades"]
    assert out["orders_per_s"] == out["burst"]["orders_per_s"]
    assert {"signature", "native_apply", "journal", "matching"} <= set(out["breakdown"])
