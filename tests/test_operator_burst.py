"""Operator.submit_many (a burst: one inbox transaction, one batch of signature checks, one
journal transaction) gives exactly what submitting the same requests one by one gives:
results, state, book, inbox and journal; a crash before the burst is journaled loses
nothing (reopening processes the durable inbox entries again)."""
import dataclasses

import pytest

from zkrollup.errors import BadSignature, UnknownAccount
from zkrollup.ops import BUY, SELL, Deposit, Withdraw

from operator_helpers import ADDR, Clock, crashed, deploy, fund, pk, reopen
from rollup_helpers import DID, KEYS, USD, order


class Crash(Exception):
    pass


def funded(path, **kw):
    d = deploy(path, auto_prove=False, **kw)
    for acct in (3, 4, 5):
        fund(d, acct)
    d.operator.sync()
    return d


def burst(mark: int) -> list:
    forged = dataclasses.replace(order(3, SELL, 1, mark, 9), signature=order(4, SELL, 1, mark, 9).signature)
    return [
        order(3, SELL, 5, mark + 2, 1),
        order(4, SELL, 3, mark, 1),
        forged,                                                 # BadSignature
        Deposit(3, pk(3), 5, ADDR[3]),                          # users may not send deposits
        order(5, BUY, 6, mark + 5, 1),                          # crosses 4 then 3
        order(9, BUY, 1, mark, 1, key=3),                       # UnknownAccount
        Withdraw.create(KEYS[4], 4, 2 * USD, 0, ADDR[4], DID),
        order(4, BUY, 2, mark + 2, 2),                          # crosses what is left of 3
        order(5, SELL, 1, mark - 5, 2),
    ]


def outcome(d) -> tuple:
    op = d.operator
    db = op.journal._db
    inbox = db.execute("SELECT seq, request, status, result FROM op_inbox ORDER BY seq").fetchall()
    events = db.execute("SELECT seq, src, kind, data FROM op_events ORDER BY seq").fetchall()
    return op.state.fingerprint(), op.book.to_obj(), inbox, events, [sb.batch_number for sb in op.sealed]


def summary(results: list) -> list:
    out = []
    for r in results:
        if isinstance(r, Exception):
            out.append((type(r).__name__, str(r)))
        elif hasattr(r, "fills"):
            out.append(([(f.maker, f.fill, f.price) for f in r.fills], r.remaining, r.rested, r.error))
        else:
            out.append(r.kind)
    return out


def one_by_one(op, reqs) -> list:
    out = []
    for r in reqs:
        try:
            out.append(op.submit(r))
        except (BadSignature, UnknownAccount, ValueError) as e:
            out.append(e)
    return out


def test_a_burst_gives_what_one_by_one_submits_give(tmp_path):
    a, b = funded(tmp_path / "a"), funded(tmp_path / "b")
    reqs = burst(a.operator.state.oracle.mark[0])
    want = one_by_one(a.operator, reqs)
    got = b.operator.submit_many(reqs)
    assert summary(got) == summary(want)
    kinds = [type(r).__name__ for r in got]
    assert kinds[2] == "BadSignature" and kinds[3] == "ValueError" and kinds[5] == "UnknownAccount"
    assert summary(got)[4][0] == [((4, 1), 3, a.operator.state.oracle.mark[0]), ((3, 1), 3,
                                                                                a.operator.state.oracle.mark[0] + 2)]
    assert outcome(b) == outcome(a)
    assert len(b.operator.sealed) >= 2                         # the burst sealed batches on the way
    assert b.operator.submit_many([]) == []
    a.close()
    b.close()


def test_a_crash_before_the_burst_is_journaled_loses_nothing(tmp_path):
    ref = funded(tmp_path / "ref")
    reqs = burst(ref.operator.state.oracle.mark[0])
    ref.operator.submit_many(reqs)
    want = outcome(ref)
    ref.close()

    armed = {"on": False}

    def fault(point):
        if armed["on"] and point == "journal-before-commit":
            raise Crash(point)

    clock = Clock()
    d = funded(tmp_path / "r", clock=clock, fault=fault)
    armed["on"] = True
    with pytest.raises(Crash):
        d.operator.submit_many(reqs)
    # the process is gone (with its L1 file lock); its inbox entries were durable: reopening
    # processes them again
    crashed(d)
    d = reopen(tmp_path / "r", clock, auto_prove=False)
    assert outcome(d) == want
    d.close()
