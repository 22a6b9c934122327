"""Exported Groth16 verifier contracts (verifier/export_verifier.py) on the embedded L1:
they accept snarkjs's proofs and ours, reject every tampered coordinate and public input,
answer False (never revert) for malformed points, and agree with verifier.groth16 (py_ecc)
on random valid and invalid proofs. The Solidity twin runs under the `node` marker."""
import json
import os
import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from verifier.abi import Contract, deploy
from verifier.curve import Q
from verifier.errors import VerifierInputError
from verifier.evm import Chain, ExecutionFailed, address_of
from verifier.export_verifier import render_solidity, render_vyper
from verifier.groth16 import Proof, verify
from verifier.snarkjs_json import read_proof, read_public, read_vk
from verifier.vyper_build import compile_vyper
from zkrollup.cli import main

from groth16_forge import forge, snarkjs_calldata, trapdoor_key

HERE = os.path.dirname(os.path.abspath(__file__))
CIRCOM = os.path.join(HERE, "vectors", "circom")
USER = address_of("verifier user")


def fixture_files():
    return (read_vk(os.path.join(CIRCOM, "verification_key.json")),
            read_public(os.path.join(CIRCOM, "public.json")),
            read_proof(os.path.join(CIRCOM, "proof.json")))


def deploy_vyper(chain, vk):
    return deploy(chain, compile_vyper(render_vyper(vk), "verifier"), sender=USER)


def find_solcjs():
    base = os.environ.get("NODE_TOOLS")
    cand = os.path.join(base, "node_modules", ".bin", "solcjs") if base else ""
    return cand if os.path.exists(cand) and shutil.which("node") else shutil.which("solcjs")


def deploy_solidity(chain, vk, tmp):
    solc = find_solcjs()
    if solc is None:
        pytest.skip("solcjs not found (set NODE_TOOLS or npm install solc)")
    os.makedirs(tmp, exist_ok=True)
    src = os.path.join(tmp, "Verifier.sol")
    with open(src, "w") as f:
        f.write(render_solidity(vk))
    out = os.path.join(tmp, "out")
    subprocess.run([solc, "--bin", "--abi", "--optimize", "-o", out, src], check=True,
                   capture_output=True, text=True)
    stem = next(f[:-4] for f in os.listdir(out) if f.endswith(".bin"))
    code = bytes.fromhex(open(os.path.join(out, stem + ".bin")).read())
    abi = json.load(open(os.path.join(out, stem + ".abi")))
    return Contract(chain, chain.deploy(USER, code).contract_address, abi)


def tampered(a, b, c):
    """Every single-coordinate change of the calldata: +1 (mod q) and a value >= q."""
    flat = [*a, b[0][0], b[0][1], b[1][0], b[1][1], *c]
    for i in range(8):
        for new in ((flat[i] + 1) % Q, flat[i] + Q, Q):
            if new >= 2**256:
                continue
            f = list(flat)
            f[i] = new
            yield f"coordinate {i} -> {new}", (f[0:2], [f[2:4], f[4:6]], f[6:8])


def check_rejections(v, pub, proof):
    a, b, c = snarkjs_calldata(proof)
    assert v.call("verifyProof", a, b, c, pub) is True
    for what, (a2, b2, c2) in tampered(a, b, c):
        assert v.call("verifyProof", a2, b2, c2, pub) is False, what
    for i in range(len(pub)):
        for new in ((pub[i] + 1) % R, pub[i] + R, R, 2**256 - 1):
            if new < 2**256:
                p2 = list(pub)
                p2[i] = new
                assert v.call("verifyProof", a, b, c, p2) is False, f"input {i} -> {new}"


# --- the snarkjs fixture -------------------------------------------------------------------

@pytest.fixture(scope="module")
def fixture_chain():
    vk, pub, proof = fixture_files()
    with Chain() as chain:
        yield chain, deploy_vyper(chain, vk), vk, pub, proof


def test_vyper_verifier_accepts_the_snarkjs_proof_and_rejects_every_tampering(fixture_chain):
    chain, v, vk, pub, proof = fixture_chain
    check_rejections(v, pub, proof)
    r = v.transact("verifyProof", *snarkjs_calldata(proof), pub, sender=USER)
    assert r.status and r.output[-1] == 1


def test_malformed_points_give_false_not_a_revert(fixture_chain):
    chain, v, vk, pub, proof = fixture_chain
    a, b, c = snarkjs_calldata(proof)
    off_curve = [a[0], (a[1] + 1) % Q]
    assert v.call("verifyProof", off_curve, b, c, pub) is False
    assert v.call("verifyProof", a, b, off_curve, pub) is False
    # B on the twist but outside G2 (the precompile checks the subgroup)
    from prover.ref import curves as C
    i, twist = 0, None
    while twist is None:
        twist = C.g2_lift_x((i, 1))
        i += 1
    assert not C.g2_in_subgroup(twist)
    (x0, x1), (y0, y1) = twist
    assert v.call("verifyProof", a, [[x1, x0], [y1, y0]], c, pub) is False
    # the points at infinity are valid encodings: the equation decides (here: False)
    zero = [0, 0]
    assert v.call("verifyProof", zero, b, c, pub) is False
    assert v.call("verifyProof", a, [zero, zero], c, pub) is False


def test_too_little_gas_reverts_instead_of_answering_false(fixture_chain):
    chain, v, vk, pub, proof = fixture_chain
    with pytest.raises(ExecutionFailed, match="verifier: out of gas"):
        v.transact("verifyProof", *snarkjs_calldata(proof), pub, sender=USER, gas=150_000)


def test_export_verifier_cli_writes_a_contract_that_compiles(tmp_path):
    from click.testing import CliRunner
    vk_path = os.path.join(CIRCOM, "verification_key.json")
    out = tmp_path / "v.vy"
    res = CliRunner().invoke(main, ["groth16", "export-verifier", vk_path, str(out)])
    assert res.exit_code == 0, res.output
    assert "2 public input" in res.output
    vk, pub, proof = fixture_files()
    assert out.read_text() == render_vyper(vk)
    res = CliRunner().invoke(main, ["groth16", "export-verifier", vk_path, str(tmp_path / "v.sol")])
    assert res.exit_code == 0 and (tmp_path / "v.sol").read_text() == render_solidity(vk)


@pytest.mark.parametrize("args,msg", [
    (["verification_key.json", "v.txt"], "must end in .vy"),
    (["proof.json", "v.vy"], "missing field 'nPublic'"),
    (["nope.json", "v.vy"], "cannot read verification key"),
])
def test_export_verifier_cli_bad_input_is_one_error_line(tmp_path, args, msg):
    from click.testing import CliRunner
    res = CliRunner().invoke(main, ["groth16", "export-verifier", os.path.join(CIRCOM, args[0]),
                                    str(tmp_path / args[1])])
    assert res.exit_code == 2 and msg in res.output and not (tmp_path / args[1]).exists()


# --- our prover's proofs -------------------------------------------------------------------

def product_circuit(xs):
    """Public inputs xs (1..3 of them) and their product, proven by one witness chain."""
    cs = ConstraintSystem(solve=True)
    pubs = [cs.public(f"x{i}", x) for i, x in enumerate(xs)]
    acc, val = pubs[0], xs[0]
    for i, p in enumerate(pubs[1:], 1):
        val = val * xs[i] % R
        w = cs.witness(f"p{i}", val)
        cs.enforce(acc, p, w, name=f"prod{i}")
        acc = w
    cs.enforce(acc, acc, cs.witness("sq", val * val % R), name="square")
    return cs


@pytest.mark.parametrize("n", [1, 3])
def test_vyper_verifier_accepts_our_prover_and_rejects_tampering(n):
    from prover.ref.groth16 import prove as prove_reference
    from prover.setup import setup
    from zkrollup.keyfiles import vk_from_pk
    xs = [5 + i for i in range(n)]
    pk = setup(product_circuit([1] * n).to_r1cs(), seed=b"evm verifier test")
    vk = vk_from_pk(pk)
    p = prove_reference(pk, product_circuit(xs).witness_values())
    proof = Proof(a=p.a, b=p.b, c=p.c)
    assert p.public == xs and verify(vk, xs, proof)
    with Chain() as chain:
        check_rejections(deploy_vyper(chain, vk), xs, proof)


# --- random proofs against py_ecc ----------------------------------------------------------

@pytest.fixture(scope="module")
def forged_chain():
    keys = {n: trapdoor_key(n, seed=10 + n) for n in (1, 3)}
    with Chain() as chain:
        yield chain, {n: (vk, t, deploy_vyper(chain, vk)) for n, (vk, t) in keys.items()}


def py_ecc_verdict(vk, pub, proof):
    try:
        return verify(vk, pub, proof)
    except VerifierInputError:
        return False


scalars = st.integers(1, R - 1)


@settings(max_examples=12, deadline=None)
@given(n=st.sampled_from([1, 3]), a=scalars, b=scalars, data=st.data())
def test_verdicts_match_py_ecc_on_random_valid_and_invalid_proofs(forged_chain, n, a, b, data):
    chain, keys = forged_chain
    vk, t, v = keys[n]
    pub = data.draw(st.lists(st.one_of(st.integers(0, R - 1), st.sampled_from([0, 1, R - 1])),
                             min_size=n, max_size=n))
    proof = forge(t, pub, a, b)
    if data.draw(st.booleans()):            # an invalid one: another proof, or other inputs
        if data.draw(st.booleans()):
            proof = forge(t, [(x + 1) % R for x in pub], a, b)
        else:
            proof = Proof(a=proof.a, b=proof.b, c=forge(t, pub, a, (b + 1) % R).c)
    expect = py_ecc_verdict(vk, pub, proof)
    assert v.call("verifyProof", *snarkjs_calldata(proof), pub) is expect


# --- the Solidity twin --------------------------------------------------------------------

@pytest.mark.node
def test_solidity_verifier_accepts_snarkjs_and_forged_proofs_and_rejects_tampering(tmp_path):
    vk, pub, proof = fixture_files()
    with Chain() as chain:
        check_rejections(deploy_solidity(chain, vk, str(tmp_path)), pub, proof)
        vk3, t = trapdoor_key(3, seed=7)
        sol = deploy_solidity(chain, vk3, str(tmp_path / "three"))
        xs = [3, 0, R - 1]
        check_rejections(sol, xs, forge(t, xs, 1, 2))           # A = the generator (x = 1)
        with pytest.raises(ExecutionFailed, match="verifier: out of gas"):
            sol.transact("verifyProof", *snarkjs_calldata(forge(t, xs, 1, 2)), xs, sender=USER,
                         gas=150_000)
