"""The rollup contract (verifier/contracts/rollup.vy): it builds the public input itself
(circuits.spec.public_input: SHA-256 over its header and the records), accepts a batch only
with a proof of exactly that value, consumes the queue entries the records name, pays
withdrawals, forced payouts and deposit refunds in the accepting transaction (checked on
the token's balances), and refuses wrong proofs, wrong old roots, altered or fake data,
replays, stale or unpublished oracle tables (issue 12), each leaving the contracts'
storage unchanged."""
import pytest

from circuits.field import R
from circuits.spec.public_input import batch_public_input
from circuits.spec.records import RECORD_BYTES
from verifier.evm import ExecutionFailed
from verifier.calldata import BatchCalldata
from verifier.l1_client import (PAYOUT_FORCED, PAYOUT_REFUND, PAYOUT_WITHDRAWAL, BatchRejected, ContractError,
                                Reason, address_int, proof_words)

from l1_helpers import (ALICE, BOB, CAROL, GENESIS_ROOT, GOV, OPERATOR, USD, Rig, deposit_record,
                        forced_record, noop, prove, snapshot, stand_in_key, withdraw_record)


@pytest.fixture
def rig():
    return Rig()


def rejected(rig, new_root, table_id, data, proof, reason=None, match=None, deficit=0):
    """Submit through the client when the records are well formed (checking the Reason it
    maps the revert to), else straight to the contract; either way nothing changes."""
    before = snapshot(rig.chain)
    try:
        cd = BatchCalldata(rig.l1.batch_number + 1, new_root, table_id,
                           tuple(data[i:i + RECORD_BYTES] for i in range(0, len(data), RECORD_BYTES)), deficit,
                           rig.open_interest())
    except ValueError:
        cd = None
    if cd is not None:
        with pytest.raises(BatchRejected) as e:
            rig.l1.submit_batch(cd, proof)
        err = e.value
        if reason:
            assert err.reason == reason, err
    else:
        with pytest.raises(ExecutionFailed) as e:
            rig.l1.rollup.transact("submit_batch", new_root, table_id, data, deficit, bytes(5 * rig.K), proof_words(proof),
                                   sender=OPERATOR)
        err = e.value
    assert snapshot(rig.chain) == before
    if match:
        assert match in str(err)
    return err


def funded(rig):
    """Alice deposits 100 and Bob 50 (accepted in batch 1); returns the table id."""
    tid = rig.publish()
    rig.deposit(ALICE, 5, 100 * USD)
    rig.deposit(BOB, 6, 50 * USD)
    rig.submit([deposit_record(5, 100 * USD), deposit_record(6, 50 * USD)], 1001, tid)
    return tid


def test_an_accepted_batch_moves_root_and_number_and_emits_its_data_hash(rig):
    tid = rig.publish()
    rig.deposit(ALICE, 5, 100 * USD)
    records = [deposit_record(5, 100 * USD), noop()]
    header = rig.header(1001, tid, 1)
    cd = rig.calldata(records, 1001, tid)
    assert rig.l1.expected_public_input(cd) == batch_public_input(records, 0, rig.open_interest(), **header)
    rc = rig.submit(records, 1001, tid)
    assert (rig.l1.state_root, rig.l1.batch_number, rig.l1.last_oracle_table_id, rig.l1.entries_served) == \
        (1001, 1, tid, 1)
    assert rc.public_input == batch_public_input(records, 0, rig.open_interest(), **header) and rc.payouts == ()
    assert rc.entries_served == (0,) and rc.old_root == GENESIS_ROOT and rc.new_root == 1001
    (b,) = rig.l1.accepted_batches()
    assert (b["batch_number"], b["old_root"], b["new_root"], b["table_id"], b["calldata"]) == \
        (1, GENESIS_ROOT, 1001, tid, cd)
    assert (b["prio_old"], b["prio_new"], b["oracle_hash"], b["first_entry"]) == \
        (header["prio_old"], header["prio_new"], header["oracle_hash"], 0)
    assert b["public_input"] == rc.public_input and b["gas"] == rc.gas
    import hashlib
    from circuits.spec.public_input import batch_data, header_bytes
    from circuits.spec.solvency import cash_flow, trailer_bytes
    trailer = trailer_bytes(0, cash_flow(records), rig.open_interest())
    assert b["data_hash"] == hashlib.sha256(batch_data(header_bytes(**header), records, trailer)).digest()
    with pytest.raises(BatchRejected) as e:
        rig.l1.submit_batch(cd, prove(1))
    assert e.value.reason == Reason.REPLAYED


def test_withdrawals_forced_payouts_and_refunds_are_paid_in_the_accepting_transaction(rig):
    tid = funded(rig)
    rig.l1.request_forced_withdrawal(6, BOB, 30 * USD)
    rig.deposit(CAROL, 5, 7 * USD)                  # refunded: not Alice's account to credit
    a, b, c = (rig.l1.l1_balance(x) for x in (ALICE, BOB, CAROL))
    held = rig.l1.collateral
    records = [withdraw_record(5, 40 * USD, ALICE), forced_record(6, 30 * USD, 20 * USD),
               deposit_record(5, 7 * USD, refunded=1), withdraw_record(5, 1, "0x" + "00" * 20)]
    rc = rig.submit(records, 1002, tid)
    assert (rig.l1.l1_balance(ALICE), rig.l1.l1_balance(BOB), rig.l1.l1_balance(CAROL)) == \
        (a + 40 * USD, b + 20 * USD, c + 7 * USD)
    assert rig.l1.collateral == held - 67 * USD           # the zero address's 1 stays in the contract
    want = [(PAYOUT_WITHDRAWAL, 5, address_int(ALICE), 40 * USD), (PAYOUT_FORCED, 6, address_int(BOB), 20 * USD),
            (PAYOUT_REFUND, 5, address_int(CAROL), 7 * USD)]
    assert [(p.kind, p.account, p.l1_address, p.amount) for p in rc.payouts] == want
    assert [tuple(p.values()) for p in rig.l1.payouts(2)] == want
    assert rig.l1.queue_contract.call("pending_forced", BOB) == 0
    assert [(e["served_batch"], e["paid"]) for e in rig.l1.queue()] == [(1, 0), (1, 0), (2, 20 * USD), (2, 7 * USD)]


def test_a_wrong_proof_is_refused(rig):
    tid = funded(rig)
    records = [withdraw_record(5, USD, ALICE)]
    data, proof = rig.batch(records, 1002, tid)
    rejected(rig, 1002, tid, data, prove(12345), Reason.INVALID_PROOF)
    other = rig.batch(records, 1003, tid)[1]                   # a valid proof of another batch
    rejected(rig, 1002, tid, data, other, Reason.INVALID_PROOF)
    import dataclasses
    bad = dataclasses.replace(proof, c=(proof.c[0], (proof.c[1] + 1) % R))  # off the curve
    rejected(rig, 1002, tid, data, bad, Reason.INVALID_PROOF)
    with pytest.raises(BatchRejected) as e:
        rig.l1.submit_batch(rig.calldata(records, 1002, tid), "not a proof")
    assert e.value.reason == Reason.MALFORMED_PROOF
    rig.l1.submit_batch(rig.calldata(records, 1002, tid), proof)


def test_a_proof_made_for_another_old_root_is_refused(rig):
    tid = funded(rig)
    records = [withdraw_record(5, USD, ALICE)]
    header = rig.header(1002, tid, 0)
    header["old_root"] = GENESIS_ROOT                     # as if batch 1 had not happened
    rejected(rig, 1002, tid, b"".join(records), prove(batch_public_input(records, 0, rig.open_interest(), **header)),
             Reason.INVALID_PROOF)


def test_altered_or_fake_data_is_refused(rig):
    tid = funded(rig)
    records = [withdraw_record(5, USD, ALICE), noop()]
    data, proof = rig.batch(records, 1002, tid)
    altered = withdraw_record(5, USD, BOB) + noop()          # the payout redirected
    rejected(rig, 1002, tid, altered, proof, Reason.INVALID_PROOF)
    bigger = withdraw_record(5, 2 * USD, ALICE) + noop()
    rejected(rig, 1002, tid, bigger, proof, Reason.INVALID_PROOF)
    rejected(rig, 1002, tid, data[:RECORD_BYTES] + bytes(RECORD_BYTES - 1) + b"\1", proof, Reason.INVALID_PROOF)
    rejected(rig, 1002, tid, data[:-1], proof, match="not N whole records")
    rejected(rig, 1002, tid, data + noop(), proof, Reason.NO_VERIFYING_KEY)    # N = 3 has none
    rig.l1.submit_batch(rig.calldata(records, 1002, tid), proof)


def test_a_replayed_batch_is_refused(rig):
    tid = rig.publish()
    records = [withdraw_record(5, 0, ALICE)]
    data, proof = rig.batch(records, 1001, tid)
    rig.l1.submit_batch(rig.calldata(records, 1001, tid), proof)
    rejected(rig, 1001, tid, data, proof, Reason.INVALID_PROOF)      # as batch 2: the old root moved on
    assert rig.l1.batch_number == 1


def test_stale_unpublished_or_older_oracle_tables_are_refused(rig):
    t1 = rig.publish()
    records = [noop()]
    rejected(rig, 1001, 2, records[0], prove(1), Reason.UNKNOWN_ORACLE_TABLE)
    rejected(rig, 1001, 0, records[0], prove(1), Reason.UNKNOWN_ORACLE_TABLE)
    t2 = rig.publish()
    rig.submit(records, 1001, t2)
    data, proof = rig.batch(records, 1002, t1)
    rejected(rig, 1002, t1, data, proof, Reason.STALE_ORACLE_TABLE, "older than the last accepted")
    ts = rig.l1.oracle_table(t2)["published_at"]
    data, proof = rig.batch(records, 1002, t2)
    rig.l1.submit_batch(rig.calldata(records, 1002, t2), proof, ts + rig.config.max_oracle_age)  # fresh at the limit
    data, proof = rig.batch(records, 1003, t2)
    e = rejected(rig, 1003, t2, data, proof, Reason.STALE_ORACLE_TABLE, "stale oracle table")
    assert e.detail == "rollup: stale oracle table"


def test_queue_entries_must_exist_and_match_the_record_kinds(rig):
    tid = rig.publish()
    records = [deposit_record(5, USD)]
    rejected(rig, 1001, tid, records[0], prove(1), Reason.TOO_MANY_ENTRIES)
    rig.l1.request_forced_withdrawal(5, ALICE, USD)
    # a proof of exactly the public input the contract builds, but the record's kind is wrong:
    # the contract's own check refuses it
    rejected(rig, 1001, tid, *rig.batch(records, 1001, tid), Reason.QUEUE_MISMATCH)
    rig.submit([forced_record(5, USD, 0)], 1001, tid)
    rig.deposit(ALICE, 5, USD)
    rejected(rig, 1002, tid, *rig.batch([forced_record(5, USD, 0)], 1002, tid), Reason.QUEUE_MISMATCH)


def test_a_forced_withdrawal_never_pays_more_than_requested(rig):
    tid = funded(rig)
    rig.l1.request_forced_withdrawal(6, BOB, 10 * USD)
    rejected(rig, 1002, tid, *rig.batch([forced_record(6, 10 * USD, 10 * USD + 1)], 1002, tid),
             match="pays more than requested")


def test_new_root_and_batch_size_checks(rig):
    tid = rig.publish()
    before = snapshot(rig.chain)
    with pytest.raises(BatchRejected):
        rig.l1.submit_batch(b"junk", prove(1))
    with pytest.raises(ExecutionFailed, match="not below r"):
        rig.l1.rollup.transact("submit_batch", R, tid, noop(), 0, bytes(5 * rig.K), [1] * 8, sender=OPERATOR)
    assert snapshot(rig.chain) == before
    rejected(rig, 5, tid, noop() * 3, prove(1), Reason.NO_VERIFYING_KEY)
    with pytest.raises(BatchRejected) as e:
        rig.l1.submit_batch(BatchCalldata(1, 5, tid, (noop(),) * 65, 0, rig.open_interest()), prove(1))
    assert e.value.reason == Reason.MALFORMED_CALLDATA and "at most 64" in str(e.value)


def test_only_the_governor_sets_verifiers(rig):
    _, vk = stand_in_key()
    with pytest.raises(ContractError, match="only the governor"):
        rig.l1.register_verifying_key(3, vk, sender=ALICE)
    with pytest.raises(ExecutionFailed, match="must be a contract"):
        rig.l1.rollup.transact("set_verifier", 3, ALICE, sender=GOV)
    with pytest.raises(ExecutionFailed, match="1..64"):
        rig.l1.rollup.transact("set_verifier", 65, rig.l1.verifier_address(1), sender=GOV)
    rig.l1.register_verifying_key(3, vk)
    assert rig.l1.verifier_address(3) is not None and rig.l1.verifying_key(3) == vk
    assert rig.l1.batch_sizes() == [1, 2, 3, 4] and rig.l1.verifying_key(5) is None


def test_governance_is_handed_on_in_two_steps(rig):
    g = rig.l1.governance
    with pytest.raises(ExecutionFailed, match="only the governor"):
        g.transact("propose_governor", ALICE, sender=ALICE)
    g.transact("propose_governor", ALICE, sender=GOV)
    with pytest.raises(ExecutionFailed, match="only the proposed governor"):
        g.transact("accept_governance", sender=BOB)
    g.transact("accept_governance", sender=ALICE)
    assert rig.l1.governor == ALICE
    _, vk = stand_in_key()
    with pytest.raises(ContractError, match="only the governor"):
        rig.l1.register_verifying_key(3, vk, sender=GOV)
    rig.l1.register_verifying_key(3, vk, sender=ALICE)


def test_expected_public_input_refuses_what_submit_would(rig):
    with pytest.raises(BatchRejected) as e:
        rig.l1.expected_public_input(BatchCalldata(1, 5, 1, (noop(),), 0, rig.open_interest()))
    assert e.value.reason == Reason.UNKNOWN_ORACLE_TABLE
    tid = rig.publish()
    rig.deposit(ALICE, 5, USD)
    x = rig.l1.expected_public_input(BatchCalldata(1, 5, tid, (deposit_record(5, USD),), 0, rig.open_interest()))
    assert x == batch_public_input([deposit_record(5, USD)], 0, rig.open_interest(), **rig.header(5, tid, 1))
    assert rig.l1.entries_served == 0                          # a view: nothing consumed
