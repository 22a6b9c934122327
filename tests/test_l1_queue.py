"""The priority queue contract (verifier/contracts/priority_queue.vy) on the embedded EVM:
its chain is circuits.spec.priority's, deposits move tokens into the rollup contract, forced
requests cost the fee and are limited per address, deadlines lead to exodus, and every
refused call leaves the contracts' storage unchanged."""
import pytest

from circuits import babyjub
from circuits.field import R
from circuits.spec.priority import PRIO_EMPTY, deposit_entry, forced_entry
from verifier.evm import ExecutionFailed
from verifier.l1_client import ContractError, address_int

from l1_helpers import ALICE, BOB, CAROL, GOV, ORACLE, PK, Q, USD, Rig, deposit_record, forced_record, snapshot


@pytest.fixture
def rig():
    return Rig()


def test_the_chain_is_the_spec_chain_and_tokens_go_to_the_rollup(rig):
    l1 = rig.l1
    before = l1.l1_balance(ALICE)
    assert l1.prio_chain(0) == PRIO_EMPTY
    i = rig.deposit(ALICE, 5, 100 * USD)
    j = l1.request_forced_withdrawal(6, BOB, 7 * USD)
    k = rig.deposit(BOB, 9, 1)
    assert (i, j, k) == (0, 1, 2)
    want = deposit_entry(PRIO_EMPTY, 5, PK, 100 * USD, address_int(ALICE))
    assert l1.prio_chain(1) == want
    want = forced_entry(want, 6, 7 * USD, address_int(BOB))
    assert l1.prio_chain(2) == want
    want = deposit_entry(want, 9, PK, 1, address_int(BOB))
    assert l1.prio_chain(3) == want
    entries = l1.queue()
    assert [(e["kind"], e["account"], e["amount"], (e["pk_x"], e["pk_y"]), e["l1_address"]) for e in entries] == [
        (1, 5, 100 * USD, PK, address_int(ALICE)), (2, 6, 7 * USD, (0, 0), address_int(BOB)),
        (1, 9, 1, PK, address_int(BOB))]
    assert [e["chain"] for e in entries] == [l1.prio_chain(n) for n in (1, 2, 3)]
    assert l1.l1_balance(ALICE) == before - 100 * USD and l1.collateral == 100 * USD + 1
    assert l1.pending_deposit_total == 100 * USD + 1
    assert all(e["deadline"] == e["queued_at"] + rig.config.priority_deadline for e in entries)


def _raw(rig, fn, *args, sender=ALICE, value=0):
    """Call the queue directly (no client checks): the contract's own refusal."""
    before = snapshot(rig.chain)
    with pytest.raises(ExecutionFailed) as e:
        rig.l1.queue_contract.transact(fn, *args, sender=sender, value=value)
    assert snapshot(rig.chain) == before
    return e.value.reason


def test_deposits_the_contract_refuses_change_nothing(rig):
    rig.l1.approve(ALICE, 10**12)
    assert "clearing account" in _raw(rig, "deposit", 2, *PK, *Q, 5)
    assert "outside the account tree" in _raw(rig, "deposit", 1 << rig.acc_depth, *PK, *Q, 5)
    assert "amount must be in" in _raw(rig, "deposit", 5, *PK, *Q, 0)
    assert "amount must be in" in _raw(rig, "deposit", 5, *PK, *Q, 1 << 64)
    assert "below r" in _raw(rig, "deposit", 5, R, PK[1], *Q, 5)
    assert "allowance too low" in _raw(rig, "deposit", 5, *PK, *Q, 10**12 + 1)
    assert rig.l1.queue_length() == 0


def test_a_deposit_key_outside_the_prime_order_subgroup_is_refused(rig):
    """The operator can serve only keys of the prime-order subgroup (not the identity): L1
    asks for Q with 8 Q = pk, so a key with a torsion component, off the curve, or the
    identity never enters the queue."""
    rig.l1.approve(ALICE, 10**12)
    assert "identity" in _raw(rig, "deposit", 5, 0, 1, 0, 1, 5)
    torsioned = babyjub.add(PK, babyjub.TORSION_8)          # on the curve, order 8 L
    assert babyjub.is_on_curve(torsioned) and not babyjub.is_in_subgroup(torsioned)
    for q in (Q, babyjub.add(Q, babyjub.TORSION_8), (0, 1)):
        assert "prime-order subgroup" in _raw(rig, "deposit", 5, *torsioned, *q, 5)
    assert "prime-order subgroup" in _raw(rig, "deposit", 5, PK[0], PK[1] + 1, *Q, 5)   # off the curve
    assert "prime-order subgroup" in _raw(rig, "deposit", 5, *PK, Q[0], Q[1] + 1, 5)    # a witness off it
    assert "prime-order subgroup" in _raw(rig, "deposit", 5, *PK, *babyjub.neg(Q), 5)   # 8 (-Q) = -PK
    # Q + a torsion point of order 8 also satisfies 8 Q' = PK: L1 accepts any such witness
    rig.l1.queue_contract.transact("deposit", 5, *PK, *babyjub.add(Q, babyjub.TORSION_8), 5, sender=ALICE)
    for bad in ((0, 1), torsioned, (PK[0], PK[1] + 1)):
        with pytest.raises(ContractError, match="prime-order subgroup"):
            rig.l1.deposit(ALICE, 5, *bad, 5)


def test_the_client_refuses_bad_arguments_before_sending(rig):
    before = snapshot(rig.chain)
    for args in [(5, *PK, 0), (5, *PK, 1 << 64), (1 << 8, *PK, 5), (-1, *PK, 5), ("5", *PK, 5), (5, 1, None, 5),
                 (5, "x", 1, 5), (5, *PK, 1.5), (True, *PK, 5), (5, R, PK[1], 5)]:
        with pytest.raises(ContractError):
            rig.l1.deposit(ALICE, *args)
    for who in ("alice", "0x123", -7, 2**160, 1.0, None):
        with pytest.raises(ContractError):
            rig.l1.deposit(who, 5, *PK, 5)
    for args in [(5, ALICE, 0), ("5", ALICE, 1), (5, "bob", 1), (1 << 8, ALICE, 1)]:
        with pytest.raises(ContractError):
            rig.l1.request_forced_withdrawal(*args)
    assert snapshot(rig.chain) == before


def test_forced_requests_cost_the_fee_and_are_limited_per_address(rig):
    fee = rig.l1.forced_fee()
    assert fee == rig.config.forced_fee > 0
    assert "exactly the forced-request fee" in _raw(rig, "request_forced_withdrawal", 5, 10, value=0)
    assert "exactly the forced-request fee" in _raw(rig, "request_forced_withdrawal", 5, 10, value=fee + 1)
    for _ in range(rig.config.max_pending_forced):
        rig.l1.request_forced_withdrawal(5, ALICE, 10)
    assert "too many pending forced requests" in _raw(rig, "request_forced_withdrawal", 5, 10, value=fee)
    rig.l1.request_forced_withdrawal(5, BOB, 10)          # another address is not limited by Alice's
    assert rig.l1.queue_contract.call("fees") == (rig.config.max_pending_forced + 1) * fee
    # a batch serving Alice's requests frees her slots
    tid = rig.publish()
    n = rig.config.max_pending_forced
    rig.submit([forced_record(5, 10, 0)] * 2, 11, tid)
    assert rig.l1.queue_contract.call("pending_forced", ALICE) == n - 2
    rig.l1.request_forced_withdrawal(5, ALICE, 10)
    # the governor sets the fee; the fee sink collects
    with pytest.raises(ContractError, match="only the governor"):
        rig.l1.set_forced_fee(1, ALICE, sender=ALICE)
    rig.l1.set_forced_fee(5, GOV, sender=GOV)
    assert rig.l1.forced_fee() == 5
    eth = rig.chain.balance(GOV)
    rig.l1.queue_contract.transact("collect_fees", sender=BOB)
    assert rig.chain.balance(GOV) == eth + (n + 2) * fee


def test_an_overdue_entry_stops_batches_and_queueing_and_allows_exodus(rig):
    tid = rig.publish()
    rig.deposit(ALICE, 5, USD)
    deadline = rig.l1.queue()[0]["deadline"]
    assert not rig.l1.overdue
    with pytest.raises(ContractError, match="no priority request is past its deadline"):
        rig.l1.activate_exodus(sender=BOB)
    assert rig.l1.tick() is False
    rig.chain.set_next_timestamp(deadline + 1)
    assert rig.l1.overdue
    rig.l1.approve(BOB, USD)
    before = snapshot(rig.chain)
    with pytest.raises(ContractError, match="past its deadline"):
        rig.deposit(BOB, 6, USD, approve=False)
    with pytest.raises(ContractError, match="past its deadline"):
        rig.submit([deposit_record(5, USD)], 9, tid)
    assert snapshot(rig.chain) == before
    assert rig.l1.tick() is True and rig.l1.exodus
    with pytest.raises(ContractError, match="already in exodus"):
        rig.l1.activate_exodus(sender=BOB)


def test_a_served_entry_is_not_overdue_and_the_deadline_is_inclusive(rig):
    tid = rig.publish()
    rig.deposit(ALICE, 5, USD)
    deadline = rig.l1.queue()[0]["deadline"]
    rig.chain.set_next_timestamp(deadline)
    assert not rig.l1.overdue                    # due at the deadline, overdue after it
    tid = rig.l1.publish_oracle_table(rig.table(deadline - 5), now=deadline - 5)
    rig.submit([deposit_record(5, USD)], 9, tid, now=deadline)
    rig.chain.advance_time(10**6)
    assert not rig.l1.overdue and rig.l1.entries_served == 1
    assert rig.l1.queue()[0]["served_batch"] == 1 and rig.l1.queue()[0]["paid"] == 0


def test_deposits_are_reclaimed_only_in_exodus_once_and_only_unconsumed(rig):
    tid = rig.publish()
    rig.deposit(ALICE, 5, 3 * USD)
    rig.submit([deposit_record(5, 3 * USD)], 9, tid)
    rig.deposit(ALICE, 5, 4 * USD)
    rig.deposit(BOB, 6, 2 * USD)
    rig.l1.request_forced_withdrawal(6, BOB, 1)
    with pytest.raises(ContractError, match="only in exodus mode"):
        rig.l1.reclaim_deposit(1, sender=ALICE)
    rig.chain.set_next_timestamp(rig.l1.queue()[1]["deadline"] + 1)
    rig.l1.activate_exodus(sender=BOB)
    with pytest.raises(ContractError, match="not an unconsumed entry"):
        rig.l1.reclaim_deposit(0, sender=ALICE)            # consumed by the batch
    with pytest.raises(ContractError, match="not a deposit"):
        rig.l1.reclaim_deposit(3, sender=BOB)
    a, b = rig.l1.l1_balance(ALICE), rig.l1.l1_balance(BOB)
    assert rig.l1.reclaim_deposit(1, sender=CAROL) == 4 * USD      # anyone; paid to the depositor
    assert rig.l1.reclaim_deposit(2, sender=BOB) == 2 * USD
    assert (rig.l1.l1_balance(ALICE), rig.l1.l1_balance(BOB)) == (a + 4 * USD, b + 2 * USD)
    assert [e["reclaimed"] for e in rig.l1.queue()] == [False, True, True, False]
    with pytest.raises(ContractError, match="already reclaimed"):
        rig.l1.reclaim_deposit(1, sender=ALICE)
    assert rig.l1.pending_deposit_total == 0
