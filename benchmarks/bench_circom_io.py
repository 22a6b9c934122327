"""Time reading and writing circom .r1cs / .wtns files of 2^k constraints.

A synthetic R1CS (random wires, random coefficients below r, `--terms` terms per A/B/C row on
average, like circom output after --O2) is generated with numpy, written with
`circuits.circom_io.write_r1cs`, and read back; a witness of the same width is written and
read through the (n, 4) limb fast path and the list-of-ints path.

Prints one JSON object per size: {"log2_constraints", "nnz", "r1cs_mb", "write_r1cs_s",
"read_r1cs_s", "wtns_mb", "write_wtns_s", "read_wtns_limbs_s", "read_wtns_ints_s"} plus a
first line with the Numba compile/cache-load time. Wall-clock, noisy on a shared machine.

Usage: python benchmarks/bench_circom_io.py [--powers 16 18 20] [--terms 2.5]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

from circuits.circom_io import read_r1cs, read_wtns, read_wtns_limbs, write_r1cs, write_wtns
from circuits.field import R
from circuits.r1cs import R1CS, SparseMatrix

_TOP = np.uint64(R >> 192)


def random_below_r(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 4) uint64 limbs, uniform-ish below r (top limb kept below r's top limb)."""
    limbs = rng.integers(0, 1 << 63, size=(n, 4), dtype=np.uint64) * np.uint64(2) \
        + rng.integers(0, 2, size=(n, 4), dtype=np.uint64)
    limbs[:, 3] %= _TOP
    return limbs


def random_matrix(rng, m: int, n_wires: int, mean_terms: float) -> SparseMatrix:
    counts = rng.poisson(mean_terms - 1, size=m) + 1
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    nnz = int(indptr[-1])
    return SparseMatrix(indptr, rng.integers(0, n_wires, size=nnz, dtype=np.int64), random_below_r(rng, nnz))


def synthetic_r1cs(log2_m: int, mean_terms: float, seed: int = 1) -> R1CS:
    rng = np.random.default_rng(seed)
    m = 1 << log2_m
    n_wires = m + 8
    return R1CS(n_wires, 2, *(random_matrix(rng, m, n_wires, mean_terms) for _ in range(3)),
                meta={"n_pub_out": 1, "n_pub_in": 1, "n_prv_in": 2})


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--powers", type=int, nargs="+", default=[16, 18, 20])
    ap.add_argument("--terms", type=float, default=2.5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tiny = synthetic_r1cs(2, 2.0)
        _, t_first = timed(write_r1cs, tiny, os.path.join(d, "t.r1cs"))
        _, t_first_read = timed(read_r1cs, os.path.join(d, "t.r1cs"))
        print(json.dumps({"numba_compile_or_cache_load_s": round(t_first + t_first_read, 3)}))
        for k in args.powers:
            r = synthetic_r1cs(k, args.terms)
            path, wpath = os.path.join(d, f"c{k}.r1cs"), os.path.join(d, f"c{k}.wtns")
            _, t_w = timed(write_r1cs, r, path)
            back, t_r = timed(read_r1cs, path)
            assert back.n_constraints == r.n_constraints
            assert all(np.array_equal(getattr(back, x).coeffs, getattr(r, x).coeffs) for x in "ABC")
            wit = random_below_r(np.random.default_rng(k), r.n_wires)
            wit[0] = (1, 0, 0, 0)
            _, t_ww = timed(write_wtns, wit, wpath)
            limbs, t_wl = timed(read_wtns_limbs, wpath)
            assert np.array_equal(limbs, wit)
            _, t_wi = timed(read_wtns, wpath)
            print(json.dumps({
                "log2_constraints": k, "nnz": sum(getattr(r, x).nnz for x in "ABC"),
                "r1cs_mb": round(os.path.getsize(path) / 2**20, 1),
                "write_r1cs_s": round(t_w, 3), "read_r1cs_s": round(t_r, 3),
                "wtns_mb": round(os.path.getsize(wpath) / 2**20, 1),
                "write_wtns_s": round(t_ww, 3), "read_wtns_limbs_s": round(t_wl, 4),
                "read_wtns_ints_s": round(t_wi, 3)}))
            del r, back


if __name__ == "__main__":
    main()
