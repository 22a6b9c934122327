"""Time the constraint-system DSL on a ~100k-constraint circuit.

The circuit: a chain of multiplications x_{i+1} = x_i * x_i + i (one constraint each)
with a 64-bit range check every 64 links (65 constraints each), then a handful of
comparisons. It is compiled (shape only), solved (values), and converted to an R1CS.

Prints JSON: {"n_constraints", "compile_s", "solve_s", "to_r1cs_s", "witness_s",
"n_wires"}. Timings are wall-clock and noisy on a shared machine.

Usage: python benchmarks/bench_cs.py [--constraints N]
"""
from __future__ import annotations

import argparse
import json
import time

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import less_than, range_check


def chain_circuit(cs: ConstraintSystem, n_links: int, seed: int = 3) -> None:
    x = cs.public("seed", seed)
    acc = x
    with cs.namespace("chain"):
        for i in range(n_links):
            acc = cs.mul(acc, acc, name="sq") + i
            if i % 64 == 63:
                # range-check a 64-bit value derived from the chain (its low 64 bits)
                lo = cs.hint(lambda v: v & ((1 << 64) - 1), acc, name="lo")
                range_check(cs, lo, 64, name="rc")
    with cs.namespace("tail"):
        a = cs.witness("a", 5)
        b = cs.witness("b", 9)
        range_check(cs, a, 32, name="ra")
        range_check(cs, b, 32, name="rb")
        cs.assert_equal(less_than(cs, a, b, 32), 1, name="a_lt_b")
    cs.public("out", lambda: cs.value(acc))


def links_for(n_constraints: int) -> int:
    # each link: 1 constraint, plus 65 per 64 links (the range check)
    return int(n_constraints * 64 / (64 + 65))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--constraints", type=int, default=100_000)
    args = ap.parse_args()
    n_links = links_for(args.constraints)

    t0 = time.perf_counter()
    cs_c = ConstraintSystem(solve=False)
    chain_circuit(cs_c, n_links)
    t1 = time.perf_counter()
    cs_s = ConstraintSystem(solve=True)
    chain_circuit(cs_s, n_links)
    t2 = time.perf_counter()
    r1cs = cs_c.to_r1cs()
    t3 = time.perf_counter()
    wit = cs_s.witness_values()
    t4 = time.perf_counter()
    assert cs_s.first_unsatisfied() is None
    assert r1cs.n_constraints == cs_s.num_constraints and len(wit) == r1cs.n_wires
    assert all(0 <= v < R for v in wit[:10])
    print(json.dumps({
        "n_constraints": r1cs.n_constraints,
        "n_wires": r1cs.n_wires,
        "compile_s": round(t1 - t0, 3),
        "solve_s": round(t2 - t1, 3),
        "to_r1cs_s": round(t3 - t2, 3),
        "witness_s": round(t4 - t3, 3),
    }))


if __name__ == "__main__":
    main()
