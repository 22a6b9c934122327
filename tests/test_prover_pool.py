"""The prover pool (zkrollup.operator.pool, dask_pool, pool_worker): batches proved
concurrently by Dask workers and accepted by L1 strictly in batch order; a worker killed
mid-proof; an operator restarted with proofs in flight; a pool on a scheduler and worker
the test starts itself; a worker returning bad proofs; the key loaded from a path or from
bytes sent once.

The operator tests' genesis (tests/operator_helpers.py: account depth 4, K = 3, S = 2) with
batches of one operation (29,653 constraints: proofs take half the time of N = 2), one
embedded LocalCluster of two workers for the module."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from distributed.comm import CommClosedError

from zkrollup.errors import OperatorError
from zkrollup.l1data import rebuild_from_l1
from zkrollup.operator import pool_worker
from zkrollup.operator.dask_pool import DaskProverPool
from zkrollup.operator.pool import InProcessPool, make_pool, proof_problem
from zkrollup.ops import Withdraw

from zkrollup.deployment import Deployment
from zkrollup.keycache import KeyCache
from zkrollup.units import batch_shape

from operator_helpers import (ACC_DEPTH, ADDR, K, ORD_DEPTH, POISON, S, Clock, crashed, fund, genesis,
                              poison_withdrawals, table)
from rollup_helpers import DID, KEYS, USD

SEED = b"zkrollup prover pool tests"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")


def wait_for(what, timeout=120.0, every=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = what()
        except (OSError, TimeoutError, CommClosedError):
            value = None              # a worker closing or restarting: ask again
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def shape():
    return batch_shape(1, ACC_DEPTH, ORD_DEPTH, K, S)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    k = KeyCache(tmp_path_factory.mktemp("keys"))
    k.ensure(shape(), seed=SEED)
    return k


def deploy1(workdir, keys, clock=None, **kw) -> Deployment:
    """A new deployment with batches of one operation and table 1 published."""
    clock = clock or Clock()
    dep = Deployment.create(workdir, genesis(), 1, keys=keys, clock=clock, setup_seed=SEED, **kw)
    dep.clock = clock
    dep.oracle.publish(table(ts=clock.t), now=clock.t)
    return dep


@pytest.fixture(scope="module")
def pool(keys):
    p = DaskProverPool(2)
    yield p
    p.close()


class Spy:
    """Wraps a pool: records every proof handed out; `held` batch numbers look not ready."""

    def __init__(self, inner):
        self.inner, self.proved, self.held = inner, {}, set()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def ready(self, sb):
        return sb.batch_number not in self.held and self.inner.ready(sb)

    def result(self, sb):
        p = self.inner.result(sb)
        self.proved[sb.batch_number] = p
        return p


def accepted_numbers(contract):
    return [b["batch_number"] for b in contract.accepted_batches()]


def test_two_workers_prove_a_run_of_batches_concurrently_and_l1_accepts_them_in_order(tmp_path, keys, pool):
    spy = Spy(pool)
    dep = deploy1(tmp_path / "r", keys, pool=spy)
    op, c = dep.operator, dep.contract
    for a in range(3, 7):                            # 4 deposits: 4 batches
        fund(dep, a)
    spy.held.add(1)
    op.sync()
    op.pump()
    assert [sb.batch_number for sb in op.sealed] == [1, 2, 3, 4] and pool.in_flight() == [1, 2, 3, 4]
    wait_for(lambda: all(pool.ready(sb) for sb in op.sealed), timeout=300)
    assert op.pump() == [] and c.batch_number == 0   # 2..4 are proved, but 1 is not (held): nothing goes
    spy.held.clear()
    reports = op.pump()
    assert [r.batch_number for r in reports] == [1, 2, 3, 4] and accepted_numbers(c) == [1, 2, 3, 4]
    assert c.state_root == op.l1_state.root == op.state.root and not op.sealed
    proved = spy.proved
    assert len({p.worker for p in proved.values()}) == 2
    spans = sorted((p.started_at, p.finished_at) for p in proved.values())
    assert any(s2 < e1 for (_, e1), (s2, _) in zip(spans, spans[1:])), spans    # proofs overlapped
    dep.close()


def test_a_worker_killed_mid_proof_costs_time_not_the_batch(tmp_path, keys, pool):
    spy = Spy(pool)
    dep = deploy1(tmp_path / "r", keys, pool=spy)
    op, c = dep.operator, dep.contract
    fund(dep, 3)
    seen = len(pool.worker_events())
    op.sync()
    op.pump()
    start = wait_for(lambda: next((e for e in pool.worker_events()[seen:]
                                   if e["event"] == "start" and e["batch"] == 1), None))
    time.sleep(0.3)                                  # well inside the proof (solving alone takes longer)
    os.kill(start["pid"], signal.SIGKILL)
    reports = op.flush()
    assert [r.batch_number for r in reports] == [1] and accepted_numbers(c) == [1]
    assert spy.proved[1].worker != start["worker"]
    assert c.state_root == op.l1_state.root
    dep.close()
    # the embedded cluster's nanny restarts the dead worker, which loads the key again
    wait_for(lambda: len(pool.worker_pids()) == 2 and start["pid"] not in pool.worker_pids().values(),
             timeout=300, every=1)


class Crash(Exception):
    pass


def crash_script(op, dep):
    """Two batches: a deposit into 4, then its withdrawal."""
    fund(dep, 4)
    op.sync()
    op.pump()
    op.submit(Withdraw.create(KEYS[4], 4, 5 * USD, 0, ADDR[4], DID))
    op.flush()


def test_an_operator_restarted_with_proofs_in_flight_loses_nothing(tmp_path, keys, pool):
    # what the batches must reach: the same script on an operator that never proves
    ref = deploy1(tmp_path / "ref", keys, auto_prove=False)
    crash_script(ref.operator, ref)
    ref.operator.seal()
    expected = ref.operator.state.fingerprint()
    ref.close()

    address = pool.cluster.scheduler_address
    at_crash = {}
    first = DaskProverPool(scheduler=address)

    def fault(point):
        if point == "proved" and not at_crash:
            at_crash["in_flight"] = first.in_flight()
            raise Crash(point)

    clock = Clock()
    dep = deploy1(tmp_path / "r", keys, clock, fault=fault, pool=first)
    with pytest.raises(Crash):
        crash_script(dep.operator, dep)
    assert at_crash["in_flight"] == [2]             # batch 1 proved, batch 2 still proving
    crashed(dep)                                    # the process is gone, with its L1 file lock
    first.client.close()                            # and its Dask client
    second = DaskProverPool(scheduler=address)
    try:
        dep = Deployment.open(tmp_path / "r", keys=keys, clock=clock, pool=second)
        dep.operator.flush()
        c = dep.contract
        assert accepted_numbers(c) == [1, 2]
        assert dep.operator.l1_state.fingerprint() == expected
        assert c.l1_balance(ADDR[4]) == 5 * USD                 # paid exactly once
        assert rebuild_from_l1(c, genesis()).root == c.state_root
        assert dep.operator.journal.new_requests() == []
        dep.close()
    finally:
        second.close()


@pytest.fixture
def poisoned(monkeypatch):
    """Withdrawals of POISON unprovable (operator_helpers.poison_withdrawals); the corrupted
    input travels to the worker that proves it. Proving in this process would be a test
    bug: it raises."""
    from zkrollup.operator.proving import BatchProver

    def no_local_proof(self, sb):
        raise AssertionError("a batch was proved in the operator's process, not by the pool")

    poison_withdrawals(monkeypatch)
    monkeypatch.setattr(BatchProver, "prove", no_local_proof)


class Recorder(Spy):
    """A Spy that also keeps the errors the pool raised."""

    def __init__(self, inner):
        super().__init__(inner)
        self.errors = []

    def result(self, sb):
        try:
            return super().result(sb)
        except Exception as e:
            self.errors.append(e)
            raise


def test_a_batch_unprovable_on_a_worker_is_rebuilt_without_the_operation_and_later_batches_go_on(
        tmp_path, keys, pool, poisoned):
    from zkrollup.operator.proving import UnprovableBatch
    rec = Recorder(pool)
    dep = deploy1(tmp_path / "r", keys, pool=rec)
    op, c = dep.operator, dep.contract
    fund(dep, 3)
    fund(dep, 4)
    op.sync()
    op.flush()
    assert accepted_numbers(c) == [1, 2]
    rec.held.add(3)                                                      # pump must not take it yet
    op.submit(Withdraw.create(KEYS[3], 3, POISON, 0, ADDR[3], DID))      # batch 3: unprovable
    op.submit(Withdraw.create(KEYS[4], 4, 7 * USD, 0, ADDR[4], DID))     # batch 4, in flight beside it
    assert [sb.batch_number for sb in op.sealed] == [3, 4] and pool.in_flight() == [3, 4]
    assert c.batch_number == 2
    rec.held.clear()
    op.flush()
    (err,) = rec.errors                      # the worker's verdict, as the worker raised it
    assert type(err) is UnprovableBatch and err.batch_number == 3 and err.slot == 0
    assert err.constraint.startswith("slot0.")
    # batch 3 rebuilt without the refused withdrawal: the other one, proved and accepted
    # refused, rebuilt from the accepted state (as in-process), the other withdrawal open again
    assert accepted_numbers(c) == [1, 2] and not op.sealed and op.open_batch_size() == 1
    op.flush()
    assert accepted_numbers(c) == [1, 2, 3] and not op.sealed
    assert c.l1_balance(ADDR[3]) == 0 and c.l1_balance(ADDR[4]) == 7 * USD
    errors = [json.loads(r[1])["error"] for seq in range(1, 10) if (r := op.request_result(seq)) and
              r[0] == "rejected"]
    assert len(errors) == 1 and errors[0].startswith(
        "Unprovable: the batch circuit cannot prove this withdraw (batch 3, slot 0: constraint 'slot0.")
    op.submit(Withdraw.create(KEYS[3], 3, 1 * USD, 0, ADDR[3], DID))     # a later batch: accepted
    op.flush()
    assert accepted_numbers(c) == [1, 2, 3, 4] and c.l1_balance(ADDR[3]) == 1 * USD
    assert c.state_root == op.l1_state.root == op.state.root and op.state.account(3).nonce == 1
    assert rebuild_from_l1(c, genesis()).root == c.state_root
    assert len(rec.proved) == 4
    dep.close()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A Dask scheduler and one worker (`dask scheduler`, `dask worker`) run by the test."""
    d = tmp_path_factory.mktemp("dask")
    sfile, log = d / "scheduler.json", open(d / "dask.log", "w")
    tests = os.path.dirname(os.path.abspath(__file__))      # both unpickle pool_helpers' task
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))}
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sfile)], stdout=log, stderr=log, env=env)]
    try:
        address = wait_for(lambda: sfile.exists() and json.loads(sfile.read_text() or "{}").get("address"),
                           timeout=120)
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                                       "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                      stdout=log, stderr=log, env=env))
        from distributed import Client
        with Client(address, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def test_a_pool_on_a_scheduler_the_test_started_refuses_a_bad_worker_proof_and_proves_again(tmp_path, keys,
                                                                                            scheduler):
    import pool_helpers
    lines = []
    p = make_pool(scheduler=scheduler, echo=lines.append)
    p.task = pool_helpers.lying_prove_task           # every first attempt returns a wrong proof
    try:
        dep = deploy1(tmp_path / "r", keys, pool=p)
        fund(dep, 3)
        reports = dep.operator.flush()
        assert [r.batch_number for r in reports] == [1] and accepted_numbers(dep.contract) == [1]
        assert any("returned a bad proof (the proof does not verify)" in line for line in lines), lines
        assert lines[0].startswith("[provers] 1 worker process (scheduler ")
        dep.close()
    finally:
        p.close()


def test_a_bad_proof_is_named_and_a_good_one_passes():
    """`proof_problem`, the check every pool runs on a proof before handing it out, on a
    tiny circuit (one public input, as the batch circuit has)."""
    from types import SimpleNamespace
    from circuits.cs import solve_circuit
    from prover.groth16 import prove
    from prover.setup import setup
    from zkrollup.keyfiles import vk_from_pk

    def square(cs, x=None):
        y = cs.public("y", None if x is None else x * x)
        xv = cs.witness("x", x)
        cs.enforce(xv, xv, y, name="square")

    r1cs, wit = solve_circuit(square, 7)
    pk = setup(r1cs, seed=b"pool test")
    vk = vk_from_pk(pk)
    sealed = lambda public_input: SimpleNamespace(public_input=lambda: public_input)
    proved = SimpleNamespace(proof=prove(pk, wit))
    assert proof_problem(sealed(49), proved, vk) is None
    assert proof_problem(sealed(50), proved, vk) == "its public input is not the batch's"
    p = proved.proof
    p.a, p.c = p.c, p.a
    assert proof_problem(sealed(49), proved, vk) == "the proof does not verify"
    p.a = (1, 3)                                    # not on the curve
    assert proof_problem(sealed(49), proved, vk).startswith("malformed proof (proof.a")


def test_a_worker_loads_the_key_from_its_path_or_from_bytes_sent_once(tmp_path, monkeypatch, keys):
    path = keys.path(shape())
    ref = pool_worker.key_ref(path, shape().key())
    monkeypatch.setattr(pool_worker, "_KEYS", {})
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert pool_worker.key_for(ref).n_constraints == keys.get(shape()).n_constraints
    elsewhere = pool_worker.KeyRef(str(tmp_path / "not-here.pk"), ref.sha256, ref.shape_key, ref.size)
    monkeypatch.setattr(pool_worker, "_KEYS", {})
    with pytest.raises(pool_worker.KeyUnavailable, match="cannot read the proving key .*ship_key"):
        pool_worker.key_for(elsewhere)
    with pytest.raises(pool_worker.KeyUnavailable, match="do not have the expected SHA-256"):
        pool_worker.key_for(elsewhere, payload=path.read_bytes()[:-1] + b"\0")
    pk = pool_worker.key_for(elsewhere, payload=path.read_bytes())
    assert pk.n_constraints == keys.get(shape()).n_constraints
    assert (tmp_path / "zkrollup-worker-keys" / f"{ref.sha256}.pk").read_bytes() == path.read_bytes()
    assert pool_worker.key_for(elsewhere) is pk       # cached by hash: never loaded twice


def test_make_pool_refuses_contradictory_choices_and_zero_means_in_process():
    assert isinstance(make_pool(0), InProcessPool)
    with pytest.raises(ValueError, match="not both"):
        make_pool(2, "tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="0 \\(in-process\\) or more"):
        make_pool(-1)


def test_an_unreachable_scheduler_is_one_clear_error():
    with pytest.raises(OperatorError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskProverPool(scheduler="tcp://127.0.0.1:9", connect_timeout_s=2)


def test_the_demo_refuses_contradictory_pool_options_in_one_line_writing_nothing(tmp_path):
    from click.testing import CliRunner
    from zkrollup.cli import main
    d = tmp_path / "demo"
    for args in (["--provers", "2", "--scheduler", "tcp://127.0.0.1:8786"], ["--provers", "-1"]):
        res = CliRunner().invoke(main, ["demo", "--dir", str(d), *args])
        lines = [line for line in res.output.splitlines() if line.strip()]
        assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error:"), res.output
        assert not d.exists()
