"""`zkrollup groth16 ...` end to end on the circom/snarkjs vectors: interop both ways, exit
codes 0 / 1 / 2, one-line errors for corrupt files."""
import json
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from zkrollup.cli import main

V = os.path.join(os.path.dirname(__file__), "vectors", "circom")


def run(*args):
    """Exit code and output, less the first run's "compiling the Numba kernels" notice
    (printed on stderr, which CliRunner mixes in, only while the kernel cache is cold)."""
    res = CliRunner().invoke(main, ["groth16", *map(str, args)])
    lines = res.output.splitlines(keepends=True)
    out = "".join(l for l in lines if not l.lstrip().startswith("compiling the Numba"))
    return res.exit_code, out


@pytest.fixture(scope="module")
def zkey_proof(tmp_path_factory):
    d = tmp_path_factory.mktemp("zk")
    code, out = run("prove", f"{V}/demo.zkey", f"{V}/demo.wtns", d / "proof.json", d / "public.json")
    assert code == 0, out
    return d


@pytest.fixture(scope="module")
def own_key(tmp_path_factory):
    d = tmp_path_factory.mktemp("own")
    code, out = run("setup", f"{V}/demo.r1cs", d / "pk.bin", d / "vk.json", "--seed", "test")
    assert code == 0, out
    code, out = run("prove", d / "pk.bin", f"{V}/demo.wtns", d / "proof.json", d / "public.json")
    assert code == 0, out
    return d


def test_our_proof_from_the_snarkjs_zkey_verifies_with_the_zkeys_vk(zkey_proof):
    code, out = run("verify", f"{V}/verification_key.json", zkey_proof / "public.json", zkey_proof / "proof.json")
    assert code == 0, out
    assert json.load(open(zkey_proof / "public.json")) == json.load(open(f"{V}/public.json"))


def test_snarkjs_proof_verifies_with_our_verifier():
    code, out = run("verify", f"{V}/verification_key.json", f"{V}/public.json", f"{V}/proof.json")
    assert code == 0, out


def test_own_setup_proof_verifies_and_a_changed_public_input_exits_1(own_key, tmp_path):
    assert run("verify", own_key / "vk.json", own_key / "public.json", own_key / "proof.json")[0] == 0
    pub = json.load(open(own_key / "public.json"))
    pub[0] = str(int(pub[0]) + 1)
    (tmp_path / "pub.json").write_text(json.dumps(pub))
    assert run("verify", own_key / "vk.json", tmp_path / "pub.json", own_key / "proof.json")[0] == 1
    # another key's vk rejects it too
    assert run("verify", f"{V}/verification_key.json", own_key / "public.json", own_key / "proof.json")[0] == 1


def test_export_vk_of_the_zkey_equals_snarkjs_vk(tmp_path):
    assert run("export-vk", f"{V}/demo.zkey", tmp_path / "vk.json")[0] == 0
    assert json.load(open(tmp_path / "vk.json")) == json.load(open(f"{V}/verification_key.json"))


@pytest.mark.parametrize("what", ["zkey", "pk", "wtns", "r1cs", "proof", "vk"])
def test_corrupt_or_truncated_files_give_one_error_line_and_exit_2(what, own_key, tmp_path):
    src = {"zkey": f"{V}/demo.zkey", "pk": own_key / "pk.bin", "wtns": f"{V}/demo.wtns",
           "r1cs": f"{V}/demo.r1cs", "proof": f"{V}/proof.json", "vk": f"{V}/verification_key.json"}[what]
    data = open(src, "rb").read()
    bad = tmp_path / f"bad.{what}"
    bad.write_bytes(data[: len(data) // 3])
    args = {"zkey": ("prove", bad, f"{V}/demo.wtns", tmp_path / "p", tmp_path / "q"),
            "pk": ("prove", bad, f"{V}/demo.wtns", tmp_path / "p", tmp_path / "q"),
            "wtns": ("prove", f"{V}/demo.zkey", bad, tmp_path / "p", tmp_path / "q"),
            "r1cs": ("setup", bad, tmp_path / "pk", tmp_path / "vk"),
            "proof": ("verify", f"{V}/verification_key.json", f"{V}/public.json", bad),
            "vk": ("verify", bad, f"{V}/public.json", f"{V}/proof.json")}[what]
    code, out = run(*args)
    assert code == 2
    lines = [l for l in out.splitlines() if l.strip() and not l.startswith("setup")]
    assert len(lines) == 1 and lines[0].startswith("error:"), out
    assert "Traceback" not in out
    assert not os.path.exists(tmp_path / "p")


def test_unsatisfying_witness_names_the_failing_constraint_with_the_r1cs(tmp_path, own_key):
    from circuits.circom_io import read_wtns, write_wtns
    w = read_wtns(f"{V}/demo.wtns")
    w[5] = (w[5] + 1)
    write_wtns(w, tmp_path / "bad.wtns")
    code, out = run("prove", own_key / "pk.bin", tmp_path / "bad.wtns", tmp_path / "p", tmp_path / "q")
    assert code == 2 and "does not satisfy" in out and "#" in out
    code, out = run("prove", f"{V}/demo.zkey", tmp_path / "bad.wtns", tmp_path / "p", tmp_path / "q",
                    "--r1cs", f"{V}/demo.r1cs")
    assert code == 2 and "does not satisfy" in out and "#" in out
    # demo.r1cs beside demo.zkey is found by itself; a lone zkey still refuses it (self-check)
    code, out = run("prove", f"{V}/demo.zkey", tmp_path / "bad.wtns", tmp_path / "p", tmp_path / "q")
    assert code == 2 and "does not satisfy" in out
    shutil.copy(f"{V}/demo.zkey", tmp_path / "lone.zkey")
    code, out = run("prove", tmp_path / "lone.zkey", tmp_path / "bad.wtns", tmp_path / "p", tmp_path / "q")
    assert code == 2 and "does not verify" in out


def test_witness_of_the_wrong_length_is_refused(tmp_path):
    from circuits.circom_io import read_wtns, write_wtns
    write_wtns(read_wtns(f"{V}/demo.wtns")[:-1], tmp_path / "short.wtns")
    code, out = run("prove", f"{V}/demo.zkey", tmp_path / "short.wtns", tmp_path / "p", tmp_path / "q")
    assert code == 2 and "wires" in out


def test_zkey_for_another_curve_is_refused(tmp_path):
    data = bytearray(open(f"{V}/demo.zkey", "rb").read())
    q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
    i = data.find(q.to_bytes(32, "little"))
    data[i:i + 32] = (q - 2).to_bytes(32, "little")
    (tmp_path / "x.zkey").write_bytes(bytes(data))
    code, out = run("prove", tmp_path / "x.zkey", f"{V}/demo.wtns", tmp_path / "p", tmp_path / "q")
    assert code == 2 and out.startswith("error:")


@pytest.mark.node
def test_snarkjs_accepts_our_proofs(snarkjs, zkey_proof, own_key):
    for vk, d in ((f"{V}/verification_key.json", zkey_proof), (own_key / "vk.json", own_key)):
        res = subprocess.run(snarkjs + ["groth16", "verify", str(vk), str(d / "public.json"),
                                        str(d / "proof.json")], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0 and "OK" in res.stdout, res.stdout + res.stderr


def test_self_check_runs_unless_told_never(tmp_path, monkeypatch):
    from zkrollup import keyfiles
    calls = []
    real = keyfiles.self_check
    monkeypatch.setattr(keyfiles, "self_check", lambda pk, proof: calls.append(1) or real(pk, proof))
    args = (f"{V}/demo.wtns", tmp_path / "p.json", tmp_path / "q.json")
    assert run("prove", f"{V}/demo.zkey", *args)[0] == 0 and calls == [1]       # demo.r1cs beside it
    shutil.copy(f"{V}/demo.zkey", tmp_path / "lone.zkey")
    code, out = run("prove", tmp_path / "lone.zkey", *args)
    assert code == 0 and calls == [1, 1] and "witness checked by verifying the proof" in out
    assert run("prove", tmp_path / "lone.zkey", *args, "--self-check", "never")[0] == 0 and calls == [1, 1]


def _zkey_with_h_point_negated(path):
    """demo.zkey with the y of its H point #5 negated: still on the curve, so the key
    validates, but no longer the key of demo.zkey's verifying key."""
    import struct
    from verifier.curve import Q
    d = bytearray(open(f"{V}/demo.zkey", "rb").read())
    pos = 12
    for _ in range(struct.unpack_from("<I", d, 8)[0]):
        kind, size = struct.unpack_from("<IQ", d, pos)
        pos += 12
        if kind == 9:                       # the H points (G1, 64 bytes each, x then y)
            o = pos + 5 * 64 + 32
            d[o:o + 32] = (Q - int.from_bytes(d[o:o + 32], "little")).to_bytes(32, "little")
        pos += size
    path.write_bytes(bytes(d))


def test_a_key_changed_on_the_curve_writes_no_proof_even_with_its_r1cs(tmp_path):
    """The witness checks out against every constraint (the .r1cs is the circuit's), the key
    validates (every point on its curve), yet the proof would be invalid: the self-check
    refuses it and nothing is written (found by an adversarial review)."""
    _zkey_with_h_point_negated(tmp_path / "demo.zkey")
    shutil.copy(f"{V}/demo.r1cs", tmp_path / "demo.r1cs")
    code, out = run("prove", tmp_path / "demo.zkey", f"{V}/demo.wtns", tmp_path / "p.json", tmp_path / "q.json")
    assert code == 2 and out.startswith("error: the proof does not verify") and len(out.splitlines()) == 1
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "q.json").exists()


def test_proof_and_public_inputs_are_written_together_or_not_at_all(tmp_path):
    code, out = run("prove", f"{V}/demo.zkey", f"{V}/demo.wtns", tmp_path / "p.json", tmp_path / "no" / "q.json")
    assert code == 2 and out.startswith("error:")
    assert sorted(os.listdir(tmp_path)) == []


def test_output_paths_are_never_confused_with_temporary_files(tmp_path, monkeypatch):
    """Temporary files get unique names (a planted link is never written through), and a
    proof and its public inputs may not name one file (found by an adversarial review)."""
    monkeypatch.chdir(tmp_path)
    args = (f"{V}/demo.zkey", f"{V}/demo.wtns")
    os.symlink(tmp_path / "victim", tmp_path / "p.json.tmp")
    code, out = run("prove", *args, "p.json", "q.json")
    assert code == 0 and not (tmp_path / "victim").exists()
    assert json.load(open("p.json"))["protocol"] == "groth16" and isinstance(json.load(open("q.json")), list)
    assert oct(os.stat("p.json").st_mode & 0o777) == oct(0o666 & ~_umask())
    code, out = run("prove", *args, "a.tmp", "a")
    assert code == 0 and json.load(open("a.tmp"))["protocol"] == "groth16" and isinstance(json.load(open("a")), list)
    for same in (("x.json", "x.json"), ("x.json", "./x.json")):
        code, out = run("prove", *args, *same)
        assert code == 2 and "name the same file" in out and not os.path.exists("x.json")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_key_or_circuit_that_is_no_regular_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = (f"{V}/demo.wtns", tmp_path / "p.json", tmp_path / "q.json")
    for extra in ([fifo, *args], ["/dev/zero", *args], [f"{V}/demo.zkey", *args, "--r1cs", fifo],
                  [f"{V}/demo.zkey", *args, "--r1cs", "/dev/zero"]):
        code, out = run("prove", *extra)
        assert code == 2 and "is not a regular file" in out, out
    code, out = run("export-vk", fifo, tmp_path / "vk.json")
    assert code == 2 and "is not a regular file" in out


def test_timings_report_where_the_time_went(tmp_path):
    res = CliRunner().invoke(main, ["groth16", "prove", f"{V}/demo.zkey", f"{V}/demo.wtns",
                                   str(tmp_path / "p"), str(tmp_path / "q"), "--timings"])
    assert res.exit_code == 0, res.output
    t = json.loads(res.stderr.strip().splitlines()[-1])
    assert {"key_s", "prove_s", "stages", "key_validated"} <= set(t) and "msm_b2_s" in t["stages"]
