"""Native apply of trades into batches: where the CPU goes per trade (Merkle hashing above all).

    NUMBA_NUM_THREADS=1 python benchmarks/bench_native_apply.py [--accounts 1000] [--trades 400]
        [--account-depth 24] [--order-depth 8] [--batch-size 16] [--seed 1]

What the operator does for every trade after matching, on one core: `RollupState.apply`
(checks, two EdDSA verifications, margin, the order-fill and account tree updates and their
witness records) and `BatchBuilder.record` (the slot of the circuit input, the circuit's
view of the account tree), with a batch sealed (`BatchBuilder.finish`) every
`--batch-size` trades. The state holds `--accounts` funded accounts at random indices of an
account tree of depth `--account-depth` (so paths share only their top levels, as on a
busy venue); trades are between random pairs, on three instruments, 1 to 4 contracts at
the mark. Orders are signed beforehand (not timed).

Prints one JSON object: trades per second (wall and CPU) and the CPU microseconds per trade
of: the whole apply + record, the state's apply, the builder's record, sealing, and, inside
them, the account and order-fill tree work (`zkrollup.smt.SparseMerkleTree` update and
proof calls, a proof inside an update counted once: the Merkle hashing) and the EdDSA
checks. The parts are inclusive timers (the
tree and signature times are inside the state's apply). A stand-in for the operator's
admission benchmark while that one is not on this branch: it times the same native apply
without the intake, matching and journal around it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circuits import eddsa  # noqa: E402
from zkrollup import batch_builder, smt  # noqa: E402
from zkrollup.market import Instrument, market_of  # noqa: E402
from zkrollup.ops import BUY, SELL, Order, Trade  # noqa: E402
from zkrollup.ops import messages  # noqa: E402
from zkrollup.risk import build_oracle_table  # noqa: E402
from zkrollup.state import RollupState  # noqa: E402

T0 = 1_700_000_000
SPOT = 60_000_000
CASH = 10 ** 12

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
_ACTIVE: dict[str, int] = defaultdict(int)


def _timed(owner, name: str, label: str, group: str | None = None) -> None:
    """Wrap owner.name with a CPU timer accumulating into TIMES[label]; a call made while
    another timer of the same ``group`` runs is not timed again (a tree update's own
    proof call is part of the update)."""
    fn = getattr(owner, name)
    group = group or label

    def wrapper(*a, **kw):
        if _ACTIVE[group]:
            return fn(*a, **kw)
        _ACTIVE[group] += 1
        c0 = time.process_time()
        try:
            return fn(*a, **kw)
        finally:
            _ACTIVE[group] -= 1
            TIMES[label] += time.process_time() - c0
            CALLS[label] += 1
    setattr(owner, name, wrapper)


@contextmanager
def _cpu(label: str):
    c0 = time.process_time()
    yield
    TIMES[label] += time.process_time() - c0


def setup(a, rng: random.Random):
    keys = [(i + 1).to_bytes(32, "big") for i in range(a.accounts + 2)]
    pks = {}
    expiry = T0 + 30 * 86_400
    market = market_of([Instrument.call(SPOT, expiry), Instrument.put(SPOT, expiry), Instrument.future(expiry)], 8)
    st = RollupState(market, fee_pk=eddsa.public_key(keys[0]), insurance_pk=eddsa.public_key(keys[1]),
                     account_depth=a.account_depth, order_depth=a.order_depth)
    st.set_oracle(build_oracle_table(market, T0, SPOT, 0.6))
    idx = rng.sample(range(3, 1 << a.account_depth), a.accounts)
    for j, i in enumerate(idx):
        pks[i] = keys[j + 2]
        st.apply(st.enqueue_deposit(i, eddsa.public_key(keys[j + 2]), CASH, 0xA000 + j))
    st.end_batch()
    return st, idx, pks, market


def make_trades(st, idx, pks, market, n: int, rng: random.Random, oid: dict) -> list[Trade]:
    out = []
    for _ in range(n):
        m, t = rng.sample(idx, 2)
        k = rng.randrange(3)
        price, fill = st.oracle.mark[k], rng.randint(1, 4)
        iid, did = market[k].id, market.deployment_id
        side = rng.choice((BUY, SELL))
        oid[m] += 1
        oid[t] += 1
        mo = Order(m, k, side, fill, price, 5, oid[m], T0 + 86_400, iid, did).sign(pks[m])
        to = Order(t, k, 1 - side, fill, price, 5, oid[t], T0 + 86_400, iid, did).sign(pks[t])
        out.append(Trade(mo, to, fill, price, 1, 1))
    return out


def run(st, trades, batch_size: int) -> tuple[float, float]:
    b = batch_builder.BatchBuilder(st)
    w0, c0 = time.perf_counter(), time.process_time()
    for tr in trades:
        b.apply(tr)
        if len(b) == batch_size:
            with _cpu("seal"):
                b.finish(batch_size)
            b = batch_builder.BatchBuilder(st)
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--trades", type=int, default=400)
    ap.add_argument("--account-depth", type=int, default=24)
    ap.add_argument("--order-depth", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    st, idx, pks, market = setup(a, rng)
    oid: dict = defaultdict(int)                      # the last order id of each account
    warm = make_trades(st, idx, pks, market, a.batch_size, rng, oid)
    run(st, warm, a.batch_size)                       # Numba cache load, first-call costs
    trades = make_trades(st, idx, pks, market, a.trades, rng, oid)
    _timed(RollupState, "apply", "state_apply")
    _timed(batch_builder.BatchBuilder, "record", "builder_record")
    _timed(smt.SparseMerkleTree, "update", "tree_update", "tree")
    if hasattr(smt.SparseMerkleTree, "update_path"):     # the update that also returns the path
        _timed(smt.SparseMerkleTree, "update_path", "tree_update", "tree")
    _timed(smt.SparseMerkleTree, "proof", "tree_proof", "tree")
    _timed(messages, "verify", "eddsa_verify")
    TIMES.clear()
    wall, cpu = run(st, trades, a.batch_size)
    assert st.check_invariants() == []
    n = len(trades)
    us = {k: round(1e6 * v / n, 1) for k, v in sorted(TIMES.items())}
    us["total"] = round(1e6 * cpu / n, 1)
    us["merkle"] = round(us.get("tree_update", 0) + us.get("tree_proof", 0), 1)
    print(json.dumps({
        "benchmark": "native_apply", "accounts": a.accounts, "trades": n, "account_depth": a.account_depth,
        "order_depth": a.order_depth, "batch_size": a.batch_size,
        "trades_per_s": round(n / wall, 1), "trades_per_cpu_s": round(n / cpu, 1),
        "cpu_us_per_trade": us, "calls_per_trade": {k: round(v / n, 2) for k, v in sorted(CALLS.items())},
        "numba_threads": os.environ.get("NUMBA_NUM_THREADS"), "python": platform.python_version(),
        "loadavg": list(os.getloadavg())}, indent=1))


if __name__ == "__main__":
    main()
