"""Constraint counts of the batch circuit by account depth and batch size (no proving).

    python benchmarks/bench_constraints.py [--depths 16,24] [--sizes 1,2,4,8,16,32,64]
        [--order-depth 8] [-k 8] [-s 16]

Prints one JSON object: per account depth, the slot and its sub-gadgets, the per-batch
parts (tables, one flush, roots, header) and, per batch size N, the data hash and the
total, all from `circuits.batch.costs` (each part built alone in a shape-only constraint
system; `tests/test_batch_parts.py` checks the sum against full builds). Constraints per
slot at N include the batch's fixed parts shared over the N slots.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circuits.batch import costs  # noqa: E402
from zkrollup.units import batch_shape  # noqa: E402


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depths", default="16,24")
    ap.add_argument("--sizes", default="1,2,4,8,16,32,64")
    ap.add_argument("--order-depth", type=int, default=8)
    ap.add_argument("-k", type=int, default=8)
    ap.add_argument("-s", type=int, default=16)
    a = ap.parse_args()
    out = {"k": a.k, "scenarios": a.s, "order_depth": a.order_depth, "depths": {}}
    for d in _ints(a.depths):
        one = batch_shape(1, d, a.order_depth, a.k, a.s)
        parts = costs.batch_cost(one)
        row = {"slot": parts["slot"], "slot_parts": costs.slot_part_costs(one),
               "flush": parts["flush"], "tables": parts["tables"], "roots": parts["roots"],
               "header": parts["header"], "batches": {}}
        for n in _ints(a.sizes):
            b = costs.batch_cost(batch_shape(n, d, a.order_depth, a.k, a.s))
            row["batches"][n] = {"data_hash": b["data_hash"], "total": b["total"],
                                 "per_slot": round(b["total"] / n)}
        out["depths"][d] = row
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
