"""benchmarks/charts.py: matplotlib line panels; coinciding series are named on the chart."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import charts  # noqa: E402


def test_coinciding_pairs_are_found_within_the_tolerance_only():
    series = {"a": [1.0, 2.0, None, 4.0], "b": [1.0, 2.004, 3.0, 4.0], "c": [1.0, 2.5, 3.0, 4.0]}
    assert charts.coinciding(series, rtol=0.005) == [("a", "b")]
    assert charts.coinciding(series, rtol=0.0) == []
    assert charts.coinciding({"a": [None], "b": [None]}) == []      # nothing shared: no claim


def test_a_chart_is_written_and_says_which_series_coincide(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "c.png"
    notes = charts.line_panels(str(path), [1, 2, 4], [
        ("Gas", "gas", {"depth 16": [3.0, 2.0, 1.0], "depth 24": [3.0, 2.0, 1.0]}),
        ("Time", "s", {"depth 16": [1.0, 2.0, 3.0], "depth 24": [2.0, 3.0, None]}),
    ], xlabel="N", title="t")
    assert notes == ["Gas: depth 16 and depth 24 coincide (within 0.5%)"]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
