"""MSM benchmark: G1 and G2 Pippenger at 2^k points, compile time apart, peak memory; prints JSON.

    python benchmarks/bench_msm.py                  # G1 2^10..2^18, G2 2^10..2^16
    python benchmarks/bench_msm.py --max-log 14 --g2-max-log 12 --reps 2
    python benchmarks/bench_msm.py --cold           # also compile everything in an empty cache

Cases per size: "random" (uniform scalars < r) and "circom_like" (a quarter 0, a quarter 1,
half uniform: what witness vectors look like). Times are wall-clock seconds, best of --reps,
with the process CPU time of that run beside them (cpu > wall means both cores worked; wall
much larger than cpu/2 means other processes held the cores: see "load"). Points are
2^14 distinct multiples of the generator, tiled (the MSM's cost does not depend on their
values). "first_call_s" is the first call in this process (a cache load when Numba's cache
is warm); "cold" (with --cold) runs the first calls in a subprocess with an empty cache.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

_COLD_SNIPPET = r"""
import json, time
import numpy as np
t = time.perf_counter()
from prover import fixed_base as C, msm as M
out = {"import_s": round(time.perf_counter() - t, 2)}
g1 = C.G1_GEN[None]; g2 = C.G2_GEN[None]
s = np.array([[5, 0, 0, 0], [7, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=np.uint64)
for name, f in [("g1_batch_mul", lambda: C.g1_batch_mul(g1[0], s)),
                ("msm_g1", lambda: M.msm_g1(np.repeat(g1, 4, 0), s)),
                ("g2_batch_mul", lambda: C.g2_batch_mul(g2[0], s)),
                ("msm_g2", lambda: M.msm_g2(np.repeat(g2, 4, 0), s))]:
    t = time.perf_counter(); c = time.process_time(); f()
    out[name] = {"wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - c, 2)}
print(json.dumps(out))
"""


def _random_scalars(rng, n: int, r: int) -> np.ndarray:
    """Uniform scalars below r as (n, 4) uint64 limbs (rejection on the top limb)."""
    s = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    top = np.uint64(r >> 192)
    s[:, 3] %= top            # value < top * 2^192 <= r: uniform enough for timing
    return s


def _circom_like(rng, n: int, r: int) -> np.ndarray:
    s = _random_scalars(rng, n, r)
    kind = rng.integers(0, 4, size=n)
    s[kind == 0] = 0
    s[kind == 1] = 0
    s[kind == 1, 0] = 1
    return s


def _time(f, reps: int):
    best = None
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        f()
        run = (time.perf_counter() - t, time.process_time() - c)
        if best is None or run[0] < best[0]:
            best = run
    return {"wall_s": round(best[0], 4), "cpu_s": round(best[1], 4)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-log", type=int, default=10)
    ap.add_argument("--max-log", type=int, default=18, help="largest G1 size 2^k")
    ap.add_argument("--g2-max-log", type=int, default=16, help="largest G2 size 2^k")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="also measure compile time with an empty cache")
    args = ap.parse_args(argv)

    import numba

    from prover import fixed_base as C
    from prover.convert import to_mont
    from prover.fields import fq_inv_array, fq_mul_chain
    from prover.mont import FQ, FR
    from prover.msm import msm_g1, msm_g2, window_bits

    report = {"benchmark": "msm", "cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(),
              "load_before": [round(x, 2) for x in os.getloadavg()]}
    r = FR.p
    rng = np.random.default_rng(2024)

    # first calls (compile, or load from Numba's cache)
    g1 = C.G1_GEN[None]
    g2 = C.G2_GEN[None]
    tiny = np.array([[5, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=np.uint64)
    first = {}
    for name, f in [("g1_batch_mul", lambda: C.g1_batch_mul(g1[0], tiny)),
                    ("msm_g1", lambda: msm_g1(np.repeat(g1, 3, 0), tiny)),
                    ("g2_batch_mul", lambda: C.g2_batch_mul(g2[0], tiny)),
                    ("msm_g2", lambda: msm_g2(np.repeat(g2, 3, 0), tiny))]:
        t = time.perf_counter()
        f()
        first[name] = round(time.perf_counter() - t, 2)
    report["first_call_s"] = first

    # field micro-benchmarks
    a = to_mont([int(x) for x in rng.integers(1, 2**62, size=2000)], FQ)
    fq_mul_chain(a[0], 10)
    n_chain = 2_000_000
    t = time.perf_counter()
    fq_mul_chain(a[0], n_chain)
    report["fq_mul_latency_ns"] = round((time.perf_counter() - t) / n_chain * 1e9, 1)
    out = np.empty_like(a)
    inv = {}
    for name, fermat in (("euclid", False), ("fermat", True)):
        fq_inv_array(a[:2], out[:2], fermat)
        t = time.perf_counter()
        fq_inv_array(a, out, fermat)
        inv[name] = round((time.perf_counter() - t) / len(a) * 1e6, 2)
    report["fq_inv_us"] = inv

    # points: 2^14 distinct multiples of the generators, tiled
    distinct = 1 << min(14, args.max_log)
    t = time.perf_counter()
    p1 = C.g1_batch_mul(g1[0], _random_scalars(rng, distinct, r))
    report["g1_batch_mul_per_point_us"] = round((time.perf_counter() - t) / distinct * 1e6, 2)
    d2 = 1 << min(12, args.g2_max_log)
    t = time.perf_counter()
    p2 = C.g2_batch_mul(g2[0], _random_scalars(rng, d2, r))
    report["g2_batch_mul_per_point_us"] = round((time.perf_counter() - t) / d2 * 1e6, 2)

    for group, pts, top, fn in (("g1", p1, args.max_log, msm_g1), ("g2", p2, args.g2_max_log, msm_g2)):
        rows = []
        for k in range(args.min_log, top + 1):
            n = 1 << k
            P = np.ascontiguousarray(np.resize(pts, (n, pts.shape[1])))
            reps = args.reps if k <= 16 else max(1, args.reps - 1)
            row = {"log_n": k, "n": n, "window": window_bits(n, 254, numba.get_num_threads())}
            for case, make in (("random", _random_scalars), ("circom_like", _circom_like)):
                S = make(rng, n, r)
                row[case] = _time(lambda: fn(P, S), reps)
            rows.append(row)
            print(f"{group} 2^{k}: {row['random']['wall_s']} s random, "
                  f"{row['circom_like']['wall_s']} s circom-like", file=sys.stderr)
        report[group] = rows

    if args.cold:
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, NUMBA_CACHE_DIR=d)
            res = subprocess.run([sys.executable, "-c", _COLD_SNIPPET], env=env, capture_output=True,
                                 text=True, check=True)
            report["cold_compile"] = json.loads(res.stdout.strip().splitlines()[-1])

    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
