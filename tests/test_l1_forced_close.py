"""Forced close through L1 (verifier/contracts/priority_queue.vy `request_forced_close`,
rollup.vy's owner registry and forced_close records; circuits.spec.priority, "Forced close"):
the owner of an account queues an entry of kind 3 (amount 0, no key, the requester's
address) of the spec's chain. The owner is what the rollup contract learned from the
deposits it accepted (`owner_of`: a deposit record that is not refunded created or credited
the account for its depositor), so no leaf opening is needed and no batch landed before the
request can block it. Every request no batch could serve is refused with nothing changed
(another sender, an account no accepted deposit credited, a refunded depositor, the special
accounts, an index outside the tree, a wrong fee, too many pending forced requests,
exodus); an unserved request past its deadline lets anyone start exodus; a batch serves it
with a forced_close record, which must meet an entry of that kind, and pays nothing."""
from __future__ import annotations

import dataclasses

import pytest

from circuits.spec.priority import FORCED_CLOSE_REFUSED, KIND_FORCED_CLOSE, forced_close_entry
from verifier.evm import ExecutionFailed
from verifier.l1_client import BatchRejected, ContractError, Reason, address_int

from l1_helpers import (ALICE, BOB, CAROL, USD, Rig, deposit_record, forced_close_record, forced_record, noop,
                        snapshot)

A, B, A2 = 5, 6, 7          # Alice's account, Bob's, Alice's second


@dataclasses.dataclass
class World:
    """A rig whose first batch credited Alice's deposits to A and A2 and Bob's to B (entries
    0, 1, 2): L1 knows their owners."""
    rig: Rig
    root: int = 1000

    @classmethod
    def open(cls, **rig_kw) -> "World":
        w = cls(Rig(**rig_kw))
        for who, acct in ((ALICE, A), (ALICE, A2), (BOB, B)):
            w.rig.deposit(who, acct, 50 * USD)
        w.accept([deposit_record(A, 50 * USD), deposit_record(A2, 50 * USD), deposit_record(B, 50 * USD), noop()])
        return w

    @property
    def l1(self):
        return self.rig.l1

    def request(self, i: int, who: str, **kw) -> int:
        return self.l1.request_forced_close(i, who, **kw)

    def accept(self, records=()):
        """A batch that moves the root (a noop unless records), with a fresh table."""
        self.root += 1
        return self.rig.submit(list(records) or [noop()], self.root, self.rig.publish())


def refused(w: World, i: int, sender=ALICE, value=None) -> str:
    """The contract's refusal of a raw request; nothing changed, not even an ETH balance."""
    value = w.l1.forced_fee() if value is None else value
    before, eth, queued = snapshot(w.rig.chain), w.rig.chain.balance(sender), w.l1.queue_length()
    with pytest.raises(ExecutionFailed) as e:
        w.l1.queue_contract.transact("request_forced_close", i, sender=sender, value=value)
    assert snapshot(w.rig.chain) == before and w.rig.chain.balance(sender) == eth
    assert w.l1.queue_length() == queued and w.l1.forced_closes() == []
    return e.value.reason


@pytest.fixture
def world() -> World:
    return World.open()


# --- the owner registry ------------------------------------------------------------------------

def test_an_accepted_deposit_makes_its_depositor_the_owner_on_l1_and_in_the_history(world):
    l1 = world.l1
    assert (l1.owner_of(A), l1.owner_of(A2), l1.owner_of(B)) == (address_int(ALICE), address_int(ALICE),
                                                                address_int(BOB))
    assert l1.owner_of(9) is None and l1.owner_of(0) is None and l1.owner_of(1) is None
    l1.queue()                                             # the history mirrors the registry
    assert l1.history.owners == {A: address_int(ALICE), A2: address_int(ALICE), B: address_int(BOB)}


def test_before_its_deposit_batch_is_accepted_the_depositor_is_refused_and_after_it_accepted(world):
    l1 = world.l1
    world.rig.deposit(CAROL, 9, 10 * USD)                 # queued, not yet served
    assert l1.owner_of(9) is None
    assert "only the account's owner" in refused(world, 9, sender=CAROL)
    world.accept([deposit_record(9, 10 * USD)])
    assert l1.owner_of(9) == address_int(CAROL)
    assert world.request(9, CAROL) == 4                   # entries 0..3 are the deposits


def test_a_refunded_deposit_does_not_make_its_depositor_an_owner(world):
    l1 = world.l1
    world.rig.deposit(CAROL, 9, 10 * USD)                 # refunded (say, a key the circuit refuses)
    world.rig.deposit(CAROL, A, 10 * USD)                 # refunded: Alice owns A
    world.accept([deposit_record(9, 10 * USD, refunded=1), deposit_record(A, 10 * USD, refunded=1)])
    assert l1.owner_of(9) is None and l1.owner_of(A) == address_int(ALICE)
    assert "only the account's owner" in refused(world, 9, sender=CAROL)
    assert "only the account's owner" in refused(world, A, sender=CAROL)
    l1.queue()
    assert 9 not in l1.history.owners and l1.history.owners[A] == address_int(ALICE)


def test_a_credit_by_the_same_owner_keeps_the_owner_and_costs_no_new_storage(world):
    """owner_of is written only when it changes: crediting Alice's account again costs about
    a fresh storage slot (~20,000 gas) less than crediting a new account."""
    l1 = world.l1
    world.rig.deposit(ALICE, A, 10 * USD)
    again = world.accept([deposit_record(A, 10 * USD)]).gas
    world.rig.deposit(CAROL, 9, 10 * USD)
    new = world.accept([deposit_record(9, 10 * USD)]).gas
    assert l1.owner_of(A) == address_int(ALICE) and l1.owner_of(9) == address_int(CAROL)
    assert 17_000 < new - again < 23_000, (new, again)


def test_a_native_states_owner_is_the_owner_l1_learned_from_the_deposit():
    """The circuit creates the account with owner = the depositor (rollup_helpers.fund on a
    native zkrollup.state.RollupState): L1's registry says the same."""
    from rollup_helpers import fund, make_state
    rig = Rig()
    st = make_state(account_depth=rig.acc_depth, k=rig.K)
    fund(st, A, 100 * USD, depositor=address_int(ALICE))
    tid = rig.publish()
    rig.deposit(ALICE, A, 100 * USD)
    rig.submit([deposit_record(A, 100 * USD)], st.root, tid)
    assert rig.l1.owner_of(A) == st.account(A).fields().owner == address_int(ALICE)
    assert rig.l1.request_forced_close(A, ALICE) == 1
    assert rig.l1.forced_closes()[0]["account"] == A


# --- accepted requests -------------------------------------------------------------------------

def test_the_owner_queues_an_entry_of_kind_3_extending_the_spec_chain(world):
    l1, fee = world.l1, world.l1.forced_fee()
    eth, prio = world.rig.chain.balance(ALICE), l1.prio_chain(3)
    rc = l1.queue_contract.transact("request_forced_close", A, sender=ALICE, value=fee)
    (ev,) = l1.queue_contract.events(rc, "ForcedCloseQueued")
    want = forced_close_entry(prio, A, address_int(ALICE))
    deadline = rc.timestamp + world.rig.config.priority_deadline
    assert ev.args == {"index": 3, "account": A, "requester": ev.args["requester"], "prio": want,
                       "deadline": deadline}
    assert address_int(ev.args["requester"]) == address_int(ALICE)
    assert l1.prio_chain(4) == want
    (e,) = l1.forced_closes()
    assert e == {"index": 3, "kind": KIND_FORCED_CLOSE, "account": A, "amount": 0, "pk_x": 0, "pk_y": 0,
                 "l1_address": address_int(ALICE), "chain": want, "queued_at": rc.timestamp, "deadline": deadline,
                 "served_batch": None, "paid": None, "reclaimed": False}
    kind, requester, amount, due = l1.queue_contract.call("entry", 3)
    assert (kind, address_int(requester), amount, due) == (KIND_FORCED_CLOSE, address_int(ALICE), 0, deadline)
    assert l1.forced_requests() == [] and l1.forced_closes(pending_only=True) == [e]
    assert l1.pending_forced(ALICE) == 1 and l1.queue_contract.call("fees") == fee
    assert world.rig.chain.balance(ALICE) == eth - fee
    # the client: the same request for Alice's other account, the chain moves on by the spec
    assert world.request(A2, ALICE) == 4
    assert l1.prio_chain(5) == forced_close_entry(want, A2, address_int(ALICE))
    assert l1.pending_forced(ALICE) == 2 and l1.pending_deposit_total == 0


def test_a_batch_landed_before_the_request_cannot_block_it_any_more(world):
    """The censoring operator's move against the leaf-opening rule: a root-changing batch
    before each request. The request names no root, so every one of them is accepted."""
    l1 = world.l1
    for acct in (A, A2):
        world.accept()                                    # the root moves just before the request
        root = l1.state_root
        assert world.request(acct, ALICE) >= 3
        assert l1.state_root == root
    world.accept()                                        # a batch that does not serve them: still queued
    assert [e["account"] for e in l1.forced_closes(pending_only=True)] == [A, A2]
    world.accept([forced_close_record(A), forced_close_record(A2)])
    assert l1.forced_closes(pending_only=True) == [] and l1.pending_forced(ALICE) == 0


# --- refused requests --------------------------------------------------------------------------

def test_a_sender_who_is_not_the_owner_is_refused(world):
    assert "only the account's owner" in refused(world, A, sender=BOB)
    assert "only the account's owner" in refused(world, B, sender=ALICE)
    assert "only the account's owner" in refused(world, 9)          # no deposit credited account 9
    with pytest.raises(ContractError, match="only the account's owner"):
        world.request(A, BOB)
    assert world.l1.pending_forced(BOB) == 0


@pytest.mark.parametrize("special", FORCED_CLOSE_REFUSED)
def test_the_special_accounts_are_refused(world, special):
    assert "special accounts cannot be force-closed" in refused(world, special)
    if special != 2:                                      # the queue refuses deposits to the clearing account
        # even if a (stand-in) batch credited a deposit to it: the queue's own check comes first
        world.rig.deposit(ALICE, special, USD)
        world.accept([deposit_record(special, USD)])
        assert world.l1.owner_of(special) == address_int(ALICE)
        assert "special accounts cannot be force-closed" in refused(world, special)


def test_an_index_outside_the_account_tree_is_refused(world):
    outside = 1 << world.rig.acc_depth
    assert "outside the account tree" in refused(world, outside)
    before = snapshot(world.rig.chain)
    with pytest.raises(ContractError, match="account"):
        world.l1.request_forced_close(outside, ALICE)     # the client's own check
    assert snapshot(world.rig.chain) == before


def test_the_fee_must_be_exactly_the_forced_fee(world):
    fee = world.l1.forced_fee()
    for value in (0, fee - 1, fee + 1):
        assert "exactly the forced-request fee" in refused(world, A, value=value)


def test_forced_withdrawals_and_closes_share_the_per_address_limit(world):
    l1, n = world.l1, world.rig.config.max_pending_forced
    assert n == 4
    l1.request_forced_withdrawal(A, ALICE, USD)
    l1.request_forced_withdrawal(A2, ALICE, USD)
    world.request(A, ALICE)
    world.request(A2, ALICE)
    assert l1.pending_forced(ALICE) == n
    before = snapshot(world.rig.chain)
    for call in (lambda: world.request(A, ALICE), lambda: l1.request_forced_withdrawal(A, ALICE, USD)):
        with pytest.raises(ContractError, match="too many pending forced requests"):
            call()
    assert snapshot(world.rig.chain) == before
    world.request(B, BOB)                                  # Bob's limit is his own


def test_a_forced_withdrawal_still_needs_an_amount_and_a_close_takes_none(world):
    """The amount check lives in the deposit and forced withdrawal paths; a forced close
    queues amount 0."""
    l1 = world.l1
    before = snapshot(world.rig.chain)
    for amount in (0, 1 << 64):
        with pytest.raises(ExecutionFailed, match=r"amount must be in \[1, 2\^64\)"):
            l1.queue_contract.transact("request_forced_withdrawal", A, amount, sender=ALICE, value=l1.forced_fee())
    assert snapshot(world.rig.chain) == before
    world.request(A, ALICE)
    assert l1.queue()[-1]["amount"] == 0 and l1.queue_contract.call("entry", 3)[2] == 0


def test_no_request_once_a_queue_entry_is_overdue_or_in_exodus_mode(world):
    l1 = world.l1
    l1.request_forced_withdrawal(B, BOB, USD)              # never served
    world.rig.chain.set_next_timestamp(l1.queue()[-1]["deadline"] + 1)
    assert "past its deadline" in refused(world, A)
    l1.activate_exodus(sender=CAROL)
    assert l1.exodus
    # in exodus mode the queue stays overdue (no batch will consume its head again)
    assert "past its deadline (exodus)" in refused(world, A)
    assert l1.owner_of(A) == address_int(ALICE)             # the registry itself stays


def test_the_client_refuses_bad_arguments_before_sending(world):
    l1 = world.l1
    before = snapshot(world.rig.chain)
    for a in [(A, "alice"), (-1, ALICE), ("5", ALICE), (1.0 * A, ALICE), (True, ALICE), (A, 12.5), (A, None)]:
        with pytest.raises(ContractError):
            l1.request_forced_close(*a)
    for bad in (-1, "5", None, 2**256):
        with pytest.raises(ContractError):
            l1.owner_of(bad)
    assert snapshot(world.rig.chain) == before


# --- deadline and exodus -----------------------------------------------------------------------

def test_an_unserved_forced_close_past_its_deadline_lets_anyone_start_exodus(world):
    l1 = world.l1
    world.request(A, ALICE)
    deadline = l1.forced_closes()[0]["deadline"]
    world.rig.chain.set_next_timestamp(deadline)
    assert not l1.overdue                                  # due at its deadline, overdue after it
    world.rig.chain.set_next_timestamp(deadline + 1)
    assert l1.overdue
    tid = l1.publish_oracle_table(world.rig.table(deadline + 1), now=deadline + 1)
    with pytest.raises(BatchRejected) as e:
        world.rig.submit([noop()], world.root + 1, tid)
    assert e.value.reason == Reason.OVERDUE
    l1.activate_exodus(sender=CAROL)                       # not the operator, not the requester
    assert l1.exodus and l1.rollup.call("exodus_since") == l1.now


# --- batches -----------------------------------------------------------------------------------

def test_a_forced_close_record_consumes_the_entry_frees_the_slot_and_pays_nothing(world):
    l1 = world.l1
    world.request(A, ALICE)
    l1.request_forced_withdrawal(B, BOB, USD)
    collateral, balances = l1.collateral, (l1.l1_balance(ALICE), l1.l1_balance(BOB))
    rc = world.accept([forced_close_record(A), forced_record(B, USD, 0)])
    assert rc.entries_served == (3, 4) and l1.entries_served == 5 and rc.payouts == ()
    assert l1.pending_forced(ALICE) == 0 and l1.pending_forced(BOB) == 0
    assert l1.prio_chain() == l1.prio_chain(5)
    (e,) = l1.forced_closes()
    assert (e["served_batch"], e["paid"]) == (rc.batch_number, 0) and l1.forced_closes(pending_only=True) == []
    assert l1.payouts(rc.batch_number) == [] and l1.pending_deposit_total == 0
    assert l1.collateral == collateral and (l1.l1_balance(ALICE), l1.l1_balance(BOB)) == balances
    assert not l1.overdue


def _rejected(w: World, records: list[bytes]) -> BatchRejected:
    """A batch with a valid proof of the public input the contract builds, refused by the
    contract's own record walk; nothing changes."""
    rig, tid = w.rig, w.rig.publish()
    _, proof = rig.batch(records, w.root + 1, tid)
    cd = rig.calldata(records, w.root + 1, tid)
    assert rig.l1.expected_public_input(cd) > 0             # the preflight does not walk the records
    before = snapshot(rig.chain)
    with pytest.raises(BatchRejected) as e:
        rig.l1.submit_batch(cd, proof)
    assert snapshot(rig.chain) == before
    return e.value


def test_a_forced_close_record_meeting_another_kind_of_entry_is_refused(world):
    l1 = world.l1
    l1.request_forced_withdrawal(B, BOB, USD)              # the queue's next entry: kind 2
    err = _rejected(world, [forced_close_record(B)])
    assert err.reason == Reason.QUEUE_MISMATCH
    assert err.detail == "rollup: a forced-close record meets a queue entry of another kind"
    world.accept([forced_record(B, USD, 0)])
    world.request(A, ALICE)                                # now a kind-3 entry: other records cannot take it
    err = _rejected(world, [forced_record(A, USD, 0)])
    assert err.reason == Reason.QUEUE_MISMATCH and "forced-withdrawal record" in err.detail
    err = _rejected(world, [deposit_record(A, USD)])
    assert err.reason == Reason.QUEUE_MISMATCH and "deposit record" in err.detail
    world.accept([forced_close_record(A)])
    assert l1.entries_served == 5 and l1.pending_forced(ALICE) == 0


def test_a_batch_without_a_forced_close_record_leaves_the_request_queued(world):
    """The records name the entries a batch consumes: without a forced_close record the
    request stays queued, its deadline running."""
    world.request(A, ALICE)
    world.accept([noop()])
    assert world.l1.entries_served == 3 and world.l1.forced_closes(pending_only=True) != []
