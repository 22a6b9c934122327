"""Crash and restart: the operator dies at every named point of its pipeline (an exception
from its fault hook, after which the object is abandoned with whatever its SQLite files
hold), is reopened from its directory and the contract's file, and finishes the same
script. The result must equal an uninterrupted run: same root and accounts, every request
applied exactly once, every withdrawal paid exactly once. One process is also killed with
SIGKILL at a named point (one point in the default run, two more with -m slow)."""
import os
import signal
import subprocess
import sys

import pytest

from zkrollup.l1data import rebuild_from_l1
from zkrollup.ops import BUY, SELL, Withdraw

from operator_helpers import ADDR, Clock, crashed, deploy, fund, genesis, reopen, table
from rollup_helpers import DID, KEYS, SPOT, T0, USD, order

STEPS = ["fund", "sync", "sell", "buy", "wd4", "reprice", "buy2", "wd5", "flush"]
POINTS = ("inbox-written", "journal-before-commit", "proved", "submitted", "before-state-commit")


class Crash(Exception):
    pass


def script(dep, steps_done: list):
    """The user-side script, resumable: steps already done (acknowledged) are skipped."""
    op = dep.operator
    mark = 4_000_000

    def step(name, fn):
        if name in steps_done:
            return
        fn()
        steps_done.append(name)

    step("fund", lambda: [fund(dep, a) for a in (3, 4, 5)])
    step("sync", lambda: op.flush())
    step("sell", lambda: op.submit(order(3, SELL, 10, mark, 1)))
    step("buy", lambda: op.submit(order(4, BUY, 6, mark, 1)))
    step("wd4", lambda: op.submit(Withdraw.create(KEYS[4], 4, 5 * USD, 0, ADDR[4], DID)))
    step("reprice", lambda: reprice(dep))
    step("buy2", lambda: op.submit(order(5, BUY, 3, mark, 1)))
    step("wd5", lambda: op.submit(Withdraw.create(KEYS[5], 5, 2 * USD, 0, ADDR[5], DID)))
    step("flush", lambda: op.flush())


def reprice(dep):
    """The oracle publishes a new table (the open batch is sealed under the old one)."""
    dep.clock.t += 60
    dep.oracle.publish(table(spot=SPOT * 101 // 100, ts=dep.clock.t), now=dep.clock.t)


def outcome(dep):
    op, c = dep.operator, dep.contract
    return (op.l1_state.fingerprint(), c.state_root, c.batch_number, c.l1_balance(ADDR[4]),
            c.l1_balance(ADDR[5]), op.book.to_obj())


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    d = deploy(tmp_path_factory.mktemp("ref") / "r")
    script(d, [])
    out = outcome(d)
    d.close()
    return out


@pytest.mark.parametrize("point", POINTS)
def test_a_crash_at_any_point_loses_nothing(tmp_path, point, reference):
    clock = Clock()
    hits = {"n": 0}

    def fault(p):
        if p == point:
            hits["n"] += 1
            if hits["n"] == 2:              # the second time the point is reached
                raise Crash(p)

    d = deploy(tmp_path / "r", clock, fault=fault)
    done: list = []
    with pytest.raises(Crash):
        script(d, done)
    # the process is gone: drop everything in memory (connections are just abandoned)
    crashed(d)
    d = reopen(tmp_path / "r", clock)
    if point == "inbox-written":
        # the request was durable before the crash: recovery processed it, the user (who got
        # no answer) must not send it again; here: treat the step as done
        done.append(STEPS[len(done)])
    script(d, done)
    assert outcome(d) == reference
    assert d.contract.l1_balance(ADDR[4]) == 5 * USD and d.contract.l1_balance(ADDR[5]) == 2 * USD
    assert rebuild_from_l1(d.contract, genesis()).root == d.contract.state_root
    d.close()


CHILD = r"""
import os, signal, sys
sys.path.insert(0, {tests!r})
from operator_helpers import Clock, deploy
from test_operator_crash import script
hits = [0]

def fault(p):
    if p == {point!r}:
        hits[0] += 1
        if hits[0] == 2:
            os.kill(os.getpid(), signal.SIGKILL)

done = []
class Log(list):
    def append(self, name):
        super().append(name)
        with open({log!r}, "a") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())

d = deploy({path!r}, Clock(), fault=fault)
script(d, Log())
"""


@pytest.mark.parametrize("point", [pytest.param("journal-before-commit", marks=pytest.mark.slow), "submitted",
                                   pytest.param("before-state-commit", marks=pytest.mark.slow)])
def test_sigkill_at_a_point_loses_nothing(tmp_path, point, reference):
    """The same, with a real process death (SIGKILL at the fault point: no unwinding, no
    clean-up); the restarted script retries the step that was cut short."""
    from operator_helpers import session_keys
    from zkrollup.errors import RollupError
    path, log = str(tmp_path / "r"), str(tmp_path / "steps.log")
    tests = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "ZKROLLUP_TEST_KEYS": str(session_keys().dir)}
    p = subprocess.run([sys.executable, "-c", CHILD.format(tests=tests, path=path, point=point, log=log)],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == -signal.SIGKILL, p.stderr[-2000:]
    done = open(log).read().split()
    d = reopen(path, Clock(T0 + 60 if "reprice" in done else T0))
    try:
        script(d, done)
    except (RollupError, ValueError):         # the cut step was applied already: a retry is refused
        done.append(STEPS[len(done)])
        script(d, done)
    assert outcome(d) == reference
    d.close()


@pytest.mark.parametrize("copy", ["as sent", "dirty padding"])
def test_a_batch_somebody_else_sends_first_is_adopted_not_fatal(tmp_path, reference, copy):
    """A batch's calldata and proof are public once sent: a watcher may land the operator's
    own batch first (front-running it), as sent or re-encoded with a dirty padding byte the
    contract's decoder ignores, after which the operator's transaction reverts. The operator
    finds its batch accepted and adopts it; the run ends as an uninterrupted one."""
    from verifier.evm import address_of
    from verifier.l1_client import proof_words
    from zkrollup.keyfiles import proof_for_verifier
    from test_l1_relayed_calls import padded
    d = deploy(tmp_path / "r", Clock())
    watcher = address_of("watcher")
    d.chain.fund(watcher, 10**18)
    sub, first = d.operator.submitter, []
    own_submit = sub.submit

    def front_run(sb, cd, now, proved):
        if not first:
            proof = proof_for_verifier(proved.proof)
            if copy == "as sent":
                d.contract.submit_batch(cd, proof, now=now, sender=watcher)
            else:
                rollup = d.contract.rollup
                raw = rollup.encode("submit_batch", *d.contract._batch_args(cd), proof_words(proof))
                d.chain.transact(watcher, rollup.address, padded(raw, rollup, "submit_batch", 2))
            first.append(sb.batch_number)
        return own_submit(sb, cd, now, proved)

    sub.submit = front_run
    script(d, [])
    assert first and outcome(d) == reference
    assert rebuild_from_l1(d.contract, genesis()).root == d.contract.state_root
    d.close()
