"""Binary vs 4-ary Poseidon Merkle tree: native update speed and constraints per path / slot.

    python benchmarks/bench_tree4.py [--depth 24] [--leaves 10000] [--singles 1000] [--no-native]

Prints one JSON object:
- "native": for each tree (`zkrollup.smt` binary, `zkrollup.smt4` 4-ary) at --depth bits,
  `update_many` of --leaves random leaves on a fresh tree (one Numba batch per level),
  --singles single `update` calls, and proofs (`proof` + `verify_proof`) per second.
  A warm-up call keeps Numba compilation / cache loading out of the timings.
- "constraints": per path on shared index bits (what the slot pays per path), per
  update gadget (index decomposition + 2 paths) at depths 8, 16, 24 bits.
- "slot": the batch circuit's slot and totals at account depths 16 and 24 (order-fill
  depth 8, K = 8, S = 16) today, and with every Merkle path (4 account paths, 4
  order-fill paths per slot; the 2 flush paths per batch) made 4-ary. The projection is
  measured: the batch parts are rebuilt in a shape-only constraint system with
  `merkle_root_unchecked` swapped for the 4-ary gadget (fresh 3-per-level sibling
  witnesses, the same index bits), and it is checked against the arithmetic
  slot - 4 (path_bin(D) - path_4(D)) - 4 (path_bin(8) - path_4(8)).
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circuits.cs import ConstraintSystem  # noqa: E402
from circuits.field import R  # noqa: E402
from circuits.gadgets import merkle, merkle4  # noqa: E402
from circuits.spec import tree  # noqa: E402
from zkrollup import smt, smt4  # noqa: E402

TREES = {"binary": smt.SparseMerkleTree, "quad": smt4.SparseMerkleTree}


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of fn(); the CPU figure is the one to
    compare on a shared machine."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def bench_native(cls, depth: int, n: int, n_single: int, seed: int) -> dict:
    cls(depth).update_many({1: 2})                             # warm-up (JIT / cache load)
    cls(depth).update(3, 4)
    rng = random.Random(seed)
    items = {rng.randrange(1 << depth): rng.randrange(1, R) for _ in range(n)}
    singles = list(items.items())[:n_single]
    t, t2 = cls(depth), cls(depth)
    batch, batch_cpu = _timed(lambda: t.update_many(items))
    single, single_cpu = _timed(lambda: [t2.update(i, v) for i, v in singles])

    def prove_all():
        if not all(cls.verify_proof(t.root, i, v, t.proof(i)) for i, v in singles):
            raise AssertionError("a proof of the benchmark tree does not verify")
    proofs, proofs_cpu = _timed(prove_all)
    return {"leaves": len(items), "batch_seconds": round(batch, 3), "batch_cpu_seconds": round(batch_cpu, 3),
            "batch_leaf_updates_per_cpu_s": round(len(items) / batch_cpu, 1),
            "single_updates": len(singles), "single_cpu_seconds": round(single_cpu, 3),
            "single_leaf_updates_per_cpu_s": round(len(singles) / single_cpu, 1),
            "proofs_verified_per_cpu_s": round(len(singles) / proofs_cpu, 1)}


def _count(build) -> int:
    cs = ConstraintSystem(solve=False)
    build(cs)
    return cs.num_constraints


def _w(cs, n, tag="s"):
    return [cs.witness(f"{tag}{i}") for i in range(n)]


def path_constraints(depth: int) -> dict:
    """Per path on shared index bits, and per update gadget, binary vs 4-ary."""
    b = _count(lambda cs: merkle.merkle_root_unchecked(cs, cs.witness("l"), _w(cs, depth, "b"), _w(cs, depth)))
    q = _count(lambda cs: merkle4.merkle4_root_unchecked(cs, cs.witness("l"), _w(cs, depth, "b"),
                                                        _w(cs, tree.path_length(depth))))
    ub = merkle.merkle_update_cost(depth)
    uq = merkle4.merkle4_update_cost(depth)
    return {"depth_bits": depth, "levels_quad": tree.levels(depth), "path_binary": b, "path_quad": q,
            "path_saving": b - q, "update_binary": ub, "update_quad": uq, "update_saving": ub - uq}


def _quad_in_place_of_binary(cs, leaf, bits, siblings, name="path"):
    """`merkle_root_unchecked` with the binary path replaced by a 4-ary one on the same bits."""
    sibs = [cs.witness(f"{name}_q{i}") for i in range(tree.path_length(len(bits)))]
    return merkle4.merkle4_root_unchecked(cs, leaf, bits, sibs, name=name)


@contextmanager
def _quad_paths():
    from circuits.batch import circuit, orders
    from circuits.batch.slot import leaves
    mods = (circuit, orders, leaves)
    saved = [m.merkle_root_unchecked for m in mods]
    for m in mods:
        m.merkle_root_unchecked = _quad_in_place_of_binary
    try:
        yield
    finally:
        for m, f in zip(mods, saved):
            m.merkle_root_unchecked = f


def _batch_parts(depth: int) -> dict:
    from circuits.batch import costs
    from circuits.batch.shape import BatchShape
    shape = BatchShape(n_slots=1, acc_depth=depth, ord_depth=8, n_instruments=8, n_scenarios=16)
    parts = {}
    for p, build in costs.PARTS.items():
        cs = ConstraintSystem(solve=False)
        build(cs, shape)
        parts[p] = cs.num_constraints
    return parts


def _total(parts: dict, n: int) -> int:
    from circuits.batch.costs import FIRST_SLOT_SAVING
    return (n * parts["slot"] + parts["tables"] + 2 * parts["flush"] + parts["roots"] + parts["commitment"]
            + 1 - FIRST_SLOT_SAVING)


def slot_projection(depth: int, sizes=(16, 32, 64)) -> dict:
    today = _batch_parts(depth)
    with _quad_paths():
        quad = _batch_parts(depth)
    acc, ord8 = path_constraints(depth), path_constraints(8)
    arithmetic = today["slot"] - 4 * acc["path_saving"] - 4 * ord8["path_saving"]
    if arithmetic != quad["slot"]:
        raise AssertionError(f"projection {quad['slot']} != arithmetic {arithmetic}")
    return {"acc_depth": depth, "ord_depth": 8,
            "slot_today": today["slot"], "slot_quad": quad["slot"], "slot_saving": today["slot"] - quad["slot"],
            "slot_saving_account_paths": 4 * acc["path_saving"], "slot_saving_order_paths": 4 * ord8["path_saving"],
            "flush_today": today["flush"], "flush_quad": quad["flush"],
            "totals": {f"n{n}": {"today": _total(today, n), "quad": _total(quad, n)} for n in sizes}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=24)
    ap.add_argument("--leaves", type=int, default=10_000)
    ap.add_argument("--singles", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-native", action="store_true", help="constraints only")
    a = ap.parse_args()
    out = {"benchmark": "tree4", "python": platform.python_version(), "machine": platform.machine()}
    if not a.no_native:
        out["native"] = {"depth_bits": a.depth, **{name: bench_native(cls, a.depth, a.leaves, a.singles, a.seed)
                                                 for name, cls in TREES.items()}}
    out["constraints"] = [path_constraints(d) for d in (8, 16, 24)]
    out["slot"] = [slot_projection(d) for d in (16, 24)]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
