"""RollupContract bookkeeping with an injected verifier (tests/contract_helpers.py): the
accepting call moves the root and pays withdrawals; every rejected batch changes nothing;
forced withdrawals, exodus, exits, deposits reclaimed, oracle and market rules."""
import dataclasses

import pytest

from circuits.batch.public import EFFECT_FORCED, EFFECT_WITHDRAWAL, Effect
from verifier.calldata import BatchCalldata
from verifier.contract import BatchRejected, ContractError, ExitRejected, Reason
from circuits.field import R
from zkrollup.ops import BUY, SELL, ForcedWithdraw, Trade, Withdraw
from zkrollup.risk import build_oracle_table

from contract_helpers import (ALICE, BOB, CAROL, DAY, FAKE_VK, KEYS, T0, USD, FakeProof, Rig,
                              exit_args, expected_value, funded_rig, pk, signed_forced)
from rollup_helpers import EXPIRY, SPOT, VOL, order


def rejected(rig, cd, proof, reason, now=None):
    """Submitting raises BatchRejected(reason) and leaves every piece of state as it was."""
    before = rig.contract.snapshot()
    with pytest.raises(BatchRejected) as e:
        rig.contract.submit_batch(cd, proof, now=now)
    assert e.value.reason == reason, str(e.value)
    assert rig.contract.snapshot() == before
    return e.value


# --- accepted batches -------------------------------------------------------------------------------

def test_accepted_batch_moves_root_consumes_deposits_and_pays_withdrawals_in_the_same_call():
    r = Rig()
    c = r.contract
    r.mint(ALICE, 5_000 * USD)
    d = r.deposit(ALICE, 3, 1_000 * USD)
    assert c.l1_balance(ALICE) == 4_000 * USD and c.collateral == 1_000 * USD
    assert c.pending_deposit_total == 1_000 * USD and len(c.pending_deposits()) == 1
    r.apply(d)
    r.apply(Withdraw.create(KEYS[3], 3, 250 * USD, 0, CAROL))
    cd, proof, commitment = r.close_batch()
    assert c.expected_commitment(cd) == commitment
    rc = c.submit_batch(cd, proof, now=T0)
    assert rc.batch_number == 1 == c.batch_number
    assert c.state_root == r.st.root == rc.new_root
    assert rc.deposits_consumed == (0,) and c.deposits_consumed == 1 and c.pending_deposits() == []
    assert c.deposit_hash() == r.st.deposit_hash
    assert [dataclasses.astuple(p) for p in rc.payouts] == [(EFFECT_WITHDRAWAL, 3, CAROL, 250 * USD)]
    assert c.l1_balance(CAROL) == 250 * USD            # paid by the accepting call itself
    assert c.collateral == 750 * USD and r.conserved()
    assert rc.commitment == commitment and rc.gas > 0


def test_published_batches_record_calldata_proof_and_hashes():
    r = funded_rig()
    recs = r.contract.accepted_batches()
    assert len(recs) == 1
    rec = recs[0]
    assert rec["batch_number"] == 1 and rec["new_root"] == r.st.root
    assert rec["calldata"].n_deposits == 2 and BatchCalldata.from_bytes(rec["calldata_bytes"]) == rec["calldata"]
    assert rec["oracle_hash"] == r.st.oracle.hash() and rec["market_hash"] == r.st.market.hash()
    assert rec["deposit_hash_new"] == r.st.deposit_hash and rec["first_deposit"] == 0


def test_calldata_bytes_are_accepted_like_the_dataclass():
    r = funded_rig()
    r.apply(Withdraw.create(KEYS[4], 4, 10 * USD, 0, BOB))
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd.to_bytes(), proof)
    assert r.contract.batch_number == 2 and r.conserved()


def test_batches_keep_deposits_pending_until_a_batch_consumes_them():
    r = funded_rig()
    d = r.deposit(ALICE, 5, 7 * USD)
    cd, proof, _ = r.close_batch()                      # an empty batch: the deposit stays queued
    r.contract.submit_batch(cd, proof)
    assert r.contract.pending_deposit_total == 7 * USD and r.conserved()
    r.apply(d)
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof)
    assert r.contract.pending_deposit_total == 0 and r.contract.deposits_consumed == 3 and r.conserved()


# --- rejected batches change nothing ------------------------------------------------------------------

@pytest.fixture
def pending():
    """A funded rig with one batch (deposit + withdrawal) built but not submitted."""
    r = funded_rig()
    r.mint(CAROL, 100 * USD)
    d = r.deposit(CAROL, 5, 40 * USD)
    r.apply(d)
    r.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, ALICE))
    cd, proof, c = r.close_batch()
    return r, cd, proof, c


def test_wrong_proof_is_rejected(pending):
    r, cd, proof, c = pending
    rejected(r, cd, FakeProof(c + 1), Reason.INVALID_PROOF)


def test_wrong_old_root_is_rejected(pending):
    r, cd, proof, c = pending
    rejected(r, dataclasses.replace(cd, old_root=cd.new_root), proof, Reason.WRONG_OLD_ROOT)


@pytest.mark.parametrize("change", [
    {"new_root": 12345},
    {"n_deposits": 0},
    {"effects": (None, Effect(EFFECT_WITHDRAWAL, 3, ALICE, 100 * USD + 1))},
    {"effects": (None, Effect(EFFECT_WITHDRAWAL, 3, BOB, 100 * USD))},
    # one effect more (the commitment chains the listed effects, not their slot positions)
    {"effects": (Effect(EFFECT_WITHDRAWAL, 3, ALICE, 100 * USD), Effect(EFFECT_WITHDRAWAL, 3, ALICE, 1))},
])
def test_altered_calldata_is_rejected(pending, change):
    r, cd, proof, c = pending
    rejected(r, dataclasses.replace(cd, **change), proof, Reason.INVALID_PROOF)


def test_altered_calldata_bytes_are_rejected(pending):
    r, cd, proof, c = pending
    raw = bytearray(cd.to_bytes())
    raw[-1] ^= 1                                            # the withdrawal amount's last byte
    rejected(r, bytes(raw), proof, Reason.INVALID_PROOF)
    rejected(r, cd.to_bytes() + b"\x00", proof, Reason.MALFORMED_CALLDATA)


def test_replayed_batch_is_rejected(pending):
    r, cd, proof, c = pending
    r.contract.submit_batch(cd, proof)
    rejected(r, cd, proof, Reason.REPLAYED)
    rejected(r, dataclasses.replace(cd, batch_number=1), proof, Reason.REPLAYED)


def test_batch_number_gap_is_rejected(pending):
    r, cd, proof, c = pending
    rejected(r, dataclasses.replace(cd, batch_number=cd.batch_number + 1), proof, Reason.OUT_OF_ORDER)


def test_claiming_more_deposits_than_queued_is_rejected(pending):
    r, cd, proof, c = pending
    rejected(r, dataclasses.replace(cd, n_deposits=2), proof, Reason.TOO_MANY_DEPOSITS)


def test_oracle_tables_that_differ_from_the_published_ones_are_rejected(pending):
    r, cd, proof, c = pending
    # the operator rebuilds the same batch, but its circuit hashes tables of its own making
    r2 = funded_rig()
    r2.mint(CAROL, 100 * USD)
    r2.apply(r2.deposit(CAROL, 5, 40 * USD))
    r2.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, ALICE))
    fake_table = build_oracle_table(r2.st.market, T0, SPOT * 2, VOL)
    cd2, proof2, c2 = r2.close_batch(oracle_table=fake_table)
    assert cd2 == cd and c2 != c
    rejected(r2, cd2, proof2, Reason.INVALID_PROOF)
    # naming a table that was never published
    rejected(r, dataclasses.replace(cd, oracle_table_id=99), proof, Reason.UNKNOWN_ORACLE_TABLE)


def test_superseded_oracle_table_is_rejected_after_the_grace_period(pending):
    r, cd, proof, c = pending
    r.oracle.publish(build_oracle_table(r.st.market, T0 + 60, SPOT, VOL), now=T0 + 60)
    r.contract.tick(T0 + 60 + r.contract.config.oracle_grace_s + 1)
    rejected(r, cd, proof, Reason.STALE_ORACLE_TABLE)


def test_superseded_oracle_table_is_accepted_within_the_grace_period(pending):
    r, cd, proof, c = pending
    r.oracle.publish(build_oracle_table(r.st.market, T0 + 60, SPOT, VOL), now=T0 + 60)
    r.contract.submit_batch(cd, proof, now=T0 + 60 + 10)
    assert r.contract.batch_number == 2


def test_unknown_batch_size_is_rejected(pending):
    r, cd, proof, c = pending
    cd4 = BatchCalldata(4, cd.batch_number, cd.old_root, cd.new_root, cd.n_deposits,
                        cd.oracle_table_id, cd.effects)
    rejected(r, cd4, proof, Reason.NO_VERIFYING_KEY)


def test_payouts_beyond_collateral_are_rejected():
    r = funded_rig()
    c = r.contract
    cd = BatchCalldata(2, 2, c.state_root, 777, 0, r.table_id,
                       (Effect(EFFECT_WITHDRAWAL, 3, ALICE, c.collateral + 1), None))
    # checked before the proof: whatever a circuit proved, the contract never pays more than it holds
    rejected(r, cd, FakeProof(0), Reason.INSUFFICIENT_COLLATERAL)


def test_payouts_may_not_touch_queued_deposits():
    r = funded_rig()
    c = r.contract
    r.mint(CAROL, 10 * USD)
    r.deposit(CAROL, 5, 10 * USD)                         # queued, not consumed
    cd = BatchCalldata(2, 2, c.state_root, 777, 0, r.table_id,
                       (Effect(EFFECT_WITHDRAWAL, 3, ALICE, 2_000 * USD + 1), None))
    rejected(r, cd, FakeProof(0), Reason.INSUFFICIENT_COLLATERAL)


# --- forced withdrawals and exodus --------------------------------------------------------------------

def forced(r, account, amount, addr, now):
    req = ForcedWithdraw.create(KEYS[account], account, amount, r.st.account(account).nonce, addr)
    rid = r.contract.request_forced_withdrawal(account, addr, amount, now, nonce=req.nonce,
                                               signature=req.signature, pk=req.pk)
    r.st.enqueue_forced_withdraw(req)
    return rid, req


def test_forced_withdrawal_served_in_time_pays_and_keeps_the_contract_live():
    r = funded_rig()
    c = r.contract
    rid, req = forced(r, 3, 300 * USD, ALICE, T0 + 10)
    p = c.pending_forced_withdrawals()[0]
    assert p["deadline"] == T0 + 10 + 7 * DAY and p["request"]["nonce"] == 0
    r.apply(req)
    cd, proof, _ = r.close_batch()
    assert cd.effects[0] == Effect(EFFECT_FORCED, 3, ALICE, 300 * USD)
    before = c.l1_balance(ALICE)
    rc = c.submit_batch(cd, proof, now=T0 + 6 * DAY)
    assert rc.forced_served == (rid,)
    assert c.l1_balance(ALICE) == before + 300 * USD and r.conserved()
    assert c.pending_forced_withdrawals() == []
    assert c.forced_requests()[0]["served_batch"] == 2
    assert c.tick(T0 + 30 * DAY) is False                 # nothing pending: no exodus


def test_forced_withdrawal_served_with_less_than_requested_is_accepted():
    r = funded_rig()
    rid, req = forced(r, 3, 5_000 * USD, ALICE, T0)       # more than the account holds
    r.apply(req)
    cd, proof, _ = r.close_batch()
    assert 0 < cd.effects[0].amount <= 1_000 * USD
    r.contract.submit_batch(cd, proof)
    assert r.contract.pending_forced_withdrawals() == [] and r.conserved()


def test_forced_effects_must_match_pending_requests_in_order():
    r = funded_rig()
    c = r.contract
    cd = BatchCalldata(2, 2, c.state_root, 777, 0, r.table_id,
                       (Effect(EFFECT_FORCED, 3, ALICE, 1), None))
    rejected(r, cd, FakeProof(0), Reason.FORCED_MISMATCH)     # no request pending
    c.request_forced_withdrawal(3, ALICE, 10, T0, **signed_forced(3, ALICE, 10)[1])
    for e in (Effect(EFFECT_FORCED, 4, ALICE, 1), Effect(EFFECT_FORCED, 3, BOB, 1),
              Effect(EFFECT_FORCED, 3, ALICE, 11)):
        bad = dataclasses.replace(cd, effects=(e, None))
        rejected(r, bad, FakeProof(0), Reason.FORCED_MISMATCH)


def test_missed_deadline_puts_the_contract_in_exodus_for_good():
    r = funded_rig()
    c = r.contract
    forced(r, 3, 300 * USD, ALICE, T0)
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
        c.request_forced_withdrawal(3, ALICE, 1, T0 + 8 * DAY, **signed_forced(3, ALICE, 1)[1])
    with pytest.raises(ContractError):
        c.register_market(r.st.market)
    assert c.tick(T0 + 9 * DAY) is True and (c.state_root, c.batch_number) == (root, bn)


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
    r.deposit(CAROL, 5, 50 * USD)                          # queued, never consumed
    r.contract.request_forced_withdrawal(3, ALICE, 1, T0, **signed_forced(3, ALICE, 1)[1])
    assert r.contract.tick(T0 + 8 * DAY)
    assert r.contract.state_root == r.st.root
    return r


def test_exit_pays_cash_plus_positions_at_the_last_accepted_marks_once():
    r = trading_rig()
    c = r.contract
    a3 = r.st.account(3)
    assert a3.sizes[2] == 5 and a3.cash < 1_000 * USD
    want = expected_value(r, 3)
    assert want == a3.cash + 5 * r.st.oracle.mark[2]
    before = c.l1_balance(DAVE := 0xDA7E)
    paid = c.exit(3, *exit_args(r, 3, DAVE))
    assert paid == want and c.l1_balance(DAVE) == before + want
    snap = c.snapshot()
    with pytest.raises(ExitRejected) as e:
        c.exit(3, *exit_args(r, 3, DAVE))
    assert e.value.reason == Reason.ALREADY_EXITED and c.snapshot() == snap
    assert c.exits()[3]["amount"] == want


def exit_rejected(r, reason, account, leaf, siblings, oi_hash, addr, sig, **kw):
    snap = r.contract.snapshot()
    with pytest.raises(ExitRejected) as e:
        r.contract.exit(account, leaf, siblings, oi_hash, addr, sig, **kw)
    assert e.value.reason == reason, str(e.value)
    assert r.contract.snapshot() == snap


def test_exit_refuses_bad_proofs_signatures_and_marks():
    r = trading_rig()
    leaf, sib, oi, addr, sig = exit_args(r, 3, ALICE)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, dataclasses.replace(leaf, cash=leaf.cash + 1), sib, oi, addr, sig)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, leaf, [sib[0] ^ 1] + sib[1:], oi, addr, sig)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, leaf, sib, oi + 1, addr, sig)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 4, leaf, sib, oi, addr, sig)
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, leaf, sib[:-1], oi, addr, sig)
    # the cash field read modulo r: only the canonical signed representative is accepted
    exit_rejected(r, Reason.BAD_MERKLE_PROOF, 3, dataclasses.replace(leaf, cash=leaf.cash + (1 << 254)),
                  sib, oi, addr, sig)
    exit_rejected(r, Reason.BAD_SIGNATURE, 3, leaf, sib, oi, BOB, sig)        # signed for ALICE
    exit_rejected(r, Reason.BAD_SIGNATURE, 3, *exit_args(r, 3, ALICE, key=4)[:4],
                  exit_args(r, 3, ALICE, key=4)[4])
    exit_rejected(r, Reason.WRONG_MARKS, 3, leaf, sib, oi, addr, sig, marks=[1, 2, 3, 4])
    assert r.contract.exit(3, leaf, sib, oi, addr, sig, marks=list(r.st.oracle.mark)) == expected_value(r, 3)


def test_exit_is_refused_outside_exodus():
    r = funded_rig()
    exit_rejected(r, Reason.NOT_EXODUS, 3, *exit_args(r, 3, ALICE))


def test_all_exits_pay_out_exactly_the_l2_funds_and_deposits_are_reclaimed_once():
    r = trading_rig()
    c = r.contract
    total = 0
    for acct in sorted(r.st.accounts):
        key = 0 if acct == 2 else acct                     # the clearing account uses the fee key
        total += c.exit(acct, *exit_args(r, acct, 0x1000 + acct, key=key))
    # positions net to zero across accounts, nobody is under water: the payouts are the L2 cash
    assert total == r.st.total_cash() and c.collateral == c.pending_deposit_total == 50 * USD
    with pytest.raises(ContractError):
        c.reclaim_deposit(0)                               # consumed by a batch
    assert c.reclaim_deposit(2) == 50 * USD and c.l1_balance(CAROL) == 50 * USD
    with pytest.raises(ContractError):
        c.reclaim_deposit(2)
    assert c.collateral == 0 and sum(c.l1_balances().values()) == r.minted


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
    r.contract.request_forced_withdrawal(3, ALICE, 1, T0, **signed_forced(3, ALICE, 1)[1])
    assert r.contract.tick(T0 + 8 * DAY)
    assert expected_value(r, 4) == 0 and r.st.account(4).cash + 20 * -r.st.oracle.mark[2] < 0
    owed = sum(expected_value(r, a) for a in r.st.accounts)
    assert owed > r.contract.collateral
    paid = sum(r.contract.exit(a, *exit_args(r, a, 0x2000 + a, key=0 if a == 2 else a))
               for a in (3, 4, 0, 1, 2))
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


def test_market_registration_hashes_the_table_itself():
    r = Rig()
    assert r.contract.market_hash == r.st.market.hash()
    with pytest.raises(ContractError):
        r.contract.register_market([1, 0, 0, 7, 0, 0, 0])  # unknown instrument kind


def test_verifying_keys_need_one_public_input():
    r = Rig()
    with pytest.raises(ContractError):
        r.contract.register_verifying_key(4, dataclasses.replace(FAKE_VK, ic=(None, None, None)))
    r.contract.register_verifying_key(4, FAKE_VK)
    assert r.contract.batch_sizes() == [2, 4]


def test_deposit_checks_balance_and_bounds():
    r = Rig()
    c = r.contract
    r.mint(ALICE, 10)
    snap = c.snapshot()
    off_curve = (pk(3)[0], pk(3)[1] + 1)
    small_order = (0, R - 1)                                 # order 2: not in the subgroup
    for args in ((ALICE, 3, *pk(3), 11), (ALICE, 3, *pk(3), 0), (ALICE, 1 << 6, *pk(3), 1),
                 (ALICE, 3, pk(3)[0], 1 << 254, 1), (ALICE, 3, *pk(3), 1 << 64),
                 (ALICE, 3, *off_curve, 1), (ALICE, 3, *small_order, 1), (ALICE, 3, 0, 1, 1),
                 (ALICE, 2, *pk(3), 1)):                    # the clearing account
        with pytest.raises(ContractError):
            c.deposit(*args)
    assert c.snapshot() == snap
    assert c.deposit(ALICE, 3, *pk(3), 10) == 0 and c.deposit_count() == 1


# --- forced requests are checked and chained on L1 (commitment v2) --------------------------------

def test_a_forced_request_needs_a_subgroup_key_and_its_signature():
    r = funded_rig()
    c = r.contract
    before = c.snapshot()
    req, kw = signed_forced(3, ALICE, 10)
    with pytest.raises(ContractError, match="needs"):
        c.request_forced_withdrawal(3, ALICE, 10, T0, nonce=0, signature=req.signature)   # no key
    with pytest.raises(ContractError, match="signature"):
        c.request_forced_withdrawal(3, ALICE, 11, T0, **kw)                 # signed another amount
    with pytest.raises(ContractError, match="signature"):
        c.request_forced_withdrawal(3, ALICE, 10, T0, **{**kw, "nonce": 1})
    with pytest.raises(ContractError, match="subgroup"):
        c.request_forced_withdrawal(3, ALICE, 10, T0, **{**kw, "pk": (1, 2)})
    with pytest.raises(ContractError, match="subgroup"):
        c.request_forced_withdrawal(3, ALICE, 10, T0, **{**kw, "pk": (0, 1)})   # the identity
    assert c.snapshot() == before


def test_the_contract_chains_forced_requests_as_the_native_queue_does():
    r = funded_rig()
    c = r.contract
    assert c.forced_hash() == 0
    reqs = [signed_forced(3, ALICE, 10), signed_forced(4, BOB, 20, key=3), signed_forced(4, BOB, 5, nonce=9)]
    h = 0
    for req, kw in reqs:
        c.request_forced_withdrawal(req.account, req.l1_address, req.amount, T0, **kw)
        h = req.chain(h)
        assert c.forced_hash(len(c.forced_requests())) == h
    assert c.forced_hash() == 0                              # none served yet
    assert c.forced_requests()[1]["request"]["pk"] == list(pk(3))


def test_requests_under_another_key_or_a_stale_nonce_are_served_with_zero_and_accepted():
    r = funded_rig()
    c = r.contract
    for req, kw in (signed_forced(4, BOB, 20, key=3), signed_forced(3, ALICE, 5, nonce=9)):
        c.request_forced_withdrawal(req.account, req.l1_address, req.amount, T0, **kw)
        r.st.enqueue_forced_withdraw(req)
        w = r.apply(req)
        assert w.effect.amount == 0 and w.details["rejected"] in ("another key", "stale nonce")
    cd, proof, _ = r.close_batch()
    rc = c.submit_batch(cd, proof)
    assert len(rc.forced_served) == 2 and c.pending_forced_withdrawals() == [] and r.conserved()
    assert c.forced_hash() == r.st.forced_hash != 0


def test_a_batch_that_serves_a_forced_request_with_made_up_fields_is_rejected():
    """The operator's own commitment names its claim (here: a stale nonce, paying 0); the
    contract's names the queued request: the proof does not verify."""
    r = funded_rig()
    c = r.contract
    req, kw = signed_forced(3, ALICE, 300 * USD)
    c.request_forced_withdrawal(3, ALICE, 300 * USD, T0, **kw)
    fake = dataclasses.replace(req, nonce=5)
    r.st.forced_queue.append(fake)                            # the operator's own (cheating) queue
    import zkrollup.ops.transfers as tr
    orig = tr.ForcedWithdraw.check_request
    tr.ForcedWithdraw.check_request = lambda self: None
    try:
        w = r.apply(fake)
    finally:
        tr.ForcedWithdraw.check_request = orig
    assert w.effect == Effect(EFFECT_FORCED, 3, ALICE, 0)    # account and address match the request
    cd, proof, _ = r.close_batch()
    rejected(r, cd, proof, Reason.INVALID_PROOF)


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
