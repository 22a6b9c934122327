"""Socialised loss on L1 (verifier/contracts/rollup.vy; circuits.spec.solvency): every batch
proves the insurance fund's deficit after it, posted as the public input's trailer; the
rollup contract keeps the ledger `held` (credited deposits - exit payouts) and `retained`
(what haircuts kept back), and pays every exit (a withdrawal's amount, a forced
withdrawal's paid) `exit_payout` at one ratio per batch, the ledger's before the batch
(held0, retained0): in full while retained0 >= deficit, else pro rata,
x * held0 // (held0 + deficit - retained0), rounded down. Checked here with the stand-in
verifier: every exit of a batch is paid the same ratio whatever the order of its records
(a deposit credited earlier in the batch does not raise it: the review's case, held 1,000,
D 250, a 9,000 deposit and a 100 withdrawal, pays 80 in either order; it shares the
deficit from the next batch on), the ratio of the next batch is the same within rounding,
retained grows by each haircut, exits are paid in full again once retained covers the
deficit, refunds are never cut, held follows deposits and payouts, a batch's payouts total
at most held0 + its credited deposits, the Solvency event and the getters agree with the
history's mirror, the client compares the accepting transaction's transfers with the
mirrored payouts as an ordered list, a calldata whose deficit is not the one the proof was
made for is an invalid proof, and a batch that would pay out the queued deposits' tokens
is refused (held + queued deposits <= the token balance)."""
from __future__ import annotations

import itertools

import pytest

from circuits.spec.solvency import exit_payout
from circuits.spec.public_input import batch_public_input
from verifier.calldata import BatchCalldata, CalldataError
from verifier.evm import ExecutionFailed
from verifier.l1_client import (PAYOUT_FORCED, PAYOUT_REFUND, PAYOUT_WITHDRAWAL, BatchRejected, ContractError, Reason,
                                address_int)
from verifier.l1_history import History

from l1_helpers import (ALICE, BOB, CAROL, OPERATOR, USD, Rig, deposit_record, forced_record, noop,
                        snapshot, withdraw_record)

A, B = 5, 6                 # Alice's account, Bob's


class Ledger:
    """The rig and a running new root; `batch` submits records proved for a deficit and
    checks every payout against the native twin, from the getters read before the batch."""

    def __init__(self, alice: int = 600 * USD, bob: int = 400 * USD):
        self.rig = Rig()
        self.root = 1000
        self.rig.deposit(ALICE, A, alice)
        self.rig.deposit(BOB, B, bob)
        self.batch([deposit_record(A, alice), deposit_record(B, bob)], 0)

    @property
    def l1(self):
        return self.rig.l1

    def state(self) -> tuple[int, int, int]:
        return self.l1.held(), self.l1.retained(), self.l1.fund_deficit()

    def batch(self, records: list[bytes], deficit: int):
        while len(records) not in self.rig.sizes:
            records = records + [noop()]
        self.root += 1
        return self.rig.submit(records, self.root, self.rig.publish(), deficit=deficit)

    def exits(self, amounts: list[int], deficit: int, to=ALICE) -> list[int]:
        """One batch of withdrawals from A to `to`; returns the amounts paid (checked to be the
        native twin's at the ledger before the batch, read from the getters, walking it)."""
        held, retained, _ = self.state()
        held0, retained0 = held, retained
        want = []
        for x in amounts:
            p = exit_payout(x, held0, deficit, retained0)
            retained += x - p
            held -= min(held, p)
            want.append(p)
        before = self.l1.l1_balance(to)
        rc = self.batch([withdraw_record(A, x, to) for x in amounts], deficit)
        paid = [p.amount for p in rc.payouts]
        assert paid == [p for p in want if p]
        assert self.l1.l1_balance(to) - before == sum(want)
        assert (self.l1.held(), self.l1.retained(), self.l1.fund_deficit()) == (held, retained, deficit)
        return want


@pytest.fixture
def led() -> Ledger:
    return Ledger()


def solvency_event(rig: Rig) -> dict:
    (ev,) = rig.l1.rollup.events(rig.chain.receipts()[-1], "Solvency")
    return dict(ev.args)


# --- the ledger ----------------------------------------------------------------------------------

def test_held_follows_credited_deposits_and_the_getters_match_the_solvency_event(led):
    l1 = led.l1
    assert led.state() == (1000 * USD, 0, 0)
    assert solvency_event(led.rig) == {"batch_number": 1, "held": 1000 * USD, "retained": 0, "fund_deficit": 0}
    led.rig.deposit(CAROL, 9, 7 * USD)
    led.rig.deposit(CAROL, 10, 5 * USD)
    led.batch([deposit_record(9, 7 * USD), deposit_record(10, 5 * USD, refunded=1)], 0)
    assert led.state() == (1007 * USD, 0, 0)               # the refunded one is not held
    assert solvency_event(led.rig) == {"batch_number": 2, "held": 1007 * USD, "retained": 0, "fund_deficit": 0}
    led.exits([100 * USD], 0)
    assert led.state() == (907 * USD, 0, 0)
    b = l1.accepted_batches()[-1]                          # the history's mirror of the ledger
    assert (b["held"], b["retained"], b["fund_deficit"]) == (907 * USD, 0, 0)
    assert l1.collateral == 907 * USD                      # nothing queued: held is the balance


def test_with_no_deficit_withdrawals_and_forced_withdrawals_are_paid_in_full(led):
    l1 = led.l1
    l1.request_forced_withdrawal(B, BOB, 50 * USD)
    bob = l1.l1_balance(BOB)
    rc = led.batch([withdraw_record(A, 123 * USD, ALICE), forced_record(B, 50 * USD, 40 * USD)], 0)
    assert [(p.kind, p.amount) for p in rc.payouts] == [(PAYOUT_WITHDRAWAL, 123 * USD), (PAYOUT_FORCED, 40 * USD)]
    assert l1.l1_balance(BOB) == bob + 40 * USD and l1.queue()[-1]["paid"] == 40 * USD
    assert led.state() == (837 * USD, 0, 0) and rc.fund_deficit == 0


def test_with_a_deficit_exits_in_one_batch_and_the_next_are_paid_the_same_ratio_rounded_down(led):
    """held 1000, deficit 250: every exit gets 1000 / 1250 = 0.8 of its amount, whoever goes
    first, within one unit of rounding, never more."""
    ratio = (1000 * USD, 1250 * USD)
    amounts = [[100 * USD, 333_333_333], [77_777_777], [200 * USD + 1, 3]]
    paid = []
    for batch in amounts:
        paid += led.exits(batch, 250 * USD)
    for x, p in zip(sum(amounts, []), paid):
        exact = x * ratio[0] / ratio[1]
        assert p <= x * ratio[0] // ratio[1] + 1 and exact - 1 < p <= exact + 1, (x, p, exact)
    held, retained, deficit = led.state()
    assert retained == sum(sum(amounts, [])) - sum(paid)   # retained grew by every haircut
    assert held == 1000 * USD - sum(paid)
    # the ratio of what is left is (within rounding) still 0.8
    assert abs(held / (held + deficit - retained) - 0.8) < 1e-8


def test_the_order_of_exits_does_not_change_what_each_is_paid():
    """One ratio per batch: every exit is paid exactly x * held0 // (held0 + D - retained0),
    whatever its place; the ledger after the batch is the same in either order."""
    amounts = [400 * USD, 7 * USD, 123_456_789, 250 * USD]
    forward, backward = Ledger(), Ledger()
    a = forward.exits(amounts, 300 * USD)
    b = backward.exits(amounts[::-1], 300 * USD)[::-1]
    assert a == b == [x * (1000 * USD) // (1300 * USD) for x in amounts]
    assert forward.state() == backward.state()


# --- one ratio per batch: record order cannot move value between exits -------------------------

def test_the_reviews_case_a_withdrawal_before_or_after_a_large_credited_deposit_is_paid_the_same():
    """held 1,000, D 250, a 9,000 deposit credited in the same batch as a 100 withdrawal: at
    the ratio of the ledger as walked the withdrawal got 80.00 before the deposit and 97.56
    after it (the operator, who orders the records, chose); at the batch's one ratio (the
    ledger before it with its credited deposits: 10,000 / 10,250) it gets 97.56 in either
    order, and the ledger after the batch is the same."""
    results = []
    for deposit_first in (False, True):
        led = Ledger()
        led.rig.deposit(CAROL, 9, 9000 * USD)
        w, d = withdraw_record(A, 100 * USD, ALICE), deposit_record(9, 9000 * USD)
        rc = led.batch([d, w] if deposit_first else [w, d], 250 * USD)
        results.append(([p.amount for p in rc.payouts], led.state()))
    paid = exit_payout(100 * USD, 10_000 * USD, 250 * USD, 0)
    assert paid == 97_560_975
    assert results[0] == results[1] == ([paid], (10_000 * USD - paid, 100 * USD - paid, 250 * USD))


def test_two_exits_in_one_batch_get_the_same_ratio_whatever_the_order_of_the_records():
    """A withdrawal, a forced withdrawal and a credited deposit in every order the queue
    allows (the deposit's entry before the forced one's; the withdrawal anywhere): each exit
    is paid x * 5,000 // 5,250 (held before the batch with its credited deposit), the ledger
    after the batch and the payouts' total are the same in every order, and the total is at
    most held0 + the batch's credited deposits."""
    wx, fx, dep = 100 * USD, 50 * USD, 4000 * USD
    seen = set()
    for at in range(3):                                    # the withdrawal before, between, after
        led = Ledger()
        l1 = led.l1
        led.rig.deposit(CAROL, 9, dep)
        l1.request_forced_withdrawal(B, BOB, 60 * USD)
        held0 = l1.held()
        queued = [deposit_record(9, dep), forced_record(B, 60 * USD, fx)]
        records = queued[:at] + [withdraw_record(A, wx, ALICE)] + queued[at:]
        rc = led.batch(records, 250 * USD)
        pays = {p.kind: p.amount for p in rc.payouts}
        assert pays == {PAYOUT_WITHDRAWAL: wx * 5000 // 5250, PAYOUT_FORCED: fx * 5000 // 5250}
        assert sum(pays.values()) <= held0 + dep
        seen.add((tuple(sorted(pays.items())), led.state()))
        b = l1.accepted_batches()[-1]
        assert (b["held"], b["retained"], b["fund_deficit"]) == led.state()       # the mirror agrees
    assert len(seen) == 1
    (pays, state), = seen
    total = sum(a for _, a in pays)
    assert state == (1000 * USD + dep - total, wx + fx - total, 250 * USD)


def test_every_order_of_a_batchs_withdrawals_and_deposits_pays_the_same_and_leaves_the_same_ledger():
    """Withdrawals anywhere around two credited deposits (queue order kept): every order
    pays each exit the same and leaves the same ledger."""
    outcomes = set()
    for order in sorted(set(itertools.permutations("wwdd"))):
        led = Ledger()
        led.rig.deposit(CAROL, 9, 3000 * USD)
        led.rig.deposit(CAROL, 10, 500 * USD)
        deposits = iter([deposit_record(9, 3000 * USD), deposit_record(10, 500 * USD)])
        withdrawals = iter([withdraw_record(A, 300 * USD, ALICE), withdraw_record(B, 77_777_777, BOB)])
        records = [next(deposits) if c == "d" else next(withdrawals) for c in order]
        rc = led.batch(records, 400 * USD)
        outcomes.add((tuple(sorted((p.l1_address, p.amount) for p in rc.payouts)), led.state()))
    assert len(outcomes) == 1
    (pays, state), = outcomes
    assert sorted(a for _, a in pays) == sorted([300 * USD * 4500 // 4900, 77_777_777 * 4500 // 4900])
    assert state[0] == 4500 * USD - sum(a for _, a in pays)


def test_retained_grows_by_the_haircut_and_exits_are_paid_in_full_once_it_covers_the_deficit(led):
    (p,) = led.exits([100 * USD], 250 * USD)
    assert p == 80 * USD and led.state() == (920 * USD, 20 * USD, 250 * USD)
    # the fund recovered to a deficit of 20: retained covers it, exits are paid in full
    assert led.exits([50 * USD, 30 * USD], 20 * USD) == [50 * USD, 30 * USD]
    assert led.state() == (840 * USD, 20 * USD, 20 * USD)
    # deficit back to 0: in full, retained stays what it is
    assert led.exits([10 * USD], 0) == [10 * USD] and led.state() == (830 * USD, 20 * USD, 0)
    # one unit more than retained: uncovered is 1, the cut is x * 830 / 831 rounded down
    (p,) = led.exits([83 * USD], 20 * USD + 1)
    assert p == 83 * USD * (830 * USD) // (830 * USD + 1) < 83 * USD


def test_refunds_are_never_haircut_and_do_not_touch_held(led):
    l1 = led.l1
    led.rig.deposit(CAROL, A, 7 * USD)                     # refunded: Alice owns A
    carol = l1.l1_balance(CAROL)
    rc = led.batch([deposit_record(A, 7 * USD, refunded=1), withdraw_record(A, 100 * USD, ALICE)], 250 * USD)
    assert [(p.kind, p.amount) for p in rc.payouts] == [(PAYOUT_REFUND, 7 * USD), (PAYOUT_WITHDRAWAL, 80 * USD)]
    assert l1.l1_balance(CAROL) == carol + 7 * USD
    assert led.state() == (920 * USD, 20 * USD, 250 * USD)


def test_a_forced_withdrawal_is_haircut_like_a_withdrawal_and_its_entry_records_what_was_paid(led):
    l1 = led.l1
    l1.request_forced_withdrawal(B, BOB, 60 * USD)
    bob = l1.l1_balance(BOB)
    rc = led.batch([forced_record(B, 60 * USD, 50 * USD)], 250 * USD)
    assert [(p.kind, p.l1_address, p.amount) for p in rc.payouts] == [(PAYOUT_FORCED, address_int(BOB), 40 * USD)]
    assert l1.l1_balance(BOB) == bob + 40 * USD and l1.queue()[-1]["paid"] == 40 * USD
    assert led.state() == (960 * USD, 10 * USD, 250 * USD)


def test_a_credited_deposit_shares_the_deficit_at_once(led):
    """A deposit credited in a batch is a claim like any other: the exits of its own batch
    are priced with it in held (1,250 / 1,500), and the ratio carries over to the next
    batch (up to rounding)."""
    led.rig.deposit(CAROL, 9, 250 * USD)
    rc = led.batch([deposit_record(9, 250 * USD), withdraw_record(A, 100 * USD, ALICE)], 250 * USD)
    paid = 100 * USD * 1250 // 1500
    assert [p.amount for p in rc.payouts] == [paid]
    assert led.state() == (1250 * USD - paid, 100 * USD - paid, 250 * USD)
    (nxt,) = led.exits([100 * USD], 250 * USD)
    assert abs(nxt - paid) <= 1


def test_exits_funded_by_the_batchs_own_deposit_are_not_cut_below_their_share():
    """Found by the L1 state machine against the intermediate rule (the ledger before the
    batch without its deposits): with nothing held before, a 100 USD deposit and a 50 USD
    withdrawal in one batch under a 1-unit deficit paid 0 and retained 50 USD, more than the
    deficit. Now the exit gets 50 * 100 / (100 + 1 unit) and at most the deficit is retained."""
    rig = Rig()
    rig.deposit(ALICE, 5, 100 * USD)
    rc = rig.submit([deposit_record(5, 100 * USD), withdraw_record(5, 50 * USD, ALICE)], 1001, rig.publish(),
                    deficit=1)
    paid = exit_payout(50 * USD, 100 * USD, 1, 0)
    assert [p.amount for p in rc.payouts] == [paid] and paid == 50 * USD - 1
    assert (rig.l1.held(), rig.l1.retained()) == (100 * USD - paid, 1)


def test_the_deficit_is_posted_in_the_calldata_history_and_receipt(led):
    rc = led.batch([withdraw_record(A, USD, ALICE)], 250 * USD)
    b = led.l1.accepted_batches()[-1]
    assert rc.fund_deficit == b["fund_deficit"] == b["calldata"].fund_deficit == 250 * USD
    assert BatchCalldata.from_bytes(b["calldata_bytes"]).fund_deficit == 250 * USD
    assert solvency_event(led.rig) == {"batch_number": 2, "held": b["held"], "retained": b["retained"],
                                       "fund_deficit": 250 * USD}


# --- the deficit in the public input -------------------------------------------------------------

def test_a_calldata_whose_deficit_differs_from_the_proofs_is_an_invalid_proof(led):
    rig, l1 = led.rig, led.l1
    tid = rig.publish()
    records = [withdraw_record(A, 100 * USD, ALICE)]
    _, proof = rig.batch(records, 2000, tid, deficit=250 * USD)
    for wrong in (0, 250 * USD - 1, 250 * USD + 1, 2**128 - 1):
        before = snapshot(rig.chain)
        with pytest.raises(BatchRejected) as e:
            l1.submit_batch(rig.calldata(records, 2000, tid, wrong), proof)
        assert e.value.reason == Reason.INVALID_PROOF and snapshot(rig.chain) == before
    # and a proof of deficit 0 does not pass a calldata that claims a deficit (less paid out)
    _, zero = rig.batch(records, 2000, tid, deficit=0)
    with pytest.raises(BatchRejected) as e:
        l1.submit_batch(rig.calldata(records, 2000, tid, 250 * USD), zero)
    assert e.value.reason == Reason.INVALID_PROOF
    l1.submit_batch(rig.calldata(records, 2000, tid, 250 * USD), proof)
    assert l1.fund_deficit() == 250 * USD


def test_expected_public_input_hashes_the_deficit_after_the_records(led):
    rig, l1 = led.rig, led.l1
    tid = rig.publish()
    records = [noop()]
    header = rig.header(2000, tid, 0)
    for d in (0, 1, 250 * USD, 2**128 - 1):
        assert l1.expected_public_input(rig.calldata(records, 2000, tid, d)) == \
            batch_public_input(records, d, rig.open_interest(), **header)
    assert len({l1.expected_public_input(rig.calldata(records, 2000, tid, d)) for d in (0, 1, 2)}) == 3


def test_a_deficit_of_2_128_or_more_is_refused_before_the_proof(led):
    rig, l1 = led.rig, led.l1
    tid = rig.publish()
    before = snapshot(rig.chain)
    for fn, extra in (("submit_batch", [[1] * 8]), ("expected_public_input", [])):
        for d in (2**128, 2**256 - 1):
            with pytest.raises(ExecutionFailed, match="deficit is not below 2\\^128"):
                if fn == "submit_batch":
                    l1.rollup.transact(fn, 2000, tid, noop(), d, bytes(5 * rig.K), *extra, sender=OPERATOR)
                else:
                    l1.rollup.call(fn, 2000, tid, noop(), d, bytes(5 * rig.K))
    assert snapshot(rig.chain) == before
    with pytest.raises(CalldataError):
        rig.calldata([noop()], 2000, tid, 2**128)


# --- the solvency check --------------------------------------------------------------------------

def test_a_batch_that_would_pay_out_the_queued_deposits_is_refused_as_insolvent():
    """No credited deposit (held 0), Carol's deposit queued: a withdrawal (in full, no
    deficit) would take her tokens; the solvency check refuses it. A donation only adds to
    the balance: with 50 donated the same batch is accepted, and held stays 0 (saturating)."""
    rig = Rig()
    l1 = rig.l1
    rig.deposit(CAROL, 9, 100 * USD)                      # queued, never consumed here
    tid = rig.publish()
    records = [withdraw_record(A, 50 * USD, ALICE)]
    data, proof = rig.batch(records, 2000, tid)
    before = snapshot(rig.chain)
    with pytest.raises(BatchRejected) as e:
        l1.submit_batch(rig.calldata(records, 2000, tid), proof)
    assert e.value.reason == Reason.INSOLVENT and snapshot(rig.chain) == before
    l1.token.transact("transfer", rig.addrs.rollup, 50 * USD, sender=BOB)      # a donation
    alice = l1.l1_balance(ALICE)
    l1.submit_batch(rig.calldata(records, 2000, tid), proof)
    assert l1.l1_balance(ALICE) == alice + 50 * USD
    assert (l1.held(), l1.retained(), l1.fund_deficit()) == (0, 0, 0)
    assert l1.collateral == l1.pending_deposit_total == 100 * USD


def test_held_never_exceeds_what_the_contract_holds_beyond_the_queued_deposits(led):
    l1 = led.l1
    led.rig.deposit(CAROL, 9, 30 * USD)                   # queued
    led.exits([100 * USD, 50 * USD], 250 * USD)
    assert l1.held() + l1.pending_deposit_total <= l1.collateral
    # what exits left behind (the haircuts) is still in the contract, within held
    assert l1.collateral == l1.held() + l1.pending_deposit_total


# --- the client's cross-check of the payouts -----------------------------------------------------

@pytest.mark.parametrize("tamper", ["duplicated", "missing", "reordered"])
def test_the_client_compares_the_transfers_with_the_mirrored_payouts_as_an_ordered_list(led, monkeypatch, tamper):
    """The history's mirror is made to list one payout twice (one transfer too few), to drop
    one (a transfer too many) or to swap two: a comparison of sets passed all three; the
    client compares the Transfer events with the payouts in order and refuses each."""
    walk = History._walk

    def mirrored(self, b, cd):
        pays = walk(self, b, cd)
        return {"duplicated": pays + pays[-1:], "missing": pays[:-1], "reordered": pays[::-1]}[tamper]

    records = [withdraw_record(A, 100 * USD, ALICE), withdraw_record(B, 30 * USD, BOB)]
    led.batch(records, 0)                                  # untampered: accepted and checked
    monkeypatch.setattr(History, "_walk", mirrored)
    with pytest.raises(ContractError, match="transfers differ from the records' payouts"):
        led.batch(records, 0)
