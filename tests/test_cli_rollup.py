"""`zkrollup setup | prove | verify | state | demo`: the happy paths on a small deployment
(N = 2, tiny depths, the test process's key) and bad input: exit 2, one line, nothing written."""
import json
import os

import pytest
from click.testing import CliRunner

from zkrollup.cli import main
from zkrollup.ops import BUY, SELL, Withdraw

from operator_helpers import ADDR, ACC_DEPTH, K, N, ORD_DEPTH, S, deploy, fund, session_keys
from rollup_helpers import KEYS, USD, order


def run(*args):
    res = CliRunner().invoke(main, [*map(str, args)])
    return res.exit_code, res.output


def one_line_error(code, out):
    lines = [l for l in out.splitlines() if l.strip()]
    return code == 2 and len(lines) == 1 and lines[0].startswith("error:")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A deployment with two accepted batches exported as batch files (and proofs)."""
    d = tmp_path_factory.mktemp("cli") / "rollup"
    dep = deploy(d, export_dir=d / "batches")
    for a in (3, 4):
        fund(dep, a)
    op = dep.operator
    op.sync()
    mark = op.state.oracle.mark[0]
    op.submit(order(3, SELL, 5, mark, 1))
    op.submit(order(4, BUY, 2, mark, 1))
    op.submit(Withdraw.create(KEYS[4], 4, 3 * USD, 0, ADDR[4]))
    op.flush()
    assert dep.contract.batch_number == 2
    dep.close()
    return d


def keys_dir():
    return session_keys().dir


def test_setup_finds_the_cached_key_and_refuses_bad_sizes(tmp_path):
    code, out = run("setup", "-n", N, "--acc-depth", ACC_DEPTH, "--ord-depth", ORD_DEPTH, "-k", K,
                    "--scenarios", S, "--keys-dir", keys_dir())
    assert code == 0 and "already cached" in out, out
    for bad in (["-n", 0], ["--acc-depth", 99], ["--ord-depth", 0], ["-k", 17], ["--scenarios", 0]):
        code, out = run("setup", *bad, "--dir", tmp_path / "d")
        assert one_line_error(code, out), out
    assert not (tmp_path / "d").exists()


def test_prove_and_verify_an_exported_batch_file(deployment, tmp_path):
    src = deployment / "batches" / "batch_000002.msgpack"
    bf = tmp_path / "b.msgpack"
    bf.write_bytes(src.read_bytes())
    code, out = run("prove", bf, "--keys-dir", keys_dir())
    assert code == 0 and "constraints" in out, out
    code, out = run("verify", bf, "--keys-dir", keys_dir())
    assert code == 0 and out.startswith("OK"), out
    # the operator's own proof of the same batch verifies too
    code, out = run("verify", src, "--keys-dir", keys_dir())
    assert code == 0, out
    # a public input that is not the batch's commitment: exit 1
    pub = tmp_path / "b.public.json"
    pub.write_text(json.dumps([str(int(json.loads(pub.read_text())[0]) + 1)]))
    code, out = run("verify", bf, "--keys-dir", keys_dir())
    assert code == 1 and "INVALID" in out, out


def test_verify_rechecks_every_batch_the_contract_accepted(deployment):
    code, out = run("verify", "--dir", deployment)
    assert code == 0, out
    assert [l.split(":")[0] for l in out.splitlines()] == ["batch 1", "batch 2"]


def test_state_shows_accounts_margin_and_l1(deployment):
    code, out = run("state", "--dir", deployment)
    assert code == 0, out
    assert "state after batch 2" in out and "L1: batch 2, root matches" in out
    code, out = run("state", "--dir", deployment, "--account", 4)
    assert code == 0 and "initial margin" in out and "nonce    1" in out, out
    code, out = run("state", "--dir", deployment, "--account", 9)
    assert one_line_error(code, out), out


def test_bad_input_is_one_line_and_exit_2_with_nothing_written(tmp_path, deployment):
    junk = tmp_path / "junk.msgpack"
    junk.write_bytes(os.urandom(100))
    notbatch = tmp_path / "x.msgpack"
    notbatch.write_bytes(b"\x81\xa1a\x01")                 # {"a": 1}
    cases = [
        ("prove", tmp_path / "missing.msgpack", "--keys-dir", keys_dir()),
        ("prove", junk, "--keys-dir", keys_dir()),
        ("prove", notbatch, "--keys-dir", keys_dir()),
        ("prove", deployment / "batches" / "batch_000001.msgpack", "--keys-dir", tmp_path / "nokeys"),
        ("verify", junk, "--keys-dir", keys_dir()),
        ("verify", "--dir", tmp_path / "nothing"),
        ("state", "--dir", tmp_path / "nothing"),
        ("demo", "--batch-size", 0, "--dir", tmp_path / "demo"),
        ("demo", "--acc-depth", 40, "--dir", tmp_path / "demo"),
    ]
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in cases:
        code, out = run(*args)
        assert one_line_error(code, out), (args, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / "nokeys").exists()


def test_demo_refuses_a_directory_that_is_not_a_demo(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "important.txt").write_text("keep me")
    code, out = run("demo", "--dir", d)
    assert one_line_error(code, out), out
    assert sorted(p.name for p in d.iterdir()) == ["important.txt"]


@pytest.mark.slow
def test_the_demo_runs_end_to_end(tmp_path):
    """The README's main job at a smaller depth (about a minute once keys are cached)."""
    code, out = run("demo", "--dir", tmp_path / "demo", "-n", 4, "--acc-depth", 6, "--ord-depth", 4, "-q")
    assert code == 0, out
    assert out.count("[ok]") == 6 and "FAILED" not in out


@pytest.mark.parametrize("command", ["verify", "state"])
@pytest.mark.parametrize("damage", ["garbage", "empty", "directory"])
def test_views_refuse_a_damaged_store_with_exit_2_and_write_nothing(tmp_path, command, damage):
    from click.testing import CliRunner
    from zkrollup.cli import main
    from zkrollup.deployment import CONTRACT_FILE, OPERATOR_FILE
    d = tmp_path / "dep"
    d.mkdir()
    for name in (CONTRACT_FILE, OPERATOR_FILE):
        p = d / name
        if damage == "directory":
            p.mkdir()
        else:
            p.write_bytes(b"" if damage == "empty" else b"\x13not a database" * 50)
    before = {p.name: (p.is_dir() or p.read_bytes()) for p in d.iterdir()}
    res = CliRunner().invoke(main, [command, "--dir", str(d)])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("error:") and len(res.output.strip().splitlines()) == 1
    assert {p.name: (p.is_dir() or p.read_bytes()) for p in d.iterdir()} == before
