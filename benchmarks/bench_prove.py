"""Groth16 prove time: ours against snarkjs (and groth16py, arkworks-backed) on the same files.

For every circom fixture made by `circom_fixtures.py` (Poseidon chains of 2^12, 2^14, 2^16
constraints, snarkjs ceremony + zkey + witness), in one run on this machine:
  * snarkjs 0.7.6 `groth16 prove` (node, wall time of the command);
  * ours from the same .zkey and .wtns: cold (first call: Numba compile/cache load + key load)
    and warm (best of --repeat), key loading timed apart;
  * ours from our own setup of the same .r1cs (same prover path, our key file);
  * groth16py `import_zkey` + `prove_wtns` in a subprocess, where it imports
    (GROTH16PY_PYTHON=/path/to/python selects an interpreter that has it).
Every proof of ours is checked with the independent verifier. Without node, only a generated
R1CS (a multiplication chain) is timed. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def _best(fn, repeat):
    ts = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def time_snarkjs(tools, zkey, wtns, repeat):
    sj = os.path.join(tools, "node_modules", ".bin", "snarkjs")
    with tempfile.TemporaryDirectory() as d:
        def once():
            subprocess.run([sj, "groth16", "prove", zkey, wtns, f"{d}/p.json", f"{d}/q.json"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return _best(once, repeat)[0]


def time_groth16py(zkey, wtns, repeat):
    py = os.environ.get("GROTH16PY_PYTHON", sys.executable)
    code = f"""
import time, json, groth16py
t = time.perf_counter(); pk = groth16py.import_zkey({zkey!r}); load = time.perf_counter() - t
pk = pk[0] if isinstance(pk, tuple) else pk
ts = []
for _ in range({repeat}):
    t = time.perf_counter(); groth16py.prove_wtns(pk, {wtns!r}); ts.append(time.perf_counter() - t)
print(json.dumps({{"load_s": load, "prove_s": min(ts)}}))
"""
    try:
        res = subprocess.run([py, "-c", code], capture_output=True, text=True, timeout=1200)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"error": str(e)}
    if res.returncode:
        return {"error": (res.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def time_ours(key_path, wtns, repeat, r1cs_path=None):
    from circuits.circom_io import read_wtns_limbs
    from prover.groth16 import prove
    from zkrollup.keyfiles import load_any_proving_key, self_check
    t = time.perf_counter()
    pk = load_any_proving_key(key_path)
    load = time.perf_counter() - t
    w = read_wtns_limbs(wtns)
    t = time.perf_counter()
    proof = prove(pk, w)
    cold = time.perf_counter() - t
    warm, proof = _best(lambda: prove(pk, w), repeat)
    self_check(pk, proof)
    return {"key_load_s": round(load, 3), "cold_s": round(cold, 3), "warm_s": round(warm, 3),
            "stages": {k: round(v, 3) for k, v in proof.timings.items()}, "verified": True,
            "n_vars": pk.n_vars, "domain": pk.domain_size}


def own_key(r1cs_path, workdir):
    from circuits.circom_io import read_r1cs
    from prover.keys import save_proving_key
    from prover.setup import setup
    path = os.path.join(workdir, os.path.basename(r1cs_path).replace(".r1cs", ".pk"))
    t = time.perf_counter()
    if not os.path.exists(path):
        save_proving_key(setup(read_r1cs(r1cs_path)), path)
    return path, time.perf_counter() - t


def poseidon_chain(cs, n_hashes, x=None, y=None):
    """Our DSL's twin of the circom fixture: acc <- Poseidon(acc, y), n_hashes times."""
    from circuits.gadgets.poseidon import poseidon
    from circuits.poseidon import poseidon as poseidon_native
    yv = cs.public("y", y)
    acc = cs.witness("x", x)
    for i in range(n_hashes):
        acc = poseidon(cs, [acc, yv], name=f"h{i}")
    out = cs.witness("out", None if x is None else cs.value(acc))
    cs.assert_equal(out, acc, name="out")


def time_generated(power, repeat):
    """Setup + prove of a Poseidon chain built with our DSL (no node needed)."""
    from circuits.cs import solve_circuit
    from prover.groth16 import prove
    from prover.setup import setup
    from zkrollup.keyfiles import self_check
    n = max(1, ((1 << power) - 8) // 240)
    t = time.perf_counter()
    r1cs, wit = solve_circuit(poseidon_chain, n, 1, 2)
    build = time.perf_counter() - t
    t = time.perf_counter()
    pk = setup(r1cs)
    setup_s = time.perf_counter() - t
    t = time.perf_counter()
    proof = prove(pk, wit)
    cold = time.perf_counter() - t
    warm, proof = _best(lambda: prove(pk, wit), repeat)
    self_check(pk, proof)
    return {"power": power, "constraints": r1cs.n_constraints, "build_and_solve_s": round(build, 2),
            "setup_s": round(setup_s, 2), "cold_s": round(cold, 3), "warm_s": round(warm, 3),
            "stages": {k: round(v, 3) for k, v in proof.timings.items()}, "verified": True}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--powers", default="12,14,16")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(HERE, "_work"))
    ap.add_argument("--no-groth16py", action="store_true")
    ap.add_argument("--generated", action="store_true",
                    help="time a Poseidon chain built with our DSL instead (no node needed)")
    args = ap.parse_args()
    if args.generated or shutil.which("node") is None:
        rows = [time_generated(int(p), args.repeat) for p in args.powers.split(",")]
        print(json.dumps({"machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()},
                          "generated": rows,
                          "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)},
                         indent=1))
        return
    import circom_fixtures as fx
    tools = os.environ.get("NODE_TOOLS") or args.work
    out = {"machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}, "sizes": []}
    for p in map(int, args.powers.split(",")):
        f = fx.build(args.work, fx.tools_dir(args.work), p, [])
        row = {"power": p}
        row["snarkjs_s"] = round(time_snarkjs(tools, f["zkey"], f["wtns"], args.repeat), 3)
        row["ours_zkey"] = time_ours(f["zkey"], f["wtns"], args.repeat)
        pk_path, setup_s = own_key(f["r1cs"], args.work)
        row["ours_own_key"] = time_ours(pk_path, f["wtns"], args.repeat)
        row["ours_own_key"]["setup_s"] = round(setup_s, 2)
        row["ratio_ours_over_snarkjs"] = round(row["ours_zkey"]["warm_s"] / row["snarkjs_s"], 3)
        if not args.no_groth16py:
            g = time_groth16py(f["zkey"], f["wtns"], args.repeat)
            row["groth16py"] = g
            if "prove_s" in g:
                row["ratio_ours_over_groth16py"] = round(row["ours_zkey"]["warm_s"] / g["prove_s"], 3)
        out["sizes"].append(row)
        print(json.dumps(row), file=sys.stderr)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
