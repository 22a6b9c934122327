"""benchmarks/bench_tree4.py: the slot rebuilt with 4-ary paths counts exactly what the
per-path figures predict, and the swap leaves the batch circuit as it was."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_tree4  # noqa: E402
from circuits.batch import costs  # noqa: E402
from circuits.batch.shape import BatchShape  # noqa: E402


def test_quad_slot_projection_is_measured_and_matches_the_path_arithmetic():
    shape = BatchShape(n_slots=1, acc_depth=16, ord_depth=8, n_instruments=8, n_scenarios=16)
    before = costs.slot_cost(shape)
    p = bench_tree4.slot_projection(16, sizes=(64,))     # raises when measurement != arithmetic
    assert p["slot_today"] == before
    assert p["slot_quad"] == before - 4 * (3856 - 2400) - 4 * (1928 - 1200)
    assert p["flush_quad"] == p["flush_today"] - 2 * (16 * 240 - 8 * 297)   # constant index: no placement
    assert bench_tree4._batch_parts(16)["slot"] == before                  # the swap was undone
