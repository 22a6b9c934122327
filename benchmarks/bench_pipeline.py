"""The operator's pipeline end to end: proven trades per second and order-to-L1-acceptance
latency, with the batches proved in this process or by 1, 2, ... Dask worker processes.

For each configuration (`--workers 0,1,2`; 0 = in-process): a fresh deployment (the L1
contracts on the embedded EVM, operator, prover pool; the key of the shape is cached under
--work), two accounts
funded in a first, unmeasured batch, then B batches of N trades sent through the operator's
API as signed orders (a maker order rests, a taker order crosses it: one Trade). The sender
keeps at most the pool's capacity of sealed batches waiting (back-pressure, as a sequencer
running ahead of its provers would), calling `pump()` while it waits; at the end `flush()`.

Measured per configuration:
- `trades_per_s`: B*N / (last acceptance - first order);
- `latency_s`: p50 / p99 / max over trades of (L1 acceptance of the trade's batch - arrival
  of the taker order);
- per batch: `solve_s`, `prove_s` (on the worker), `l1_verify_s` (the whole `submit_batch`
  call on the embedded EVM: public input, pairing check through the precompiles, payouts;
  on the operator's core), `submit_s` (preflight, submission and commit of the accepted
  state, L1 call included), `sequence_s` (the operator's time in matching and native apply
  for the batch's orders);
- `pool_start_s` (cluster start, key loaded and the prover warmed up on every worker) and
  `worker_peak_mb` (peak resident memory of each worker process).

`projection` is a MODEL, not a measurement: with T_b = median(solve_s + prove_s) of the
one-worker run (one machine's cores proving one batch at a time) and T_op = median
(sequence_s + submit_s) of that run (the operator's serial work per batch), W machines
prove W / T_b batches per second and the operator takes at most 1 / T_op: trades per
second = N * min(W / T_b, 1 / T_op); unloaded latency about T_fill + T_b + T_submit.

    python benchmarks/bench_pipeline.py [-n 16] [--depth 24] [--batches 6] [--workers 1,2] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

T0 = 1_700_000_000
SPOT = 60_000_000
USD = 1_000_000
KEYS = [bytes([i + 1]) * 32 for i in range(5)]


def genesis_of(args):
    from circuits import eddsa
    from zkrollup.deployment import planned_deployment_id
    from zkrollup.market import Instrument, market_of
    from zkrollup.operator import Genesis
    pks = [eddsa.public_key(k) for k in KEYS]
    expiry = T0 + 30 * 86_400
    insts = [Instrument.call(SPOT, expiry), Instrument.put(SPOT, expiry), Instrument.future(expiry)]
    market = market_of((insts * args.k)[:args.k], args.k, deployment_id=planned_deployment_id())
    return Genesis(market, args.depth, args.ord_depth, args.scenarios, pks[0], pks[1], pks[2]), pks


def oracle_table(market, s):
    """The oracle's table: the first `s` scenarios of the standard grid at 60% vol."""
    from zkrollup.risk import build_oracle_table
    return build_oracle_table(market, T0, SPOT, 0.6, n_scenarios=s)


def make_pool(workers: int):
    from zkrollup.operator.pool import InProcessPool
    if workers == 0:
        return InProcessPool()
    from zkrollup.operator.dask_pool import DaskProverPool
    return DaskProverPool(workers)


def worker_peak_mb(pool) -> list:
    if not hasattr(pool, "client"):
        return []

    def peak():
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return sorted(round(v) for v in pool.client.run(peak).values())


def pct(xs, q):
    xs = sorted(xs)
    i = min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))
    return xs[i]


class Run:
    """One configuration: deployment, timing hooks, the order flow."""

    def __init__(self, args, workers: int, workdir: str):
        from zkrollup.deployment import Deployment
        from zkrollup.keycache import KeyCache
        self.args, self.workers = args, workers
        genesis, self.pks = genesis_of(args)
        keys = KeyCache(os.path.join(args.work, "keys"))
        t0 = time.perf_counter()
        keys.ensure(_shape(args))
        self.key_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        self.pool = make_pool(workers)
        self.accepted, self.reports = {}, {}
        self.dep = Deployment.create(workdir, genesis, args.n, keys=keys, clock=lambda: T0, pool=self.pool,
                                     on_batch=self._on_batch)
        self.pool_start_s = time.perf_counter() - t0          # cluster start + key load + warm-up
        self.op = self.dep.operator
        self.market = genesis.market
        self.dep.oracle.publish(oracle_table(genesis.market, args.scenarios), now=T0)
        self.seq_s, self.submit_s = {}, {}
        self._hook()

    def _on_batch(self, report) -> None:
        self.accepted[report.batch_number] = time.perf_counter()
        self.reports[report.batch_number] = report

    def _hook(self) -> None:
        """Time the operator's own work: sequencing (per request) and submission (per batch)."""
        seq, sub = self.op.sequencer, self.op.submitter
        process, submit = seq.process, sub.submit

        def timed_process(*a, **kw):
            bn = seq.state.batch_number + 1
            t0 = time.perf_counter()
            try:
                return process(*a, **kw)
            finally:
                self.seq_s[bn] = self.seq_s.get(bn, 0.0) + time.perf_counter() - t0

        def timed_submit(sb, *a, **kw):
            t0 = time.perf_counter()
            try:
                return submit(sb, *a, **kw)
            finally:
                self.submit_s[sb.batch_number] = time.perf_counter() - t0
        seq.process, sub.submit = timed_process, timed_submit

    def fund(self) -> None:
        c = self.dep.contract
        for a in (3, 4):
            c.mint(0xA000 + a, 10 ** 7 * USD)
            c.deposit(0xA000 + a, a, *self.pks[a], 10 ** 7 * USD, now=T0)
        self.op.flush()

    def trades(self) -> list:
        """B*N trades through the API with back-pressure; (arrival, batch) per trade."""
        from zkrollup.ops import BUY, SELL, Order
        op, a = self.op, self.args
        cap = self.pool.capacity()
        out = []
        for i in range(a.batches * a.n):
            while len(op.sealed) >= cap:           # the provers are behind: wait for them
                op.pump()
                time.sleep(0.02)
            slot = i % a.k
            price = op.state.oracle.mark[slot]
            side = SELL if i % 2 == 0 else BUY     # positions go back and forth: margin stays flat
            oid = i + 1
            inst, did = self.market[slot].id, self.market.deployment_id
            op.submit(Order(3, slot, side, 10, price, 10, oid, T0 + 86_400, inst, did).sign(KEYS[3]))
            arrival = time.perf_counter()
            res = op.submit(Order(4, slot, BUY if side == SELL else SELL, 10, price, 10, oid,
                                  T0 + 86_400, inst, did).sign(KEYS[4]))
            assert res.filled == 10, res
            bn = op.state.batch_number + (1 if len(op.builder) else 0)
            out.append((arrival, bn))
        op.flush()
        return out

    def result(self, flow) -> dict:
        measured = sorted(self.reports)[1:]          # batch 1 (the deposits) is not measured
        lat = [self.accepted[bn] - t for t, bn in flow]
        span = max(self.accepted[b] for b in measured) - flow[0][0]
        med = lambda xs: statistics.median(xs) if xs else None
        per = {"solve_s": [self.reports[b].solve_s for b in measured],
               "prove_s": [self.reports[b].prove_s for b in measured],
               "l1_verify_s": [self.reports[b].verify_s for b in measured],
               "submit_s": [self.submit_s[b] for b in measured],
               "sequence_s": [self.seq_s.get(b, 0.0) for b in measured]}
        return {"workers": self.workers, "capacity": self.pool.capacity(), "batches": len(measured),
                "trades": len(flow), "trades_per_s": len(flow) / span, "span_s": span,
                "latency_s": {"p50": pct(lat, 50), "p99": pct(lat, 99), "max": max(lat)},
                "per_batch_median": {k: med(v) for k, v in per.items()},
                "per_batch": {k: [round(x, 3) for x in v] for k, v in per.items()},
                "constraints": self.reports[measured[0]].n_constraints,
                "pool_start_s": self.pool_start_s, "key_s": self.key_s,
                "worker_peak_mb": worker_peak_mb(self.pool)}

    def close(self) -> None:
        self.dep.close()
        self.pool.close()


def _shape(args):
    from zkrollup.units import batch_shape
    return batch_shape(args.n, args.depth, args.ord_depth, args.k, args.scenarios)


def projection(runs: list, n: int) -> dict:
    """The MODEL of the module docstring, from the one-worker run's medians."""
    one = next((r for r in runs if r["workers"] == 1), None)
    if one is None:
        return {"note": "needs a one-worker run"}
    m = one["per_batch_median"]
    t_b = m["solve_s"] + m["prove_s"]
    t_op = m["sequence_s"] + m["submit_s"]
    t_op_no_l1 = t_op - m["l1_verify_s"]
    rows = []
    for w in (1, 2, 4, 8, 16, 32, 64):
        rows.append({"machines": w, "trades_per_s": n * min(w / t_b, 1 / t_op),
                     "bound": "provers" if w / t_b < 1 / t_op else "operator",
                     "trades_per_s_l1_elsewhere": n * min(w / t_b, 1 / t_op_no_l1),
                     "bound_l1_elsewhere": "provers" if w / t_b < 1 / t_op_no_l1 else "operator"})
    return {"model": "MODEL, not a measurement: trades/s = N * min(W / T_b, 1 / T_op) from the one-worker "
                     "run's medians; *_l1_elsewhere leaves the L1 call (the embedded EVM's submit_batch, "
                     "which runs on the operator's core here, on L1 nodes in production) out of T_op",
            "T_b_s": t_b, "T_op_s": t_op, "T_op_l1_elsewhere_s": t_op_no_l1,
            "latency_unloaded_s": t_b + m["submit_s"],
            "latency_note": "unloaded latency is about the batch's fill time + T_b + submit_s (fill time excluded here)",
            "rows": rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=16, help="batch size N")
    ap.add_argument("--depth", type=int, default=24)
    ap.add_argument("--ord-depth", type=int, default=8)
    ap.add_argument("-k", type=int, default=8)
    ap.add_argument("--scenarios", type=int, default=35)
    ap.add_argument("--batches", type=int, default=6, help="measured batches per configuration")
    ap.add_argument("--workers", default="1,2", help="comma-separated; 0 = in-process proving")
    ap.add_argument("--work", default=os.path.join(HERE, "_work", "pipeline"))
    ap.add_argument("--json", default=None, help="also write the JSON here")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    os.environ.setdefault("ZKROLLUP_CACHE", args.work)
    runs = []
    for w in (int(x) for x in args.workers.split(",")):
        d = os.path.join(args.work, f"run-w{w}-{os.getpid()}")
        run = Run(args, w, d)
        try:
            run.fund()
            r = run.result(run.trades())
        finally:
            run.close()
            import shutil
            shutil.rmtree(d, ignore_errors=True)
        runs.append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "platform": platform.platform(), "loadavg_at_end": os.getloadavg()},
           "shape": {"n": args.n, "depth": args.depth, "ord_depth": args.ord_depth, "k": args.k,
                     "scenarios": args.scenarios},
           "runs": runs, "projection": projection(runs, args.n)}
    text = json.dumps(out, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
