"""Gas and time of the L1 layer on the embedded EVM (REVM, Cancun); prints JSON.

    python benchmarks/bench_l1.py                 # everything (a few minutes)
    python benchmarks/bench_l1.py --only gas      # gas only (verifier, Poseidon, token)
    NODE_TOOLS=/work/nodetools python benchmarks/bench_l1.py   # + the Solidity verifiers

Gas is read from the EVM: "tx" is the whole transaction's gas (21,000 + calldata +
execution), "exec" is tx minus the intrinsic part (21,000 + 4/16 per calldata byte), the
figure libraries usually quote for a call. Groth16 keys are trapdoor keys
(tests/groth16_forge.py) with random public inputs (every calldata byte non-zero: the worst
case); the snarkjs comparison runs snarkjs's own exported Solidity verifier, compiled
with solcjs, on the same EVM with the shared fixture's proof. Poseidon: the shipped
contracts (verifier/poseidon_evm.py) with the alternatives it chose between, and a plain
Vyper implementation of the same fast form for comparison. Times are CPU seconds (process
time, best of several runs) because the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from circuits.field import R  # noqa: E402
from circuits.poseidon import fast_params, poseidon  # noqa: E402
from verifier.abi import Contract, deploy, encode_call  # noqa: E402
from verifier.evm import Chain, address_of  # noqa: E402
from verifier.evm_asm import MAX_CODE_SIZE, initcode  # noqa: E402
from verifier.vyper_build import BuildError, compile_vyper, load  # noqa: E402

USER = address_of("bench")
CIRCOM = os.path.join(ROOT, "tests", "vectors", "circom")


def intrinsic(data: bytes) -> int:
    return 21_000 + sum(16 if b else 4 for b in data)


def gas_row(c: Contract, fn: str, *args) -> dict:
    r = c.transact(fn, *args, sender=USER)
    return {"tx": r.gas_used, "exec": r.gas_used - intrinsic(c.encode(fn, *args))}


# --- Groth16 verifiers --------------------------------------------------------------------

def solcjs():
    base = os.environ.get("NODE_TOOLS")
    cand = os.path.join(base, "node_modules", ".bin", "solcjs") if base else ""
    return cand if os.path.exists(cand) else shutil.which("solcjs")


def compile_solidity(source: str, tmp: str):
    src = os.path.join(tmp, "V.sol")
    with open(src, "w") as f:
        f.write(source)
    out = os.path.join(tmp, "out")
    subprocess.run([solcjs(), "--bin", "--abi", "--optimize", "-o", out, src], check=True,
                   capture_output=True)
    stem = next(f[:-4] for f in os.listdir(out) if f.endswith(".bin") and "Verifier" in f)
    return bytes.fromhex(open(os.path.join(out, stem + ".bin")).read()), json.load(open(os.path.join(out, stem + ".abi")))


def bench_verifiers() -> dict:
    from groth16_forge import forge, snarkjs_calldata, trapdoor_key
    from verifier.export_verifier import render_solidity, render_vyper
    out = {}
    for n in (1, 2, 3):
        vk, t = trapdoor_key(n, seed=n)
        pub = [random.randrange(R // 2, R) for _ in range(n)]
        args = (*snarkjs_calldata(forge(t, pub, 12345, 67890)), pub)
        with Chain() as chain:
            v = deploy(chain, compile_vyper(render_vyper(vk), "verifier"), sender=USER)
            row = {"vyper": gas_row(v, "verifyProof", *args),
                   "vyper_deploy": v.deploy_receipt.gas_used}
            if solcjs():
                with tempfile.TemporaryDirectory() as tmp:
                    code, abi = compile_solidity(render_solidity(vk), tmp)
                s = Contract(chain, chain.deploy(USER, code).contract_address, abi)
                row["solidity"] = gas_row(s, "verifyProof", *args)
        out[f"{n}_public"] = row
    out["snarkjs_fixture_2_public"] = bench_snarkjs_fixture()
    return out


def bench_snarkjs_fixture() -> dict:
    """Ours and snarkjs's own exported verifier on the same proof (the shared fixture)."""
    from groth16_forge import snarkjs_calldata
    from verifier.export_verifier import render_vyper
    from verifier.snarkjs_json import read_proof, read_public, read_vk
    vk = read_vk(os.path.join(CIRCOM, "verification_key.json"))
    pub = read_public(os.path.join(CIRCOM, "public.json"))
    args = (*snarkjs_calldata(read_proof(os.path.join(CIRCOM, "proof.json"))), pub)
    row = {}
    with Chain() as chain:
        row["ours_vyper"] = gas_row(deploy(chain, compile_vyper(render_vyper(vk), "v"), sender=USER),
                                    "verifyProof", *args)
        snarkjs = os.path.join(os.environ.get("NODE_TOOLS", ""), "node_modules", ".bin", "snarkjs")
        if solcjs() and os.path.exists(snarkjs):
            with tempfile.TemporaryDirectory() as tmp:
                sol = os.path.join(tmp, "snarkjs_verifier.sol")
                subprocess.run([snarkjs, "zkey", "export", "solidityverifier",
                                os.path.join(CIRCOM, "demo.zkey"), sol], check=True, capture_output=True)
                code, abi = compile_solidity(open(sol).read(), tmp)
            c = Contract(chain, chain.deploy(USER, code).contract_address, abi)
            row["snarkjs_solidity"] = gas_row(c, "verifyProof", *args)
    return row


# --- Poseidon -----------------------------------------------------------------------------

def vyper_poseidon_source(n: int) -> str:
    """Plain Vyper, same fast form as the bytecode: unrolled rounds, constants inline,
    addmod/mulmod everywhere (no lazy reduction)."""
    t, f = n + 1, fast_params(n + 1)
    L = ["# pragma version ~=0.4.3",
         "R: constant(uint256) = 21888242871839275222246405745257275088548364400416034343698204186575808495617",
         "", "@internal", "@pure", "def _p5(x: uint256) -> uint256:",
         "    x2: uint256 = uint256_mulmod(x, x, R)", "    return uint256_mulmod(uint256_mulmod(x2, x2, R), x, R)", "",
         "@external", "@pure", f"def hash(inputs: uint256[{n}]) -> uint256:"]
    L += [f"    assert inputs[{i}] < R" for i in range(n)]
    L += ["    s0: uint256 = 0"] + [f"    s{i}: uint256 = inputs[{i - 1}]" for i in range(1, t)]
    L += [f"    n{i}: uint256 = 0" for i in range(t)]
    L += ["    x: uint256 = 0"]

    def matmul(m):
        for j in range(t):
            expr = f"uint256_mulmod({m[j][0]}, s0, R)"
            for i in range(1, t):
                expr = f"uint256_addmod({expr}, uint256_mulmod({m[j][i]}, s{i}, R), R)"
            L.append(f"    n{j} = {expr}")
        L.extend(f"    s{i} = n{i}" for i in range(t))

    for k in range(f.half):
        L.extend(f"    s{i} = self._p5(uint256_addmod(s{i}, {f.full_constants[k][i]}, R))" for i in range(t))
        matmul(f.pre_sparse if k == f.half - 1 else f.mds)
    for c, row, col in zip(f.partial_constants, f.sparse_first_row, f.sparse_first_col):
        L.append(f"    x = self._p5(uint256_addmod(s0, {c}, R))")
        expr = f"uint256_mulmod({row[0]}, x, R)"
        for i in range(1, t):
            expr = f"uint256_addmod({expr}, uint256_mulmod({row[i]}, s{i}, R), R)"
        L.append(f"    s0 = {expr}")
        L.extend(f"    s{i} = uint256_addmod(s{i}, uint256_mulmod({col[i - 1]}, x, R), R)" for i in range(1, t))
    for k in range(f.half, 2 * f.half):
        L.extend(f"    s{i} = self._p5(uint256_addmod(s{i}, {f.full_constants[k][i]}, R))" for i in range(t))
        matmul(f.mds)
    L.append("    return s0")
    return "\n".join(L) + "\n"


def plain_vyper_gas(n: int, xs: list) -> object:
    """Gas of the plain Vyper version, on a fresh EVM with the size limit lifted when its
    code is over EIP-170 (then it could not be deployed on Ethereum: measured for comparison)."""
    import warnings
    from pyrevm import EVM, CfgEnv, Env
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            art = compile_vyper(vyper_poseidon_source(n), f"poseidon_vyper_{n}")
        except BuildError as e:
            return f"vyper 0.4.3 fails on it: {str(e)[-60:]}"
    evm = EVM(env=Env(cfg=CfgEnv(limit_contract_code_size=2**20)), spec_id="Cancun", gas_limit=30_000_000)
    addr = evm.deploy(USER, art.initcode)
    data = encode_call(art.abi, "hash", xs)
    out = bytes(evm.message_call(USER, addr, data))
    assert int.from_bytes(out, "big") == poseidon(xs)
    g = evm.result.gas_used
    return {"tx": g, "exec": g - intrinsic(data), "code_bytes": len(art.runtime),
            "deployable": len(art.runtime) <= MAX_CODE_SIZE}


def bench_poseidon() -> dict:
    from verifier import poseidon_evm as P
    out = {}
    for n in range(1, P.MAX_INPUTS + 1):
        xs = [random.randrange(R) for _ in range(n)]
        row = {"config": list(P.CONFIG[n])}
        with Chain() as chain:
            c = P.deploy(chain, n, USER)
            assert c.call("hash", xs) == poseidon(xs)
            row["shipped"] = gas_row(c, "hash", xs)
            head, tail = P.runtime_codes(n, "0x" + "11" * 20)
            row["code_bytes"] = [len(head)] + ([len(tail)] if tail else [])
            k = P.largest_fitting_sparse(n, True)
            if k is not None and k < fast_params(n + 1).n_rounds_p:
                c1 = Contract(chain, chain.deploy(USER, initcode(P.generate(n, k, True))).contract_address, P.abi(n))
                assert c1.call("hash", xs) == poseidon(xs)
                row["one_contract_dense_loop"] = dict(gas_row(c1, "hash", xs), sparse_rounds=k)
            row["plain_vyper"] = plain_vyper_gas(n, xs)
        out[f"T{n + 1}"] = row
    out["anchor_poseidon_solidity_T3"] = 21_124
    return out


# --- token --------------------------------------------------------------------------------

def bench_token() -> dict:
    owner, alice, bob, carol = (address_of(x) for x in ("owner", "alice", "bob", "carol"))
    with Chain() as chain:
        t = deploy(chain, load("token"), "Collateral", "COL", 6, sender=owner)
        g = lambda r: r.gas_used  # noqa: E731
        out = {"deploy": t.deploy_receipt.gas_used,
               "mint_first": g(t.transact("mint", alice, 10**12, sender=owner)),
               "transfer_to_new_holder": g(t.transact("transfer", bob, 10**6, sender=alice)),
               "transfer_to_holder": g(t.transact("transfer", bob, 10**6, sender=alice)),
               "approve": g(t.transact("approve", bob, 10**9, sender=alice)),
               "transferFrom_to_new_holder": g(t.transact("transferFrom", alice, carol, 10**6, sender=bob)),
               "transferFrom_to_holder": g(t.transact("transferFrom", alice, carol, 10**6, sender=bob))}
    return out


# --- verification time --------------------------------------------------------------------

def best_cpu(fn, reps: int = 5, inner: int = 3) -> float:
    best = 1e9
    for _ in range(reps):
        t = time.process_time()
        for _ in range(inner):
            fn()
        best = min(best, (time.process_time() - t) / inner)
    return best


def bench_times() -> dict:
    from groth16_forge import forge, trapdoor_key
    from verifier import fast_groth16, groth16
    from verifier.groth16 import Proof
    from verifier.snarkjs_json import read_proof, read_public, read_vk
    vk = read_vk(os.path.join(CIRCOM, "verification_key.json"))
    pub = read_public(os.path.join(CIRCOM, "public.json"))
    proof = read_proof(os.path.join(CIRCOM, "proof.json"))
    fresh = lambda: Proof(a=proof.a, b=proof.b, c=proof.c)  # noqa: E731  (no cached checks)
    out = {"fast_verify_ms": 1e3 * best_cpu(lambda: fast_groth16.verify(vk, pub, fresh())),
           "py_ecc_verify_ms": 1e3 * best_cpu(lambda: groth16.verify(vk, pub, fresh()), reps=2, inner=1)}
    pc = fast_groth16._pc()
    g1, g2 = (1, 2), read_vk(os.path.join(CIRCOM, "verification_key.json")).gamma2
    out["precompile_pairing_1_pair_ms"] = 1e3 * best_cpu(lambda: pc.pairing_check([(g1, g2)]))
    out["precompile_pairing_4_pairs_ms"] = 1e3 * best_cpu(lambda: pc.pairing_check([(g1, g2)] * 4))
    vk2, t = trapdoor_key(2, seed=5)
    for k in (10, 50):
        items = [([i, 2 * i], forge(t, [i, 2 * i], 3 + i, 7 + i)) for i in range(k)]
        out[f"fast_verify_batch_{k}_ms_per_proof"] = 1e3 * best_cpu(
            lambda: fast_groth16.verify_batch(vk2, [(x, Proof(p.a, p.b, p.c)) for x, p in items]),
            reps=2, inner=1) / k
    # the verifier contract through a view call, for comparison
    from verifier.export_verifier import render_vyper
    from groth16_forge import snarkjs_calldata
    with Chain() as chain:
        v = deploy(chain, compile_vyper(render_vyper(vk), "v"), sender=USER)
        out["contract_view_call_ms"] = 1e3 * best_cpu(
            lambda: v.call("verifyProof", *snarkjs_calldata(proof), pub))
    try:
        import groth16py
        gv = groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs_file(
            os.path.join(CIRCOM, "verification_key.json")))
        pj, sj = (open(os.path.join(CIRCOM, f)).read() for f in ("proof.json", "public.json"))
        out["groth16py_arkworks_verify_ms (GPL-3.0, not used)"] = 1e3 * best_cpu(lambda: gv.verify_snarkjs(pj, sj))
    except ImportError:
        pass
    return {k: round(v, 3) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["gas", "time"], default=None)
    args = ap.parse_args()
    random.seed(1)
    res = {"evm": "pyrevm 0.3.7 (revm 8), Cancun", "load": os.getloadavg()[0]}
    if args.only != "time":
        res["groth16_verifyProof_gas"] = bench_verifiers()
        res["poseidon_gas"] = bench_poseidon()
        res["token_gas"] = bench_token()
    if args.only != "gas":
        res["verify_cpu_time"] = bench_times()
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
