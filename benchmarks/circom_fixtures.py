"""Build circom Poseidon-chain circuits and their Groth16 keys, for prover benchmarks.

For each size 2^k (k in --powers), writes into the work directory (default
$ZKROLLUP_CACHE/bench or ~/.cache/zkrollup/bench, outside the repository):
chain_k.circom, chain_k.r1cs, chain_k_js/ (wasm), chain_k.wtns, chain_k.zkey,
chain_k_vk.json. The circuit hashes a chain of Poseidon(2) calls (circomlib, ~240
constraints each) sized so that constraints + public + 1 <= 2^k, the largest circuit that
fits snarkjs's 2^k domain.

The key (--setup):
  ours     (default) our Groth16 setup (prover.setup, toxic waste from the OS CSPRNG) written
           as a snarkjs .zkey (prover.zkey.write_zkey). snarkjs, groth16py and we prove from
           the same file; the proving work does not depend on who made the key. Minutes at
           2^20, where snarkjs's own ceremony does not finish in hours on this machine.
  snarkjs  snarkjs powersoftau new/contribute/prepare phase2 + groth16 setup + zkey
           contribute (the ptau is kept in the work directory and reused); ~40 CPU-minutes
           at 2^16, most of it in `prepare phase2`.

Needs node with snarkjs 0.7.6 and circom2 (NODE_TOOLS=/path/with/node_modules, else npm
installs them into the work directory) and circomlib 2.0.5 (npm-installed into
<work>/npm the first time unless NODE_TOOLS has it). Prints JSON with timings.
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
sys.path.insert(0, os.path.dirname(HERE))
POSEIDON2_CONSTRAINTS = 240  # circomlib Poseidon(2) under circom --O2


def default_work() -> str:
    base = os.environ.get("ZKROLLUP_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "zkrollup")
    return os.path.join(base, "bench")


def circomlib_dir(work: str, tools: str) -> str:
    """circomlib's circuits/ folder: from NODE_TOOLS when it has it, else npm-installed once."""
    for base in (tools, os.path.join(work, "npm")):
        d = os.path.join(base, "node_modules", "circomlib", "circuits")
        if os.path.exists(os.path.join(d, "poseidon.circom")):
            return d
    npm = os.path.join(work, "npm")
    os.makedirs(npm, exist_ok=True)
    subprocess.run(["npm", "init", "-y"], cwd=npm, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["npm", "install", "circomlib@2.0.5"], cwd=npm, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(npm, "node_modules", "circomlib", "circuits")


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
    # Poseidon there (outside the repository; circomlib is GPL and never enters it).
    src = circomlib_dir(work, tools)
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


def our_setup(work: str, name: str, log) -> None:
    """prover.setup on the .r1cs, written as a snarkjs .zkey and a verification_key.json."""
    from circuits.circom_io import read_r1cs
    from prover.setup import setup
    from prover.zkey import write_zkey
    from verifier.snarkjs_json import write_vk
    from zkrollup.keyfiles import vk_from_pk
    t = time.perf_counter()
    pk = setup(read_r1cs(os.path.join(work, f"{name}.r1cs")))
    write_zkey(pk, os.path.join(work, f"{name}.zkey"))
    write_vk(os.path.join(work, f"{name}_vk.json"), vk_from_pk(pk))
    log.append({"cmd": f"zkrollup setup {name}.r1cs -> {name}.zkey", "s": round(time.perf_counter() - t, 2)})


def poseidon_chain(cs, n_hashes, x=None, y=None):
    """Our DSL's twin of the circom circuit: acc <- Poseidon(acc, y), n_hashes times."""
    from circuits.gadgets.poseidon import poseidon
    yv = cs.public("y", y)
    acc = cs.witness("x", x)
    for i in range(n_hashes):
        acc = poseidon(cs, [acc, yv], name=f"h{i}")
    cs.assert_equal(cs.witness("out", None if x is None else cs.value(acc)), acc, name="out")


def build_dsl(work: str, power: int, log) -> dict:
    """The same chain built with our DSL (no circom needed, and minutes instead of an hour of
    circom2's WASM at 2^20): dsl_k.r1cs / .wtns written in circom's formats, key by our setup.
    snarkjs and groth16py prove from the .zkey and .wtns alone, so all three read the same files."""
    from circuits.circom_io import write_r1cs, write_wtns
    from circuits.cs import solve_circuit
    name = f"dsl_{power}"
    out = {"power": power, "zkey": os.path.join(work, f"{name}.zkey"), "wtns": os.path.join(work, f"{name}.wtns"),
           "r1cs": os.path.join(work, f"{name}.r1cs"), "vk": os.path.join(work, f"{name}_vk.json"),
           "circuit": "our DSL"}
    if os.path.exists(out["zkey"]) and os.path.exists(out["wtns"]):
        return out
    t = time.perf_counter()
    r1cs, wit = solve_circuit(poseidon_chain, max(1, ((1 << power) - 8) // POSEIDON2_CONSTRAINTS), 1, 2)
    write_r1cs(r1cs, out["r1cs"])
    write_wtns(wit, out["wtns"])
    log.append({"cmd": f"DSL chain 2^{power}: build, solve, write", "s": round(time.perf_counter() - t, 2)})
    our_setup(work, name, log)
    return out


def build(work: str, tools: str, power: int, log, key_setup: str = "ours") -> dict:
    name = f"chain_{power}"
    zkey = os.path.join(work, f"{name}.zkey")
    wtns = os.path.join(work, f"{name}.wtns")
    r1cs = os.path.join(work, f"{name}.r1cs")
    out = {"power": power, "zkey": zkey, "wtns": wtns, "r1cs": r1cs, "vk": os.path.join(work, f"{name}_vk.json")}
    if os.path.exists(zkey) and os.path.exists(wtns):
        return out
    if not (os.path.exists(r1cs) and os.path.exists(wtns)):
        n_hashes = max(1, ((1 << power) - 8) // POSEIDON2_CONSTRAINTS)
        with open(os.path.join(work, f"{name}.circom"), "w") as f:
            f.write(circuit_source(n_hashes, work, tools))
        run([bin_path(tools, "circom2"), f"{name}.circom", "--r1cs", "--wasm", "--O2", "-o", "."], work, log)
        with open(os.path.join(work, f"{name}_input.json"), "w") as f:
            json.dump({"x": "1", "y": "2"}, f)
        run(["node", os.path.join(work, f"{name}_js", "generate_witness.js"),
             os.path.join(work, f"{name}_js", f"{name}.wasm"), f"{name}_input.json", wtns], work, log)
    if key_setup == "ours":
        our_setup(work, name, log)
        return out
    pt = ptau(work, tools, power, log)
    sj = bin_path(tools, "snarkjs")
    z0 = os.path.join(work, f"{name}_0.zkey")
    run([sj, "groth16", "setup", f"{name}.r1cs", pt, z0], work, log)
    run([sj, "zkey", "contribute", z0, zkey, "--name=bench", "-e=zkrollup benchmark entropy 2"], work, log)
    os.remove(z0)
    run([sj, "zkey", "export", "verificationkey", zkey, f"{name}_vk.json"], work, log)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--powers", default="12,14,16")
    ap.add_argument("--work", default=default_work())
    ap.add_argument("--setup", choices=("ours", "snarkjs"), default="ours")
    ap.add_argument("--dsl", action="store_true", help="build the chain with our DSL instead of circom")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    log: list = []
    if args.dsl:
        out = [build_dsl(args.work, int(p), log) for p in args.powers.split(",")]
    else:
        tools = tools_dir(args.work)
        out = [build(args.work, tools, int(p), log, args.setup) for p in args.powers.split(",")]
    print(json.dumps({"fixtures": out, "steps": log}, indent=1))


if __name__ == "__main__":
    main()
