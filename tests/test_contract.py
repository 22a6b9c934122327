"""RollupContract bookkeeping (v3) with an injected verifier (tests/contract_helpers.py): the
accepting call builds the public input from its own state and the records, moves the root
and pays withdrawals, forced withdrawals and deposit refunds; every rejected batch changes
nothing; the priority queue, exodus, exits paid to the owner, deposits reclaimed, oracle
and market rules."""
import dataclasses

import pytest

from circuits.field import R
from circuits.spec.ops import OP_DEPOSIT, OP_FORCED, OP_WITHDRAW
from circuits.spec.records import encode_record
from verifier.calldata import BatchCalldata
from verifier.contract import (PAYOUT_FORCED, PAYOUT_REFUND, PAYOUT_WITHDRAWAL, BatchRejected, ContractError,
                               ExitRejected, Reason)
from zkrollup.ops import BUY, SELL, Trade, Withdraw
from zkrollup.risk import build_oracle_table

from contract_helpers import (ALICE, BOB, CAROL, DAY, DID, FAKE_VK, KEYS, T0, USD, FakeProof, Rig, exit_args,
                              expected_value, funded_rig, pk)
from rollup_helpers import EXPIRY, SPOT, VOL, order


def rejected(rig, cd, proof, reason, now=None):
    """Submitting raises BatchRejected(reason) and leaves every piece of state as it was."""
    before = rig.contract.snapshot()
    with pytest.raises(BatchRejected) as e:
        rig.contract.submit_batch(cd, proof, now=now)
    assert e.value.reason == reason, str(e.value)
    assert rig.contract.snapshot() == before
    return e.value


def payouts(rc):
    return [dataclasses.astuple(p) for p in rc.payouts]


# --- accepted batches -------------------------------------------------------------------------------

def test_accepted_batch_moves_root_serves_the_queue_and_pays_withdrawals_in_the_same_call():
    r = Rig()
    c = r.contract
    r.mint(ALICE, 5_000 * USD)
    d = r.deposit(ALICE, 3, 1_000 * USD)
    assert c.l1_balance(ALICE) == 4_000 * USD and c.collateral == 1_000 * USD
    assert c.pending_deposit_total == 1_000 * USD and len(c.pending_entries()) == 1
    r.apply(d)
    r.apply(Withdraw.create(KEYS[3], 3, 250 * USD, 0, CAROL, DID))
    cd, proof, pub = r.close_batch()
    assert c.expected_public_input(cd) == pub
    rc = c.submit_batch(cd, proof, now=T0)
    assert rc.batch_number == 1 == c.batch_number
    assert c.state_root == r.st.root == rc.new_root
    assert rc.entries_served == (0,) and c.entries_served == 1 and c.pending_entries() == []
    assert c.prio_chain() == r.st.prio
    assert payouts(rc) == [(PAYOUT_WITHDRAWAL, 3, CAROL, 250 * USD)]
    assert c.l1_balance(CAROL) == 250 * USD            # paid by the accepting call itself
    assert c.collateral == 750 * USD and r.conserved()
    assert rc.public_input == pub and rc.gas > 0
    assert c.payouts(1) == [{"kind": PAYOUT_WITHDRAWAL, "account": 3, "l1_address": CAROL, "amount": 250 * USD}]


def test_published_batches_record_calldata_proof_and_hashes():
    r = funded_rig()
    recs = r.contract.accepted_batches()
    assert len(recs) == 1
    rec = recs[0]
    assert rec["batch_number"] == 1 and rec["new_root"] == r.st.root
    assert BatchCalldata.from_bytes(rec["calldata_bytes"]) == rec["calldata"]
    assert [w for w in rec["calldata"].decoded()][0].name == "deposit"
    assert rec["oracle_hash"] == r.st.oracle.hash() and rec["market_hash"] == r.st.market.hash()
    assert rec["prio_new"] == r.st.prio and rec["first_entry"] == 0 and rec["prio_old"] == 0
    assert r.contract.batch_records(1) == list(rec["calldata"].records)


def test_calldata_bytes_are_accepted_like_the_dataclass():
    r = funded_rig()
    r.apply(Withdraw.create(KEYS[4], 4, 10 * USD, 0, BOB, DID))
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd.to_bytes(), proof)
    assert r.contract.batch_number == 2 and r.conserved()


def test_batches_keep_entries_pending_until_a_batch_serves_them():
    r = funded_rig()
    d = r.deposit(ALICE, 3, 7 * USD)
    cd, proof, _ = r.close_batch()                      # an empty batch: the deposit stays queued
    r.contract.submit_batch(cd, proof)
    assert r.contract.pending_deposit_total == 7 * USD and r.conserved()
    r.apply(d)
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof)
    assert r.contract.pending_deposit_total == 0 and r.contract.entries_served == 3 and r.conserved()


def test_a_deposit_to_an_account_of_another_key_or_owner_is_refunded_in_the_accepting_call():
    r = funded_rig()
    c = r.contract
    r.mint(CAROL, 100 * USD)
    d = r.deposit(CAROL, 3, 60 * USD)                   # account 3 is ALICE's: refunded
    assert c.l1_balance(CAROL) == 40 * USD
    w = r.apply(d)
    assert w.details["outcome"] == "refund"
    cd, proof, _ = r.close_batch()
    rc = c.submit_batch(cd, proof)
    assert payouts(rc) == [(PAYOUT_REFUND, 3, CAROL, 60 * USD)]
    assert c.l1_balance(CAROL) == 100 * USD and c.queue()[2]["paid"] == 60 * USD and r.conserved()


# --- rejected batches change nothing ------------------------------------------------------------------

@pytest.fixture
def pending():
    """A funded rig with one batch (deposit + withdrawal) built but not submitted."""
    r = funded_rig()
    r.mint(CAROL, 100 * USD)
    d = r.deposit(CAROL, 5, 40 * USD)
    r.apply(d)
    r.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, ALICE, DID))
    cd, proof, pub = r.close_batch()
    return r, cd, proof, pub


def with_record(cd, i, rec):
    recs = list(cd.records)
    recs[i] = rec
    return dataclasses.replace(cd, records=tuple(recs))


def test_wrong_proof_is_rejected(pending):
    r, cd, proof, pub = pending
    rejected(r, cd, FakeProof(pub + 1), Reason.INVALID_PROOF)


@pytest.mark.parametrize("change", [
    {"new_root": 12345},
    {"records": "withdraw amount + 1"},
    {"records": "withdraw to BOB"},
    {"records": "deposit refunded"},
])
def test_altered_calldata_is_rejected(pending, change):
    """The public input hashes the new root and every record: any edit fails the proof."""
    r, cd, proof, pub = pending
    if "new_root" in change:
        bad = dataclasses.replace(cd, **change)
    elif change["records"] == "withdraw amount + 1":
        bad = with_record(cd, 1, encode_record(OP_WITHDRAW, account=3, amount=100 * USD + 1, l1_address=ALICE))
    elif change["records"] == "withdraw to BOB":
        bad = with_record(cd, 1, encode_record(OP_WITHDRAW, account=3, amount=100 * USD, l1_address=BOB))
    else:
        bad = with_record(cd, 0, encode_record(OP_DEPOSIT, account=5, amount=40 * USD, refunded=1))
    rejected(r, bad, proof, Reason.INVALID_PROOF)


def test_altered_calldata_bytes_are_rejected(pending):
    r, cd, proof, pub = pending
    raw = bytearray(cd.to_bytes())
    raw[-42 + 32] ^= 1                             # the withdrawal's L1 address (bytes 13..32), last byte
    rejected(r, bytes(raw), proof, Reason.INVALID_PROOF)
    rejected(r, cd.to_bytes() + b"\x00", proof, Reason.MALFORMED_CALLDATA)
    raw = bytearray(cd.to_bytes())
    raw[-42] = 9                                   # an unknown operation code
    rejected(r, bytes(raw), proof, Reason.MALFORMED_CALLDATA)


def test_replayed_batch_is_rejected(pending):
    r, cd, proof, pub = pending
    r.contract.submit_batch(cd, proof)
    rejected(r, cd, proof, Reason.REPLAYED)
    rejected(r, dataclasses.replace(cd, batch_number=1), proof, Reason.REPLAYED)


def test_batch_number_gap_is_rejected(pending):
    r, cd, proof, pub = pending
    rejected(r, dataclasses.replace(cd, batch_number=cd.batch_number + 1), proof, Reason.OUT_OF_ORDER)


def test_records_that_do_not_fit_the_queue_are_rejected(pending):
    r, cd, proof, pub = pending
    # a second deposit record: the queue holds one entry only
    two = with_record(cd, 1, cd.records[0])
    rejected(r, two, proof, Reason.TOO_MANY_ENTRIES)
    # the entry is a deposit: a forced_withdraw record cannot consume it
    rejected(r, with_record(cd, 0, encode_record(OP_FORCED, account=5, amount=40 * USD, paid=0)), proof,
             Reason.QUEUE_MISMATCH)
    rejected(r, with_record(cd, 0, encode_record(OP_DEPOSIT, account=6, amount=40 * USD, refunded=0)), proof,
             Reason.QUEUE_MISMATCH)


def test_oracle_tables_that_differ_from_the_published_ones_are_rejected(pending):
    r, cd, proof, pub = pending
    # the operator rebuilds the same batch, but its circuit hashes tables of its own making
    r2 = funded_rig()
    r2.mint(CAROL, 100 * USD)
    r2.apply(r2.deposit(CAROL, 5, 40 * USD))
    r2.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, ALICE, DID))
    fake_table = build_oracle_table(r2.st.market, T0, SPOT * 2, VOL)
    cd2, proof2, pub2 = r2.close_batch(oracle_table=fake_table)
    assert cd2 == cd and pub2 != pub
    rejected(r2, cd2, proof2, Reason.INVALID_PROOF)
    # naming a table that was never published
    rejected(r, dataclasses.replace(cd, oracle_table_id=99), proof, Reason.UNKNOWN_ORACLE_TABLE)


def test_superseded_oracle_table_is_rejected_after_the_grace_period(pending):
    r, cd, proof, pub = pending
    r.oracle.publish(build_oracle_table(r.st.market, T0 + 60, SPOT, VOL), now=T0 + 60)
    r.contract.tick(T0 + 60 + r.contract.config.oracle_grace_s + 1)
    rejected(r, cd, proof, Reason.STALE_ORACLE_TABLE)


def test_superseded_oracle_table_is_accepted_within_the_grace_period(pending):
    r, cd, proof, pub = pending
    r.oracle.publish(build_oracle_table(r.st.market, T0 + 60, SPOT, VOL), now=T0 + 60)
    r.contract.submit_batch(cd, proof, now=T0 + 60 + 10)
    assert r.contract.batch_number == 2


def test_unknown_batch_size_is_rejected(pending):
    r, cd, proof, pub = pending
    cd4 = dataclasses.replace(cd, records=cd.records + cd.records[-1:] * 2)
    rejected(r, cd4, proof, Reason.NO_VERIFYING_KEY)


def test_payouts_beyond_collateral_are_rejected():
    r = funded_rig()
    c = r.contract
    rec = encode_record(OP_WITHDRAW, account=3, amount=c.collateral + 1, l1_address=ALICE)
    cd = BatchCalldata(2, 777, r.table_id, (rec, encode_record(0)))
    # checked before the proof: whatever a circuit proved, the contract never pays more than it holds
    rejected(r, cd, FakeProof(0), Reason.INSUFFICIENT_COLLATERAL)


def test_payouts_may_not_touch_queued_deposits():
    r = funded_rig()
    r.mint(CAROL, 10 * USD)
    r.deposit(CAROL, 5, 10 * USD)                         # queued, not served
    rec = encode_record(OP_WITHDRAW, account=3, amount=2_000 * USD + 1, l1_address=ALICE)
    rejected(r, BatchCalldata(2, 777, r.table_id, (rec, encode_record(0))), FakeProof(0),
             Reason.INSUFFICIENT_COLLATERAL)


# --- forced withdrawals and exodus --------------------------------------------------------------------

def test_forced_withdrawal_by_the_owner_is_served_in_time_and_paid():
    r = funded_rig()
    c = r.contract
    req = r.forced(ALICE, 3, 300 * USD, T0 + 10)
    p = c.pending_entries()[0]
    assert p["deadline"] == T0 + 10 + 7 * DAY and (p["kind"], p["l1_address"]) == (2, ALICE)
    r.apply(req)
    cd, proof, _ = r.close_batch()
    before = c.l1_balance(ALICE)
    rc = c.submit_batch(cd, proof, now=T0 + 6 * DAY)
    assert rc.entries_served == (2,) and payouts(rc) == [(PAYOUT_FORCED, 3, ALICE, 300 * USD)]
    assert c.l1_balance(ALICE) == before + 300 * USD and r.conserved()
    assert c.pending_entries() == [] and c.forced_requests()[0]["served_batch"] == 2
    assert c.tick(T0 + 30 * DAY) is False                 # nothing pending: no exodus


def test_forced_withdrawal_served_with_less_than_requested_is_accepted():
    r = funded_rig()
    req = r.forced(ALICE, 3, 5_000 * USD, T0)              # more than the account holds
    w = r.apply(req)
    assert 0 < w.details["paid"] <= 1_000 * USD
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof)
    assert r.contract.pending_entries() == [] and r.conserved()


def test_a_forced_request_from_another_address_than_the_owner_is_served_with_zero():
    r = funded_rig()
    c = r.contract
    req = r.forced(BOB, 3, 300 * USD, T0)                  # account 3 is ALICE's
    w = r.apply(req)
    assert w.details["paid"] == 0 and not w.details["valid"]
    cd, proof, _ = r.close_batch()
    rc = c.submit_batch(cd, proof)
    assert rc.payouts == () and c.queue()[2]["paid"] == 0 and r.conserved()


def test_a_forced_record_paying_more_than_requested_is_rejected():
    r = funded_rig()
    r.forced(ALICE, 3, 10, T0)
    cd = BatchCalldata(2, 777, r.table_id, (encode_record(OP_FORCED, account=3, amount=10, paid=11),
                                            encode_record(0)))
    rejected(r, cd, FakeProof(0), Reason.QUEUE_MISMATCH)


def test_missed_deadline_puts_the_contract_in_exodus_for_good():
    r = funded_rig()
    c = r.contract
    r.forced(ALICE, 3, 300 * USD, T0)
    cd, proof, _ = r.close_batch()                         # a batch that ignores the request
    assert c.tick(T0 + 7 * DAY) is False                  # the deadline itself is still in time
    with pytest.raises(BatchRejected) as e:
        c.submit_batch(cd, proof, now=T0 + 7 * DAY + 1)
    assert e.value.reason == Reason.EXODUS and c.exodus
    assert c.store.get_meta("exodus_at") == T0 + 7 * DAY + 1
    root, bn = c.state_root, c.batch_number
    with pytest.raises(ContractError):
        c.deposit(ALICE, 3, *pk(3), 1)
    with pytest.raises(ContractError):
        c.request_forced_withdrawal(3, ALICE, 1, T0 + 8 * DAY)
    with pytest.raises(ContractError):
        c.register_market(r.st.market)
    assert c.tick(T0 + 9 * DAY) is True and (c.state_root, c.batch_number) == (root, bn)


def test_an_unserved_deposit_also_has_a_deadline():
    r = funded_rig()
    r.mint(CAROL, 5)
    r.deposit(CAROL, 5, 5)
    assert r.contract.tick(T0 + 7 * DAY + 1) is True


def test_time_never_goes_backwards():
    r = funded_rig()
    r.contract.tick(T0 + 100)
    with pytest.raises(ContractError):
        r.contract.tick(T0 + 99)
    assert r.contract.now == T0 + 100


# --- exits --------------------------------------------------------------------------------------------

def trading_rig():
    """Accounts 3 (long) and 4 (short) 5 futures, accepted; then a request is ignored past its
    deadline: exodus, with the native state equal to the last accepted root."""
    r = funded_rig()
    mark = r.st.oracle.mark[2]
    r.apply(Trade(order(3, BUY, 5, mark, 1, slot=2), order(4, SELL, 5, mark, 1, slot=2), 5, mark))
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof)
    r.mint(CAROL, 50 * USD)
    r.deposit(CAROL, 5, 50 * USD)                          # queued, never served
    r.contract.request_forced_withdrawal(3, ALICE, 1, T0)
    assert r.contract.tick(T0 + 8 * DAY)
    assert r.contract.state_root == r.st.root
    return r


def test_exit_pays_cash_plus_positions_at_the_last_accepted_marks_to_the_owner_once():
    r = trading_rig()
    c = r.contract
    a3 = r.st.account(3)
    assert a3.sizes[2] == 5 and a3.cash < 1_000 * USD and a3.owner == ALICE
    want = expected_value(r, 3)
    assert want == a3.cash + 5 * r.st.oracle.mark[2]
    before = c.l1_balance(ALICE)
    paid = c.exit(3, *exit_args(r, 3))
    assert paid == want and c.l1_balance(ALICE) == before + want
    snap = c.snapshot()
    with pytest.raises(ExitRejected) as e:
        c.exit(3, *exit_args(r, 3))
    assert e.value.reason == Reason.ALREADY_EXITED and c.snapshot() == snap
    assert c.exits()[3] == {"l1_address": ALICE, "amount": want, "exited_at": c.now}


def exit_rejected(r, reason, account, leaf, siblings, oi_hash, **kw):
    snap = r.contract.snapshot()
    with pytest.raises(ExitRejected) as e:
        r.contract.exit(account, leaf, siblings, oi_hash, **kw)
    assert e.value.reason == reason, str(e.value)
    assert r.contract.snapshot() == snap


def test_exit_refuses_bad_proofs_another_owner_and_marks():
    r = trading_rig()
    leaf, sib, oi = exit_args(r, 3)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, dataclasses.replace(leaf, cash=leaf.cash + 1), sib, oi)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, dataclasses.replace(leaf, owner=BOB), sib, oi)   # paid to BOB?
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, leaf, [sib[0] ^ 1] + sib[1:], oi)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, leaf, sib, oi + 1)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 4, leaf, sib, oi)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, leaf, sib[:-1], oi)
    # the cash field read modulo r: only the canonical signed representative is accepted
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, dataclasses.replace(leaf, cash=leaf.cash + (1 << 254)), sib, oi)
    exit_rejected(r, Reason.WRONG_MARKS, 3, leaf, sib, oi, marks=[1, 2, 3, 4])
    exit_rejected(r, Reason.NO_OWNER, 0, *exit_args(r, 0))                 # the fee account has no owner
    assert r.contract.exit(3, leaf, sib, oi, marks=list(r.st.oracle.mark)) == expected_value(r, 3)


def test_exit_is_refused_outside_exodus():
    r = funded_rig()
    exit_rejected(r, Reason.NOT_EXODUS, 3, *exit_args(r, 3))


def test_all_exits_pay_out_the_owned_funds_and_deposits_are_reclaimed_once():
    r = trading_rig()
    c = r.contract
    total = sum(c.exit(acct, *exit_args(r, acct)) for acct in (3, 4))
    # positions net to zero between 3 and 4, nobody is under water: the payouts are their cash
    assert total == r.st.account(3).cash + r.st.account(4).cash
    assert c.l1_balance(ALICE) + c.l1_balance(BOB) == 8_000 * USD + total
    with pytest.raises(ContractError):
        c.reclaim_deposit(0)                               # served by a batch
    assert c.reclaim_deposit(2) == 50 * USD and c.l1_balance(CAROL) == 50 * USD
    with pytest.raises(ContractError):
        c.reclaim_deposit(2)
    with pytest.raises(ContractError):
        c.reclaim_deposit(3)                               # a forced request, not a deposit
    assert c.collateral == r.st.total_cash() - total and sum(c.l1_balances().values()) + c.collateral == r.minted


def test_exits_never_pay_more_than_the_collateral():
    """A crash the last batch's marks did not liquidate: the short is under water, so
    floored values sum to more than the contract holds; the payouts stop at collateral."""
    r = funded_rig()
    mark = r.st.oracle.mark[2]
    r.apply(Trade(order(3, BUY, 20, mark, 1, slot=2), order(4, SELL, 20, mark, 1, slot=2), 20, mark))
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof)
    r.publish(build_oracle_table(r.st.market, T0, SPOT * 3, VOL))   # the price triples
    cd, proof, _ = r.close_batch()                                    # an empty batch at the new marks
    r.contract.submit_batch(cd, proof)
    r.contract.request_forced_withdrawal(3, ALICE, 1, T0)
    assert r.contract.tick(T0 + 8 * DAY)
    assert expected_value(r, 4) == 0 and r.st.account(4).cash + 20 * -r.st.oracle.mark[2] < 0
    assert expected_value(r, 3) > r.contract.collateral
    paid = sum(r.contract.exit(a, *exit_args(r, a)) for a in (3, 4))
    assert paid == 2_000 * USD and r.contract.collateral == 0


# --- oracle and market -------------------------------------------------------------------------------

def test_only_the_oracle_publishes_tables_and_they_must_fit_the_market():
    r = Rig()
    c = r.contract
    table = r.st.oracle
    with pytest.raises(ContractError):
        c.publish_oracle_table(table.encode(), sender=0xBAD)
    bad = list(table.encode())
    bad[0] ^= 1                                            # another market's hash
    with pytest.raises(ContractError):
        c.publish_oracle_table(bad, sender=r.oracle.address)
    bad = list(table.encode())
    bad[5] = 1 << 48                                       # a mark beyond 48 bits
    with pytest.raises(ContractError):
        c.publish_oracle_table(bad, sender=r.oracle.address)
    with pytest.raises(ContractError):
        c.publish_oracle_table(table.encode()[:-1], sender=r.oracle.address)
    settled = build_oracle_table(r.st.market, EXPIRY, SPOT, VOL, settle_prices={2: SPOT + 5})
    tid = r.oracle.publish(settled, now=T0)
    assert c.oracle_table(tid)["hash"] == settled.hash()
    enc = list(settled.encode())
    k, s = 4, settled.S
    enc[5 + k + 2 * k * s + 2 * k + 2] += 1                # settlement value != payoff
    with pytest.raises(ContractError):
        c.publish_oracle_table(enc, sender=r.oracle.address)


def test_market_registration_hashes_the_table_itself_and_checks_the_deployment():
    from rollup_helpers import OTHER_DID, make_market
    r = Rig()
    assert r.contract.market_hash == r.st.market.hash()
    with pytest.raises(ContractError):
        r.contract.register_market([DID, 1, 0, 0, 7, 0, 0, 0])  # unknown instrument kind
    with pytest.raises(ContractError, match="deployment"):
        r.contract.register_market(make_market(4, did=OTHER_DID))


def test_verifying_keys_need_one_public_input():
    r = Rig()
    with pytest.raises(ContractError):
        r.contract.register_verifying_key(4, dataclasses.replace(FAKE_VK, ic=(None, None, None)))
    r.contract.register_verifying_key(4, FAKE_VK)
    assert r.contract.batch_sizes() == [2, 4]


def test_deposit_and_forced_requests_check_balance_and_bounds():
    r = Rig()
    c = r.contract
    r.mint(ALICE, 10)
    snap = c.snapshot()
    off_curve = (pk(3)[0], pk(3)[1] + 1)
    small_order = (0, R - 1)                                 # order 2: not in the subgroup
    for args in ((ALICE, 3, *pk(3), 11), (ALICE, 3, *pk(3), 0), (ALICE, 1 << 6, *pk(3), 1),
                 (ALICE, 3, pk(3)[0], 1 << 254, 1), (ALICE, 3, *pk(3), 1 << 64),
                 (ALICE, 3, *off_curve, 1), (ALICE, 3, *small_order, 1), (ALICE, 3, 0, 1, 1),
                 (ALICE, 2, *pk(3), 1), (0, 3, *pk(3), 1)):   # the clearing account; address 0
        with pytest.raises(ContractError):
            c.deposit(*args)
    for args in ((3, ALICE, 0), (1 << 6, ALICE, 1), (3, 0, 1), (3, ALICE, 1 << 64)):
        with pytest.raises(ContractError):
            c.request_forced_withdrawal(*args)
    assert c.snapshot() == snap
    assert c.deposit(ALICE, 3, *pk(3), 10) == 0 and c.queue_length() == 1


def test_the_contract_chains_the_queue_as_the_native_state_does():
    r = funded_rig()
    c = r.contract
    r.mint(CAROL, 10)
    r.forced(ALICE, 3, 10)
    r.deposit(CAROL, 9, 10, key=3)
    r.forced(BOB, 4, 20)
    h = r.st.prio
    for e in r.st.prio_queue:
        h = e.chain(h)
    assert c.prio_chain(c.queue_length()) == h and c.prio_chain() == r.st.prio


def test_the_real_contract_refuses_an_invalid_verifying_key():
    from py_ecc import optimized_bn128 as ob
    from verifier.contract import RollupContract
    from verifier.contract_types import ContractError
    from verifier.groth16 import VerifyingKey
    g1 = tuple(int(v) for v in ob.normalize(ob.G1))
    g2x, g2y = ob.normalize(ob.G2)
    g2 = ((int(g2x.coeffs[0]), int(g2x.coeffs[1])), (int(g2y.coeffs[0]), int(g2y.coeffs[1])))
    c = RollupContract(genesis_root=1)
    with pytest.raises(ContractError, match="invalid verifying key"):
        c.register_verifying_key(1, VerifyingKey((g1[0], g1[1] + 1), g2, g2, g2, (g1, g1)))
    c.register_verifying_key(1, VerifyingKey(g1, g2, g2, g2, (g1, g1)))   # well-formed: accepted


def test_a_slot_is_reused_only_at_zero_open_interest_proven_against_the_root():
    """Review finding: nothing stopped L1 from re-registering a slot with open positions."""
    from circuits.poseidon import poseidon
    from rollup_helpers import EXPIRY, SPOT, make_market
    from verifier.contract import RollupContract
    from circuits.spec.state import state_root
    from verifier.contract_types import ContractError
    from zkrollup.market import Instrument
    accounts_root, oi = 12345, [100, 0, 0, 0]
    c = RollupContract(genesis_root=state_root(accounts_root, poseidon(oi)))
    m = make_market(4)
    c.register_market(m)
    c.register_market(m)                                   # nothing changes: no opening needed
    reuse0 = m.with_instrument(0, Instrument.put(SPOT + 1, EXPIRY + 1), 0)
    with pytest.raises(ContractError, match="oi_opening"):
        c.register_market(reuse0)
    with pytest.raises(ContractError, match="still have open interest"):
        c.register_market(reuse0, oi_opening=(accounts_root, oi))
    with pytest.raises(ContractError, match="does not open"):
        c.register_market(reuse0, oi_opening=(accounts_root, [0, 0, 0, 0]))
    reuse3 = m.with_instrument(3, Instrument.put(SPOT + 1, EXPIRY + 1), 0)
    h = c.register_market(reuse3, oi_opening=(accounts_root, oi))   # slot 3 is empty: allowed
    assert c.store.current_market()[1] == h
