"""An operation the batch circuit cannot prove never blocks the operator: it finds the
failing slot (by the failing constraint's name, else by bisecting the batch's operations),
refuses that operation to its sender with a clear error, rebuilds the batch without it
and goes on producing accepted batches, also across a crash and restart.

The unprovable operation is made by corrupting one slot of the circuit input (what a
native/circuit disagreement would look like): every Withdraw of `POISON` cash units gets
its circuit amount changed, so its signature no longer verifies in the circuit while the
native state accepted it."""
import json
import shutil

import pytest

from zkrollup.errors import Unprovable
from zkrollup.l1data import rebuild_from_l1
from zkrollup.ops import BUY, SELL, Withdraw
from zkrollup.operator import proving

from operator_helpers import (ADDR, POISON, Clock, copy_of, crashed, funded_deployment, genesis, poison_withdrawals,
                              reopen)
from rollup_helpers import DID, KEYS, USD, order


@pytest.fixture
def poisoned(monkeypatch):
    poison_withdrawals(monkeypatch)


@pytest.fixture(scope="module")
def funded(tmp_path_factory):
    return funded_deployment(tmp_path_factory.mktemp("base") / "rollup")


@pytest.fixture
def dep(funded, tmp_path):
    d = copy_of(funded, tmp_path)
    yield d
    d.close()


def inbox_errors(op) -> dict[int, str]:
    """seq -> error text of every rejected inbox entry."""
    out = {}
    seq = 1
    while (r := op.request_result(seq)) is not None:
        if r[0] == "rejected":
            out[seq] = json.loads(r[1])["error"]
        seq += 1
    return out


def run_after_poison(d) -> None:
    """A trade and a withdrawal after the refusal: both batches must be accepted."""
    op = d.operator
    mark = op.state.oracle.mark[0]
    op.submit(order(3, SELL, 2, mark, 1))
    op.submit(order(4, BUY, 2, mark, 1))
    op.submit(Withdraw.create(KEYS[3], 3, 1 * USD, 0, ADDR[3], DID))
    op.flush()


def check_outcome(d, start_batch: int) -> None:
    op, c = d.operator, d.contract
    assert c.batch_number >= start_batch + 2
    assert c.state_root == op.l1_state.root == op.state.root
    assert not op.sealed and op.open_batch_size() == 0
    assert c.l1_balance(ADDR[5]) == 0                      # the poisoned withdrawal was never paid
    assert c.l1_balance(ADDR[4]) == 7 * USD and c.l1_balance(ADDR[3]) == 1 * USD
    assert op.state.account(3).sizes[0] == -2 and op.state.account(4).sizes[0] == 2
    assert op.state.account(5).nonce == 0                  # its nonce never moved
    errors = inbox_errors(op)
    assert len(errors) == 1
    (text,) = errors.values()
    assert text.startswith("Unprovable: the batch circuit cannot prove this withdraw (batch ")
    assert "slot 0: constraint 'slot0." in text
    assert rebuild_from_l1(c, genesis()).root == c.state_root
    assert op.state.check_invariants() == []


def test_an_unprovable_operation_is_refused_to_its_sender_and_batches_go_on(dep, poisoned):
    op, c = dep.operator, dep.contract
    start = c.batch_number
    op.submit(Withdraw.create(KEYS[5], 5, POISON, 0, ADDR[5], DID))          # slot 0 of the open batch
    op.submit(Withdraw.create(KEYS[4], 4, 7 * USD, 0, ADDR[4], DID))         # fills it: sealed, unprovable
    assert c.batch_number == start                                       # refused, rebuilt, not sealed yet
    assert op.open_batch_size() == 1 and op.builder.records[0].op.account == 4
    run_after_poison(dep)
    check_outcome(dep, start)
    # the refused request, sent again, is refused at once with the same error (no new batch)
    with pytest.raises(Unprovable, match="cannot prove this withdraw"):
        op.submit(Withdraw.create(KEYS[5], 5, POISON, 0, ADDR[5], DID))
    assert op.open_batch_size() == 0


def test_the_sender_of_the_operation_that_fills_the_batch_gets_the_error(dep, poisoned):
    op = dep.operator
    op.submit(Withdraw.create(KEYS[4], 4, 7 * USD, 0, ADDR[4], DID))
    with pytest.raises(Unprovable, match=r"slot 1: constraint 'slot1\."):
        op.submit(Withdraw.create(KEYS[5], 5, POISON, 0, ADDR[5], DID))
    assert op.open_batch_size() == 1 and dep.contract.l1_balance(ADDR[5]) == 0


def test_a_failure_outside_every_slot_is_located_by_bisection(dep, poisoned, monkeypatch):
    """When the failing constraint names no slot, the operator bisects the batch's
    operations (batches rebuilt from the accepted state) to find the one at fault."""
    monkeypatch.setattr(proving, "first_failure", lambda shape, inp: "end.hidden")
    op = dep.operator
    start = dep.contract.batch_number
    op.submit(Withdraw.create(KEYS[5], 5, POISON, 0, ADDR[5], DID))
    op.submit(Withdraw.create(KEYS[4], 4, 7 * USD, 0, ADDR[4], DID))
    run_after_poison(dep)
    errors = list(inbox_errors(op).values())
    assert len(errors) == 1 and "slot 0: constraint 'end.hidden'" in errors[0]
    assert dep.contract.l1_balance(ADDR[5]) == 0 and dep.contract.batch_number >= start + 2


class Crash(Exception):
    pass


def test_a_crash_while_refusing_recovers_to_the_same_outcome(funded, tmp_path, poisoned):
    """The process dies right after finding the unprovable operation, before the refusal is
    journaled; reopening replays the journal, finds it again and goes on the same way."""
    shutil.copytree(funded, tmp_path / "rollup")
    clock = Clock()

    def fault(point):
        if point == "unprovable":
            raise Crash(point)

    d = reopen(tmp_path / "rollup", clock, fault=fault)
    start = d.contract.batch_number
    d.operator.submit(Withdraw.create(KEYS[5], 5, POISON, 0, ADDR[5], DID))
    with pytest.raises(Crash):
        d.operator.submit(Withdraw.create(KEYS[4], 4, 7 * USD, 0, ADDR[4], DID))
    crashed(d)
    d = reopen(tmp_path / "rollup", clock)          # the crashed objects are abandoned
    assert d.operator.open_batch_size() == 1        # recovery refused it and rebuilt the batch
    run_after_poison(d)
    check_outcome(d, start)
    d.close()
