"""Batch proving against batch size: prove time, peak memory, verify time, gas per trade.

For every batch size N (default 1, 2, 4, 8, 16) and account depth (default 16; 24 with
--depths 16,24): a batch of N trades (every slot a trade between two funded accounts) on
the native state, turned into the circuit input (zkrollup.batch_builder), solved,
proved with the fast Groth16 prover and the cached key of its shape, verified with the
independent py_ecc verifier, and priced by the L1 contracts on the embedded EVM (the
measured gas of an all-trade batch of N, benchmarks/bench_gas.py `trade_batch_gas`; gas
per trade = batch gas / N).

Each point runs in its own processes: one makes the key when it is not cached (setup
time, its own peak memory), one proves (peak memory = ru_maxrss of that process: key
loading, witness solving and proving). Keys live under --work (reused by later runs).
Prints JSON (one object per point, plus the machine) and draws a PNG chart with matplotlib
(benchmarks/charts.py; `pip install -e '.[bench]'`; without it, no chart).

    python benchmarks/bench_rollup.py [--sizes 1,2,4,8,16] [--depths 16] [-k 8] [--png out.png]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

T0 = 1_700_000_000
SPOT = 60_000_000
USD = 1_000_000


def _shape(n, depth, ord_depth, k, s):
    from zkrollup.units import batch_shape
    return batch_shape(n, depth, ord_depth, k, s)


def _keys(work):
    from zkrollup.keycache import KeyCache
    return KeyCache(os.path.join(work, "keys"))


def child_setup(n, depth, ord_depth, k, s, work) -> dict:
    from circuits.batch.circuit import compile_batch
    shape = _shape(n, depth, ord_depth, k, s)
    keys = _keys(work)
    t0 = time.perf_counter()
    r1cs = compile_batch(shape)
    compile_s = time.perf_counter() - t0
    if keys.has(shape):
        return {"constraints": r1cs.n_constraints, "compile_s": compile_s, "setup_s": None}
    t0 = time.perf_counter()
    keys.ensure(shape)
    return {"constraints": r1cs.n_constraints, "wires": r1cs.n_wires, "compile_s": compile_s,
            "setup_s": time.perf_counter() - t0,
            "setup_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def trade_batch(n, depth, ord_depth, k, s):
    """A sealed batch of n trades (accounts funded in an earlier, unmeasured batch)."""
    from circuits import eddsa
    from zkrollup.batch_builder import BatchBuilder
    from zkrollup.market import Instrument, market_of
    from zkrollup.ops import BUY, SELL, Order, Trade
    from zkrollup.risk import build_oracle_table
    from zkrollup.state import RollupState
    keys = [bytes([i + 1]) * 32 for i in range(5)]
    pks = [eddsa.public_key(x) for x in keys]
    expiry = T0 + 30 * 86_400
    insts = [Instrument.call(SPOT, expiry), Instrument.put(SPOT, expiry), Instrument.future(expiry)]
    market = market_of((insts * k)[:k], k)
    st = RollupState(market, fee_pk=pks[0], insurance_pk=pks[1], account_depth=depth, order_depth=ord_depth,
                     n_scenarios=s)
    st.set_oracle(build_oracle_table(market, T0, SPOT, 0.6, n_scenarios=s))     # the first s of the grid
    for a in (3, 4):
        st.apply(st.enqueue_deposit(a, pks[a], 10**6 * USD, 0xA000 + a))
    st.end_batch()
    b = BatchBuilder(st)
    for i in range(n):
        slot = i % k
        price = st.oracle.mark[slot]
        iid, did = market[slot].id, market.deployment_id
        mk = Order(3, slot, SELL, 10, price, 10, i + 1, T0 + 86_400, iid, did).sign(keys[3])
        tk = Order(4, slot, BUY, 10, price, 10, i + 1, T0 + 86_400, iid, did).sign(keys[4])
        b.apply(Trade(mk, tk, 1 + i % 5, price, 1, 2))
    return b.finish(n)


def child_prove(n, depth, ord_depth, k, s, work, repeat) -> dict:
    from circuits.batch.circuit import solve_batch
    from prover.groth16 import prove
    from bench_gas import trade_batch_gas
    from verifier.groth16 import verify
    from zkrollup.keyfiles import proof_for_verifier, vk_from_pk
    shape = _shape(n, depth, ord_depth, k, s)
    keys = _keys(work)
    t0 = time.perf_counter()
    pk = keys.get(shape)
    load_s = time.perf_counter() - t0
    sb = trade_batch(n, depth, ord_depth, k, s)
    t0 = time.perf_counter()
    wit, out = solve_batch(shape, sb.circuit_input)
    solve_s = time.perf_counter() - t0
    assert out.public_input == sb.public_input()
    times, proof = [], None
    for _ in range(repeat + 1):                # the first call also loads Numba's cache
        t0 = time.perf_counter()
        proof = prove(pk, wit)
        times.append(time.perf_counter() - t0)
    vk = vk_from_pk(pk)
    t0 = time.perf_counter()
    ok = verify(vk, proof.public, proof_for_verifier(proof))
    verify_s = time.perf_counter() - t0
    assert ok
    gas = trade_batch_gas(n, k, s, depth)
    return {"key_load_s": load_s, "solve_s": solve_s, "prove_first_s": times[0],
            "prove_s": min(times[1:]) if len(times) > 1 else times[0], "prove_parts": proof.timings,
            "verify_s": verify_s, "gas": gas, "gas_per_trade": gas // n,
            "prove_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(mode, args, n, depth, timeout):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", mode, "--sizes", str(n), "--depths", str(depth),
           "-k", str(args.k), "--ord-depth", str(args.ord_depth), "--scenarios", str(args.scenarios),
           "--work", args.work, "--repeat", str(args.repeat)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{mode} N={n} depth={depth} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def draw(points, path):
    """The four panels of docs/operator.md's batch-size table (needs matplotlib, `[bench]`)."""
    from charts import line_panels
    sizes = sorted({p["n"] for p in points})
    depths = sorted({p["depth"] for p in points})

    def series(key, scale=1.0):
        out = {}
        for d in depths:
            by = {p["n"]: p.get(key) for p in points if p["depth"] == d}
            out[f"depth {d}"] = [None if by.get(n) is None else by[n] * scale for n in sizes]
        return out

    k = sorted({p["k"] for p in points})
    return line_panels(path, sizes, [
        ("Prove time (best warm proof)", "seconds", series("prove_s")),
        ("Peak memory of the proving process", "MB", series("prove_peak_mb")),
        ("Verify time (py_ecc, L1 model)", "seconds", series("verify_s")),
        ("L1 gas per trade", "thousand gas", series("gas_per_trade", 1e-3)),
    ], xlabel="batch size N (trades per batch)",
        title=f"Batch proving against batch size (K = {', '.join(map(str, k))} instruments)")


def draw_or_skip(points, path):
    """Draw the chart, or say why not (the JSON is the result; the chart is optional)."""
    import importlib.util
    if importlib.util.find_spec("matplotlib") is None:
        print("no chart: matplotlib is missing (pip install -e '.[bench]')", file=sys.stderr)
        return None
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return draw(points, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,2,4,8,16")
    ap.add_argument("--depths", default="16")
    ap.add_argument("-k", type=int, default=8, help="instrument slots K (docs' tables use 8)")
    ap.add_argument("--ord-depth", type=int, default=8)
    ap.add_argument("--scenarios", type=int, default=35, help="S (the standard grid: 35)")
    ap.add_argument("--repeat", type=int, default=1, help="warm proofs per point (best is reported)")
    ap.add_argument("--work", default=os.path.join(HERE, "_work", "rollup"))
    ap.add_argument("--png", default=os.path.join(HERE, "_work", "rollup", "bench_rollup.png"))
    ap.add_argument("--json", default=None, help="also write the JSON here")
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--merge", default=None,
                    help="comma-separated JSON outputs of earlier runs: merge them and draw, run nothing")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    depths = [int(x) for x in args.depths.split(",")]
    os.makedirs(args.work, exist_ok=True)
    os.environ.setdefault("ZKROLLUP_CACHE", args.work)
    if args.child:
        n, d = sizes[0], depths[0]
        fn = child_setup if args.child == "setup" else child_prove
        extra = () if args.child == "setup" else (args.repeat,)
        print(json.dumps(fn(n, d, args.ord_depth, args.k, args.scenarios, args.work, *extra)))
        return
    if args.merge:
        points = [p for f in args.merge.split(",") for p in json.load(open(f))["points"]]
        points.sort(key=lambda p: (p["depth"], p["n"]))
        notes = draw_or_skip(points, args.png)
        print(json.dumps({"png": args.png, "chart_notes": notes, "points": points}, indent=1))
        return
    points = []
    for d in depths:
        for n in sizes:
            p = {"n": n, "depth": d, "k": args.k, "ord_depth": args.ord_depth, "scenarios": args.scenarios}
            p.update(run_child("setup", args, n, d, args.timeout))
            p.update(run_child("prove", args, n, d, args.timeout))
            points.append(p)
            print(json.dumps(p), file=sys.stderr, flush=True)
    notes = draw_or_skip(points, args.png)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform(),
                          "loadavg_at_end": os.getloadavg()},
              "png": args.png, "chart_notes": notes, "points": points}
    text = json.dumps(result, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
