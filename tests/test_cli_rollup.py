"""`zkrollup setup | prove | verify | state | demo`: the happy paths on a small deployment
(N = 2, tiny depths, the test process's key) and bad input: exit 2, one line, nothing written."""
import json
import os

import pytest
from click.testing import CliRunner

from zkrollup.cli import main
from zkrollup.ops import BUY, SELL, Withdraw

from operator_helpers import ADDR, ACC_DEPTH, K, N, ORD_DEPTH, S, deploy, fund, session_keys
from rollup_helpers import DID, KEYS, USD, order


def run(*args):
    res = CliRunner().invoke(main, [*map(str, args)])
    return res.exit_code, res.output


@pytest.fixture(autouse=True)
def _empty_working_directory(tmp_path, monkeypatch):
    """Every command runs from an empty directory: the default --dir (./zkrollup-demo) left by
    a `zkrollup demo` in the checkout (the README's first command) must not be what a test
    without --dir sees."""
    monkeypatch.chdir(tmp_path)


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
    op.submit(Withdraw.create(KEYS[4], 4, 3 * USD, 0, ADDR[4], DID))
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


def _edited(src, tmp_path, name, edit):
    """A copy of batch file `src` (with its proof and public input) after `edit(BatchFile)`."""
    import shutil
    from zkrollup.batchfile import BatchFile
    bf = BatchFile.read(src)
    edit(bf)
    out = tmp_path / f"{name}.msgpack"
    bf.write(out)
    for suffix in (".proof.json", ".public.json"):
        shutil.copy(src.with_suffix(suffix), out.with_suffix(suffix))
    return out


def test_verify_recomputes_the_public_input_and_says_invalid_for_any_edit(deployment, tmp_path):
    """Batch 2 holds a trade and a withdrawal of 3 USD to ADDR[4]. Every edit of its
    records (amount, L1 address, fee rate), roots, chain value, circuit input or batch
    number makes `verify` say INVALID (exit 1), as L1 would refuse it."""
    import dataclasses
    from circuits.spec.records import decode_record, encode_record
    src = deployment / "batches" / "batch_000002.msgpack"
    code, out = run("verify", src, "--dir", deployment, "--keys-dir", keys_dir())
    assert code == 0 and out.startswith("OK: batch 2"), out

    def record(i, **change):
        def edit(bf):
            r = decode_record(bf.calldata.records[i])
            recs = list(bf.calldata.records)
            recs[i] = encode_record(r.op, **{**r.fields, **change})
            bf.calldata = dataclasses.replace(bf.calldata, records=tuple(recs))
        return edit

    def calldata(**change):
        def edit(bf):
            bf.calldata = dataclasses.replace(bf.calldata, **change)
        return edit

    def slot_amount(bf):
        bf.circuit_input.slots[1].amount += 1

    def prio(bf):
        bf.prio_new ^= 1

    edits = {"amount": record(1, amount=3 * USD + 1), "l1_address": record(1, l1_address=ADDR[5]),
             "fee_rate": record(0, taker_fee_rate=1), "new_root": calldata(new_root=12345),
             "batch_number": calldata(batch_number=3), "prio_new": prio, "input": slot_amount}
    for name, edit in edits.items():
        f = _edited(src, tmp_path, name, edit)
        code, out = run("verify", f, "--dir", deployment, "--keys-dir", keys_dir())
        assert code == 1 and out.startswith("INVALID") and str(f) in out, (name, out)


def test_verify_rechecks_every_batch_the_contract_accepted(deployment):
    code, out = run("verify", "--dir", deployment)
    assert code == 0, out
    lines = out.splitlines()
    assert [l.split(":")[0] for l in lines[:2]] == ["batch 1", "batch 2"] and "valid" in lines[0]
    assert lines[2].startswith("2 batches checked in") and len(lines) == 3


def test_state_shows_accounts_margin_and_l1(deployment):
    code, out = run("state", "--dir", deployment)
    assert code == 0, out
    assert "state after batch 2" in out and "L1: batch 2, root matches" in out
    code, out = run("state", "--dir", deployment, "--account", 4)
    assert code == 0 and "initial margin" in out and "nonce    1" in out, out
    assert "maintenance margin" in out and "equity at mark" in out and "binding scenario" in out, out
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
    cases += [("verify", tmp_path, "--keys-dir", keys_dir()), ("prove", tmp_path, "--keys-dir", keys_dir()),
              ("verify", "/dev/zero", "--keys-dir", keys_dir()),
              ("verify", deployment / "batches" / "batch_000001.msgpack", "--proof", tmp_path,
               "--keys-dir", keys_dir())]
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
def test_setup_then_the_demo_in_the_same_directory_runs_end_to_end_in_story_order(tmp_path):
    """The README's main job at a smaller depth, after `zkrollup setup` made its key in the
    same directory (a few minutes: one key setup, seven proofs)."""
    d = tmp_path / "demo"
    sizes = ("-n", 4, "--acc-depth", 6, "--ord-depth", 4)
    code, out = run("setup", *sizes, "--dir", d, "--seed", "test")
    assert code == 0, out
    code, out = run("demo", "--dir", d, *sizes, "-q", "--report", tmp_path / "report.json")
    assert code == 0, out
    assert "proving key found in the cache" in out
    assert out.count("[ok]") == 9 and "FAILED" not in out
    # the risk lifecycle: a partial liquidation by carol, then the insurance fund's backstop
    assert "(partial): carol takes 4 FUTURE" in out and "(partial): the insurance fund takes 2 FUTURE" in out
    risk = json.loads((tmp_path / "report.json").read_text())["risk"]
    assert (risk["partial_liquidations"], risk["backstop_takeovers"]) == (2, 1)
    # carol's forced close through L1: queued from the address that owns her account (L1's
    # owner registry, learnt from her deposit), served by the next batch
    assert "carol queues a forced close on L1" in out and " fclose" in out
    assert risk["forced_closes_served"] == 1 and risk["forced_closes"][0]["account"] == 6
    # the fund ends under water (proven by the batches); the last exits are paid pro rata
    loss = risk["socialised_loss"]
    assert loss["fund_deficit"] > 0 and loss["retained"] > 0 and loss["exits_paid_pro_rata"] >= 1
    assert "L1 pays exits pro rata" in out
    # the solvency outputs: L1's proven total cash is the accounts' cash, its open interest
    # (long = short, proven every batch) the operator's
    sol = risk["solvency_outputs"]
    assert sol["proven_total_cash"] == sol["accounts_cash"] and sol["batches_checked_on_l1"] >= 9
    lines = out.splitlines()
    first_trade_batch = next(i for i, l in enumerate(lines) if l.startswith("  batch ") and " trade" in l)
    assert lines.index("  alice buys 10 CALL 60000: 10 filled") < first_trade_batch


def test_setup_and_demo_defaults_make_and_use_the_same_key():
    from zkrollup.cli_rollup import SIZES
    from zkrollup.demo import Demo, DemoConfig
    from zkrollup.units import batch_shape
    d = {name: spec[1] for name, spec in SIZES.items()}
    setup_shape = batch_shape(d["batch_size"], d["acc_depth"], d["ord_depth"], d["instruments"], d["scenarios"])
    demo_cfg = DemoConfig(d["batch_size"], d["acc_depth"], d["ord_depth"])
    assert Demo("unused", demo_cfg).shape == setup_shape
    assert Demo("unused").shape == setup_shape                 # DemoConfig's own defaults too


def test_the_demo_takes_the_directory_setup_made_and_keeps_its_key(tmp_path, monkeypatch):
    """`zkrollup setup` then `zkrollup demo`, both on the default directory: the demo must
    not refuse the directory setup created (it holds only the key cache)."""
    from zkrollup.cli_rollup import DEFAULT_DIR
    from zkrollup.demo import Demo
    monkeypatch.chdir(tmp_path)
    code, out = run("setup", "-n", 1, "--acc-depth", 3, "--ord-depth", 2, "-k", 1, "--scenarios", 1,
                    "--seed", "test")
    assert code == 0, out
    keys = sorted(p.name for p in (tmp_path / DEFAULT_DIR / "keys").iterdir())
    assert keys
    Demo(DEFAULT_DIR)._prepare_dir()
    assert sorted(p.name for p in (tmp_path / DEFAULT_DIR / "keys").iterdir()) == keys
    (tmp_path / DEFAULT_DIR / "notes.txt").write_text("mine")      # something else: refused again
    (tmp_path / DEFAULT_DIR / "demo.json").unlink()
    with pytest.raises(ValueError, match="not a zkrollup demo directory"):
        Demo(DEFAULT_DIR)._prepare_dir()


def test_a_missing_key_names_dir_and_keys_dir_in_the_same_words_for_prove_and_verify(deployment, tmp_path):
    """`verify` (or `prove`) from another directory finds no key: the hint must lead to the
    directory that holds it, not to making a new key (which would call the valid proof
    INVALID)."""
    bf = deployment / "batches" / "batch_000002.msgpack"
    elsewhere = tmp_path / "elsewhere"
    outs = {}
    for command in ("verify", "prove"):
        code, out = run(command, bf, "--dir", elsewhere)
        assert one_line_error(code, out), out
        assert "--dir" in out and "--keys-dir" in out and "cannot check proofs made with another" in out
        outs[command] = out
    assert outs["verify"] == outs["prove"]
    assert not elsewhere.exists()
    code, out = run("verify", bf, "--dir", deployment.parent / "nowhere", "--keys-dir", tmp_path / "k")
    assert one_line_error(code, out) and f"--keys-dir {tmp_path / 'k'}" in out, out


def test_version():
    import zkrollup
    for flag in ("--version", "-V"):
        code, out = run(flag)
        assert code == 0 and out.strip() == f"zkrollup {zkrollup.__version__}", out


def test_piped_prove_prints_stage_lines_with_elapsed_time_and_nothing_on_stderr(deployment, tmp_path):
    """How the README's commands are usually run: output into a pipe. Progress must show as
    plain stage lines on stdout, and no progress-bar label may leak onto stderr."""
    import re
    import subprocess
    import sys
    bf = tmp_path / "b.msgpack"
    bf.write_bytes((deployment / "batches" / "batch_000001.msgpack").read_bytes())
    p = subprocess.run([sys.executable, "-m", "zkrollup", "prove", str(bf), "--keys-dir", str(keys_dir())],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert re.search(r"^  \[ *\d+\.\d s\] proving: \S", p.stdout, re.M), p.stdout


@pytest.mark.parametrize("command", ["verify", "state"])
@pytest.mark.parametrize("damage", ["garbage", "empty", "directory"])
def test_views_refuse_a_damaged_store_with_exit_2_and_write_nothing(tmp_path, command, damage):
    from click.testing import CliRunner
    from zkrollup.cli import main
    from zkrollup.deployment import L1_CONFIG_FILE, L1_FILE, OPERATOR_FILE
    d = tmp_path / "dep"
    d.mkdir()
    for name in (L1_FILE, L1_CONFIG_FILE, OPERATOR_FILE):
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


def test_stage_lines_print_each_phase_with_the_time_since_the_start():
    from zkrollup.cli_progress import StageLines
    t = [100.0]
    lines = []
    p = StageLines(lines.append, t0=100.0, long_s=5.0, clock=lambda: t[0])
    for when, stage, frac in [(101, "lagrange", 0.0), (102, "G1 points", 0.1), (108, "G1 points", 0.3),
                              (109, "G2 points", 0.75), (120, "done", 1.0),
                              (121, "QAP", 0.05), (122, "MSM A", 0.2), (122.5, "MSM B1", 0.35),
                              (123, "done", 1.0)]:
        t[0] = when
        p(stage, frac)
    assert lines == ["  [    1.0 s] key setup: lagrange", "  [    2.0 s] key setup: G1 points",
                     "  [    9.0 s] key setup: G2 points", "  [   20.0 s] key setup done in 19.0 s",
                     "  [   21.0 s] proving: QAP", "  [   22.0 s] proving: MSMs"]


def test_state_account_says_what_a_liquidation_would_take_from_an_account_failing_maintenance():
    from circuits.spec import liquidation as rule
    from zkrollup.cli_rollup import _margin_lines
    from zkrollup.demo import usd
    from test_backstop import _failing_state
    s = _failing_state()
    acc = s.account(3)
    q = rule.steps_needed(acc.cash, acc.sizes, s.oracle.scen, s.market.liq_bonus_bps, s.market.liq_penalty_bps)
    lines = _margin_lines(s.oracle, acc, [f"slot{k}" for k in range(s.K)], usd, s.market)
    assert lines[-1].startswith(f"  liquidation now    {q}/{rule.LIQ_STEPS} of every position (slot0 ")
    healthy = _margin_lines(s.oracle, s.account(4), [f"slot{k}" for k in range(s.K)], usd, s.market)
    assert not any("liquidation now" in line for line in healthy)
