"""Groth16 proving, whole commands: `zkrollup groth16 prove` against snarkjs and groth16py.

For every circom fixture of `circom_fixtures.py` (Poseidon chains of 2^k constraints, the key
from our setup written as a snarkjs .zkey that all three read), in one run on this machine,
each tool as its own process, timed from start to exit (best of --repeat), with its CPU time
and peak memory (ru_maxrss of the process, from wait4):
  * ours: `zkrollup groth16 prove CIRCUIT.zkey WITNESS.wtns proof.json public.json`. The first
    call of a key file validates it and caches the validated form (prover.key_store), the
    later calls load it: both are reported ("first" and "warm"). The .r1cs beside the .zkey
    lets ours check the witness against every constraint (snarkjs and groth16py do not), and
    the fresh proof is verified before it is written (the CLI's --self-check). Numba kernels are
    compiled beforehand (a cold compile is measured separately: --cold).
  * snarkjs 0.7.6: `snarkjs groth16 prove` (node; $NODE_TOOLS/node_modules/.bin/snarkjs).
  * groth16py (arkworks, Rust): a Python process running import_zkey + prove_wtns.
Every proof of ours and of snarkjs is checked with snarkjs `groth16 verify` once per size.
Without node, --generated times setup + prove of a Poseidon chain built with our DSL.
Prints JSON; the load average is recorded before and after each tool (shared machines).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)


def run_process(cmd, env=None, timeout=3600) -> dict:
    """Run cmd to completion: wall time, CPU time and peak RSS of the process (wait4)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = t + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            p.kill()
            raise TimeoutError(" ".join(map(str, cmd))[:200])
        time.sleep(0.002)
    wall = time.perf_counter() - t
    out, err = p.stdout.read().decode(), p.stderr.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise RuntimeError(f"{os.path.basename(str(cmd[0]))} exited {code}: {(err or out).strip()[-300:]}")
    return {"wall_s": round(wall, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
            "peak_rss_mb": round(ru.ru_maxrss / 1024, 1), "stdout": out, "stderr": err}


def best_of(fn, repeat: int) -> dict:
    runs = [fn() for _ in range(repeat)]
    best = min(runs, key=lambda r: r["wall_s"])
    out = {k: v for k, v in best.items() if k not in ("stdout", "stderr")}
    out["all_wall_s"] = [r["wall_s"] for r in runs]
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return out, best


def load() -> list:
    return [round(x, 2) for x in os.getloadavg()]


def ours_cmd(zkey, wtns, d):
    code = "import sys; from zkrollup.cli import main; sys.argv[0] = 'zkrollup'; main()"
    return [sys.executable, "-c", code, "groth16", "prove", zkey, wtns, f"{d}/proof.json", f"{d}/public.json",
            "--timings"]


def time_ours(f: dict, repeat: int, env: dict) -> dict:
    with tempfile.TemporaryDirectory() as d:
        env = dict(env, ZKROLLUP_KEY_CACHE=os.path.join(d, "keys"))
        cmd = ours_cmd(f["zkey"], f["wtns"], d)
        first = run_process(cmd, env)
        warm, last = best_of(lambda: run_process(cmd, env), repeat)
        warm["timings"] = json.loads(last["stderr"].strip().splitlines()[-1])
        warm["first_call"] = {k: v for k, v in first.items() if k not in ("stdout", "stderr")}
        warm["first_call"]["timings"] = json.loads(first["stderr"].strip().splitlines()[-1])
        warm["snarkjs_verify"] = snarkjs_verify(f["vk"], f"{d}/public.json", f"{d}/proof.json")
    return warm


def snarkjs_bin() -> str | None:
    base = os.environ.get("NODE_TOOLS")
    cand = os.path.join(base, "node_modules", ".bin", "snarkjs") if base else None
    return cand if cand and os.path.exists(cand) else shutil.which("snarkjs")


def snarkjs_verify(vk, public, proof) -> bool | None:
    sj = snarkjs_bin()
    if sj is None:
        return None
    res = subprocess.run([sj, "groth16", "verify", vk, public, proof], capture_output=True, text=True)
    return res.returncode == 0 and "OK" in res.stdout


def time_snarkjs(f: dict, repeat: int) -> dict:
    sj = snarkjs_bin()
    with tempfile.TemporaryDirectory() as d:
        out, _ = best_of(lambda: run_process([sj, "groth16", "prove", f["zkey"], f["wtns"], f"{d}/p.json",
                                              f"{d}/q.json"]), repeat)
        out["snarkjs_verify"] = snarkjs_verify(f["vk"], f"{d}/q.json", f"{d}/p.json")
    return out


def time_groth16py(f: dict, repeat: int) -> dict:
    py = os.environ.get("GROTH16PY_PYTHON", sys.executable)
    code = (f"import time, json, groth16py\nt = time.perf_counter()\npk = groth16py.import_zkey({f['zkey']!r})\n"
            f"pk = pk[0] if isinstance(pk, tuple) else pk\nl = time.perf_counter() - t\nt = time.perf_counter()\n"
            f"groth16py.prove_wtns(pk, {f['wtns']!r})\n"
            f"print(json.dumps({{'import_zkey_s': l, 'prove_wtns_s': time.perf_counter() - t}}))")
    try:
        out, last = best_of(lambda: run_process([py, "-c", code]), repeat)
    except (OSError, RuntimeError, TimeoutError) as e:
        return {"error": str(e)[:300]}
    out["in_process"] = {k: round(v, 3) for k, v in json.loads(last["stdout"].strip().splitlines()[-1]).items()}
    return out


def time_cold_compile(f: dict, env: dict) -> dict:
    """One `zkrollup groth16 prove` with an empty Numba cache and an empty key cache."""
    with tempfile.TemporaryDirectory() as d:
        env = dict(env, NUMBA_CACHE_DIR=os.path.join(d, "numba"), ZKROLLUP_KEY_CACHE=os.path.join(d, "keys"))
        r = run_process(ours_cmd(f["zkey"], f["wtns"], d), env)
        return {"wall_s": r["wall_s"], "cpu_s_incl_children": None, "peak_rss_mb": r["peak_rss_mb"],
                "timings": json.loads(r["stderr"].strip().splitlines()[-1]),
                "announced": [ln for ln in r["stderr"].splitlines() if ln.startswith("compiling")]}


def time_generated(power: int, repeat: int) -> dict:
    """Setup + prove of a Poseidon chain built with our DSL (no node needed), in process."""
    from circuits.cs import solve_circuit
    from prover.groth16 import prove
    from prover.setup import setup
    sys.path.insert(0, HERE)
    from circom_fixtures import poseidon_chain

    r1cs, wit = solve_circuit(poseidon_chain, max(1, ((1 << power) - 8) // 240), 1, 2)
    pk = setup(r1cs)
    prove(pk, wit)
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        prove(pk, wit)
        ts.append(time.perf_counter() - t)
    return {"power": power, "constraints": r1cs.n_constraints, "prove_s": round(min(ts), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--powers", default="16,18,20")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=None, help="fixture directory (default: circom_fixtures's)")
    ap.add_argument("--no-groth16py", action="store_true")
    ap.add_argument("--cold", action="store_true", help="also time a first run with empty caches")
    ap.add_argument("--generated", action="store_true", help="no node: time our DSL's Poseidon chain")
    ap.add_argument("--dsl-powers", default="", help="sizes whose circuit is built with our DSL "
                    "(circom_fixtures.build_dsl) instead of circom, e.g. 20")
    args = ap.parse_args()
    powers = [int(p) for p in args.powers.split(",")]
    if args.generated or shutil.which("node") is None:
        print(json.dumps({"load_avg": load(), "generated": [time_generated(p, args.repeat) for p in powers]}))
        return
    sys.path.insert(0, HERE)
    import circom_fixtures as fx
    work = args.work or fx.default_work()
    os.makedirs(work, exist_ok=True)
    tools = fx.tools_dir(work)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    out = {"machine": {"cpus": os.cpu_count()}, "sizes": []}
    dsl = {int(p) for p in args.dsl_powers.split(",") if p}
    for p in powers:
        f = fx.build_dsl(work, p, []) if p in dsl else fx.build(work, tools, p, [])
        row = {"power": p, "circuit": f.get("circuit", "circom"), "zkey_mb": round(os.path.getsize(f["zkey"]) / 2**20, 1)}
        subprocess.run(ours_cmd(f["zkey"], f["wtns"], tempfile.gettempdir()), env=env, capture_output=True)
        if args.cold and p == powers[0]:
            row["ours_cold_compile"] = time_cold_compile(f, env)
        for name, fn in (("ours", lambda: time_ours(f, args.repeat, env)),
                         ("snarkjs", lambda: time_snarkjs(f, args.repeat)),
                         ("groth16py", None if args.no_groth16py else lambda: time_groth16py(f, args.repeat))):
            if fn is None:
                continue
            before = load()
            row[name] = fn()
            row[name]["load_avg_before_after"] = [before, load()]
        s = row["snarkjs"]["wall_s"]
        row["ours_over_snarkjs"] = round(row["ours"]["wall_s"] / s, 3)
        row["ours_first_call_over_snarkjs"] = round(row["ours"]["first_call"]["wall_s"] / s, 3)
        if "wall_s" in row.get("groth16py", {}):
            row["ours_over_groth16py"] = round(row["ours"]["wall_s"] / row["groth16py"]["wall_s"], 3)
        out["sizes"].append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
