"""NTT, QAP and field-vector timings; prints one JSON object.

    python benchmarks/bench_ntt.py [--min-log 10] [--max-log 20] [--repeat 3] [--no-compile]

Reports, in one run:
- compile: seconds for the first call of every kernel in a fresh process with an empty
  Numba cache (what a user's very first run pays), and again in a second process that
  loads the cache that the first one wrote (every later run);
- ntt: warm wall-clock ms at 2^min..2^max for forward (natural -> bit-reversed),
  inverse (bit-reversed -> natural, incl. 1/n), coset forward, on all threads and on one;
- qap: warm ms of h_snarkjs (3 iNTT + 3 NTT + join) at the same sizes;
- vec_mul_ns: ns per element of the Fr and Fq elementwise products (2^20 elements).
Best of --repeat runs. The host's load average is printed too: on a shared machine
timings are noisy, compare them only within one run.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from prover import fr_vec, ntt, qap  # noqa: E402
from prover.mont import fq_mul  # noqa: E402

_COMPILE_PROBE = r"""
import json, time
t = time.perf_counter()
import numpy as np
from prover import fr_vec, ntt, qap
res = {"import": time.perf_counter() - t}
def timed(name, f):
    t = time.perf_counter(); f(); res[name] = round(time.perf_counter() - t, 3)
a = None
def conv():
    global a
    a = fr_vec.from_ints([1, 2, 3, 4])
    fr_vec.to_ints(a)
timed("fr_vec.from_ints+to_ints", conv)
timed("fr_vec.mul/add/sub", lambda: (fr_vec.mul(a, a), fr_vec.add(a, a), fr_vec.sub(a, a)))
timed("fr_vec.batch_inverse", lambda: fr_vec.batch_inverse(a))
from circuits.r1cs import SparseMatrix
timed("fr_vec.MontCSR.matvec", lambda: fr_vec.MontCSR.from_sparse(SparseMatrix.from_rows([{0: 1, 1: 2}])).matvec(a))
timed("ntt.domain (twiddles)", lambda: ntt.domain(4))
timed("ntt.ntt_nr (DIF)", lambda: ntt.ntt_nr(a))
timed("ntt.intt_rn (DIT)", lambda: ntt.intt_rn(a))
timed("qap.h_snarkjs", lambda: qap.h_snarkjs(a, a, a))
timed("qap.h_classic", lambda: qap.h_classic(a, a, a))
res["total"] = round(sum(v for k, v in res.items()), 3)
print(json.dumps(res))
"""


def compile_times() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=ROOT)
        for label in ("cold_cache", "warm_cache"):
            p = subprocess.run([sys.executable, "-c", _COMPILE_PROBE], env=env, cwd=ROOT,
                               capture_output=True, text=True, check=True)
            out[label] = json.loads(p.stdout.strip().splitlines()[-1])
    return out


def best_ms(f, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return round(best * 1e3, 3)


def random_mont(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << 63, size=(n, 4), dtype=np.uint64)
    a[:, 3] &= np.uint64((1 << 60) - 1)  # below r
    return a


@njit(cache=True, parallel=True)
def _fq_vec_mul(a, b, out):
    for i in prange(a.shape[0]):
        r0, r1, r2, r3 = fq_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
        out[i, 0] = r0
        out[i, 1] = r1
        out[i, 2] = r2
        out[i, 3] = r3


def ntt_times(min_log: int, max_log: int, repeat: int) -> dict:
    res = {}
    all_threads = numba.get_num_threads()
    for log_n in range(min_log, max_log + 1):
        n = 1 << log_n
        a = random_mont(n)
        ntt.domain(n)  # twiddles built outside the timing
        ntt.domain(n).powers(ntt.GENERATOR)
        rep = repeat if log_n < 18 else max(1, repeat - 1)
        row = {}
        for threads in sorted({all_threads, 1}, reverse=True):
            numba.set_num_threads(threads)
            x = a.copy()
            tag = f"{threads}t"
            row[f"forward_{tag}"] = best_ms(lambda: ntt.ntt_nr(x, inplace=True), rep)
            row[f"inverse_{tag}"] = best_ms(lambda: ntt.intt_rn(x, inplace=True), rep)
            row[f"coset_forward_{tag}"] = best_ms(lambda: ntt.coset_ntt_nr(x, inplace=True), rep)
        numba.set_num_threads(all_threads)
        if f"forward_1t" in row and all_threads > 1:
            row["speedup_forward"] = round(row["forward_1t"] / row[f"forward_{all_threads}t"], 2)
        b = random_mont(n, 2)
        c = random_mont(n, 3)
        qap.h_snarkjs(a, b, c)  # coset tables
        row["qap_h_snarkjs"] = best_ms(lambda: qap.h_snarkjs(a, b, c), rep)
        res[f"2^{log_n}"] = row
    return res


def vec_mul_ns(log_n: int = 20, repeat: int = 3) -> dict:
    n = 1 << log_n
    a, b = random_mont(n), random_mont(n, 2)
    out = np.empty_like(a)
    _fq_vec_mul(a[:2], b[:2], out[:2])
    fr_vec.mul(a[:2], b[:2], out[:2])
    res = {"n": n}
    all_threads = numba.get_num_threads()
    for threads in sorted({all_threads, 1}, reverse=True):
        numba.set_num_threads(threads)
        res[f"fr_mul_{threads}t"] = round(best_ms(lambda: fr_vec.mul(a, b, out), repeat) * 1e6 / n, 2)
        res[f"fq_mul_{threads}t"] = round(best_ms(lambda: _fq_vec_mul(a, b, out), repeat) * 1e6 / n, 2)
    numba.set_num_threads(all_threads)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-log", type=int, default=10)
    ap.add_argument("--max-log", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-compile", action="store_true", help="skip the fresh-process compile timing")
    args = ap.parse_args()
    report = {"benchmark": "ntt", "threads": numba.get_num_threads(),
              "threading_layer": None, "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    if not args.no_compile:
        report["compile_s"] = compile_times()
    report["vec_mul_ns"] = vec_mul_ns(repeat=args.repeat)
    report["threading_layer"] = numba.threading_layer()
    report["ms"] = ntt_times(args.min_log, args.max_log, args.repeat)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
