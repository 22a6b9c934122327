"""Native-state benchmark: Merkle leaf updates per second and operations applied per second.

    python benchmarks/bench_state.py [--depth 24] [--leaves 10000] [--ops 200] [--account-depth 24]

Prints one JSON object. Leaf updates: `update_many` of random leaves (one Numba batch per
level) and single `update` calls, on a fresh tree of the given depth. Operations: signed
trades (two EdDSA verifications each, orders signed beforehand and not timed), deposits and
withdrawals, applied to a state with an account tree of `--account-depth`; each figure is
operations applied per second including every check, tree update and witness record.
The first run compiles the Numba kernels (cached on disk afterwards); a warm-up call keeps
that out of the timings.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circuits import eddsa  # noqa: E402
from circuits.field import R  # noqa: E402
from zkrollup.market import Instrument, market_of  # noqa: E402
from zkrollup.ops import BUY, SELL, Order, Trade, Withdraw  # noqa: E402
from zkrollup.risk import build_oracle_table  # noqa: E402
from zkrollup.smt import SparseMerkleTree  # noqa: E402
from zkrollup.state import RollupState  # noqa: E402

T0 = 1_700_000_000
SPOT = 60_000_000


def bench_tree(depth: int, n: int, rng: random.Random) -> dict:
    SparseMerkleTree(depth).update_many({1: 2})                 # warm-up (JIT / cache load)
    items = {rng.randrange(1 << depth): rng.randrange(1, R) for _ in range(n)}
    t = SparseMerkleTree(depth)
    t0, c0 = time.perf_counter(), time.process_time()
    t.update_many(items)
    batch, batch_cpu = time.perf_counter() - t0, time.process_time() - c0
    singles = list(items.items())[: max(1, n // 10)]
    t2 = SparseMerkleTree(depth)
    t0 = time.perf_counter()
    for i, v in singles:
        t2.update(i, v)
    single = time.perf_counter() - t0
    return {"depth": depth, "leaves": len(items), "batch_seconds": round(batch, 3), "batch_cpu_seconds": round(batch_cpu, 3),
            "batch_leaf_updates_per_s": round(len(items) / batch, 1),
            "single_updates": len(singles), "single_leaf_updates_per_s": round(len(singles) / single, 1)}


def bench_ops(account_depth: int, n: int) -> dict:
    keys = [bytes([i + 1]) * 32 for i in range(8)]
    pks = [eddsa.public_key(k) for k in keys]
    expiry = T0 + 30 * 86_400
    market = market_of([Instrument.call(SPOT, expiry), Instrument.put(SPOT, expiry), Instrument.future(expiry)], 8)
    st = RollupState(market, fee_pk=pks[0], insurance_pk=pks[1], account_depth=account_depth, order_depth=16)
    st.set_oracle(build_oracle_table(market, T0, SPOT, 0.6))
    users = [3, 4, 5, 6]
    deposits = [st.enqueue_deposit(users[i % 4], pks[i % 4 + 2], 10 ** 12, 0xA000 + users[i % 4]) for i in range(n)]
    t0 = time.perf_counter()
    for d in deposits:
        st.apply(d)
    dep = time.perf_counter() - t0
    trades = []
    for i in range(n):
        a, b, k = users[i % 4], users[(i + 1) % 4], i % 3
        price = st.oracle.mark[k]
        iid, did = market[k].id, market.deployment_id
        trades.append(Trade(Order(a, k, BUY, 10, price, 5, i + 1, T0 + 86_400, iid, did).sign(keys[i % 4 + 2]),
                            Order(b, k, SELL, 10, price, 5, i + 1, T0 + 86_400, iid, did).sign(keys[(i + 1) % 4 + 2]),
                            1 + i % 10, price, 3, 1))
    t0 = time.perf_counter()
    for tr in trades:
        st.apply(tr)
    trd = time.perf_counter() - t0
    nonces = {u: st.account(u).nonce for u in users}
    wds = []
    for i in range(n):
        u = users[i % 4]
        wds.append(Withdraw.create(keys[i % 4 + 2], u, 1_000, nonces[u], 0xabc, market.deployment_id))
        nonces[u] += 1
    t0 = time.perf_counter()
    for w in wds:
        st.apply(w)
    wd = time.perf_counter() - t0
    assert st.check_invariants() == []
    return {"account_depth": account_depth, "operations_each": n,
            "deposits_per_s": round(n / dep, 1), "trades_per_s": round(n / trd, 1),
            "withdrawals_per_s": round(n / wd, 1),
            "operations_per_s": round(3 * n / (dep + trd + wd), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=24)
    ap.add_argument("--leaves", type=int, default=10_000)
    ap.add_argument("--ops", type=int, default=200)
    ap.add_argument("--account-depth", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = {"benchmark": "native_state", "python": platform.python_version(), "machine": platform.machine(),
           "tree": bench_tree(a.depth, a.leaves, rng), "operations": bench_ops(a.account_depth, a.ops)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
