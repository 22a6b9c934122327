"""Build circom Poseidon-chain circuits with snarkjs ceremonies, for prover benchmarks.

For each size 2^k (k in --powers), writes into the work directory (default
benchmarks/_work, git-ignored):  chain_k.circom, chain_k.r1cs, chain_k_js/ (wasm),
chain_k.wtns, chain_k.zkey, chain_k_vk.json. The circuit hashes a chain of Poseidon(2)
calls (circomlib, ~240 constraints each) sized so that constraints + public + 1 <= 2^k,
the largest circuit that fits snarkjs's 2^k domain.

Needs node; installs snarkjs 0.7.6, circom2 and circomlib into the work directory with npm
the first time (or uses NODE_TOOLS=/path/with/node_modules). Prints JSON with timings.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
POSEIDON2_CONSTRAINTS = 240  # circomlib Poseidon(2) under circom --O2


def tools_dir(work: str) -> str:
    base = os.environ.get("NODE_TOOLS") or work
    if not os.path.exists(os.path.join(base, "node_modules", ".bin", "snarkjs")):
        if shutil.which("npm") is None:
            sys.exit("error: npm not found; install node to build circom fixtures")
        os.makedirs(base, exist_ok=True)
        subprocess.run(["npm", "init", "-y"], cwd=base, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["npm", "install", "snarkjs@0.7.6", "circom2", "circomlib@2.0.5"],
                       cwd=base, check=True, stdout=subprocess.DEVNULL)
    return base


def bin_path(tools: str, name: str) -> str:
    return os.path.join(tools, "node_modules", ".bin", name)


def run(cmd, cwd, log):
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    log.append({"cmd": " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd))[:120],
                "s": round(dt, 2)})
    return dt


def circuit_source(n_hashes: int, work: str, tools: str) -> str:
    # circom2 (WASI) can only open files under its working directory: copy circomlib's
    # Poseidon there (git-ignored; circomlib is GPL and never enters the repository).
    src = os.path.join(tools, "node_modules", "circomlib", "circuits")
    dst = os.path.join(work, "circomlib")
    os.makedirs(dst, exist_ok=True)
    for f in ("poseidon.circom", "poseidon_constants.circom"):
        shutil.copy(os.path.join(src, f), os.path.join(dst, f))
    return f"""pragma circom 2.0.0;
include "circomlib/poseidon.circom";
template Chain(N) {{
    signal input x;
    signal input y;
    signal output out;
    component h[N];
    signal acc[N + 1];
    acc[0] <== x;
    for (var i = 0; i < N; i++) {{
        h[i] = Poseidon(2);
        h[i].inputs[0] <== acc[i];
        h[i].inputs[1] <== y;
        acc[i + 1] <== h[i].out;
    }}
    out <== acc[N];
}}
component main {{public [y]}} = Chain({n_hashes});
"""


def ptau(work: str, tools: str, power: int, log) -> str:
    path = os.path.join(work, f"pot{power}_final.ptau")
    if os.path.exists(path):
        return path
    sj = bin_path(tools, "snarkjs")
    p0 = os.path.join(work, f"pot{power}_0.ptau")
    p1 = os.path.join(work, f"pot{power}_1.ptau")
    run([sj, "powersoftau", "new", "bn128", str(power), p0], work, log)
    run([sj, "powersoftau", "contribute", p0, p1, "--name=bench", "-e=zkrollup benchmark entropy"], work, log)
    run([sj, "powersoftau", "prepare", "phase2", p1, path], work, log)
    for p in (p0, p1):
        os.remove(p)
    return path


def build(work: str, tools: str, power: int, log) -> dict:
    name = f"chain_{power}"
    zkey = os.path.join(work, f"{name}.zkey")
    wtns = os.path.join(work, f"{name}.wtns")
    if os.path.exists(zkey) and os.path.exists(wtns):
        return {"power": power, "zkey": zkey, "wtns": wtns, "r1cs": os.path.join(work, f"{name}.r1cs")}
    n_hashes = max(1, ((1 << power) - 8) // POSEIDON2_CONSTRAINTS)
    with open(os.path.join(work, f"{name}.circom"), "w") as f:
        f.write(circuit_source(n_hashes, work, tools))
    run([bin_path(tools, "circom2"), f"{name}.circom", "--r1cs", "--wasm", "--O2", "-o", "."], work, log)
    with open(os.path.join(work, f"{name}_input.json"), "w") as f:
        json.dump({"x": "1", "y": "2"}, f)
    run(["node", os.path.join(work, f"{name}_js", "generate_witness.js"),
         os.path.join(work, f"{name}_js", f"{name}.wasm"), f"{name}_input.json", wtns], work, log)
    pt = ptau(work, tools, power, log)
    sj = bin_path(tools, "snarkjs")
    z0 = os.path.join(work, f"{name}_0.zkey")
    run([sj, "groth16", "setup", f"{name}.r1cs", pt, z0], work, log)
    run([sj, "zkey", "contribute", z0, zkey, "--name=bench", "-e=zkrollup benchmark entropy 2"], work, log)
    os.remove(z0)
    run([sj, "zkey", "export", "verificationkey", zkey, f"{name}_vk.json"], work, log)
    return {"power": power, "zkey": zkey, "wtns": wtns, "r1cs": os.path.join(work, f"{name}.r1cs"),
            "n_hashes": n_hashes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--powers", default="12,14,16")
    ap.add_argument("--work", default=os.path.join(HERE, "_work"))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    tools = tools_dir(args.work)
    log: list = []
    out = [build(args.work, tools, int(p), log) for p in args.powers.split(",")]
    print(json.dumps({"fixtures": out, "steps": log}, indent=1))


if __name__ == "__main__":
    main()
