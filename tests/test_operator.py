"""The operator end to end with real Groth16 proofs (N = 2, tiny depths; one key per test
process): batches accepted by the contract with withdrawals paid in the accepting call;
matching through the native state; refused requests change nothing; tampered submissions
are refused and change nothing on either side; rebuild from published data."""
import dataclasses
import shutil

import pytest

from circuits.spec.ops import OP_WITHDRAW
from circuits.spec.records import decode_record, encode_record
from verifier.l1_client import BatchRejected, Reason
from verifier.groth16 import Proof
from zkrollup.errors import BadSignature, InsufficientMargin, ReplayedOrder, StaleNonce
from zkrollup.keyfiles import proof_for_verifier
from zkrollup.l1data import rebuild_from_l1
from zkrollup.ops import BUY, SELL, Liquidate, Withdraw

from operator_helpers import ADDR, copy_of, deploy, fund, funded_deployment, genesis, table
from rollup_helpers import DAY, DID, KEYS, SPOT, T0, USD, order


@pytest.fixture(scope="module")
def funded(tmp_path_factory):
    return funded_deployment(tmp_path_factory.mktemp("base") / "rollup")


@pytest.fixture
def dep(funded, tmp_path):
    d = copy_of(funded, tmp_path)
    yield d
    d.close()


def in_step(d) -> bool:
    op, c = d.operator, d.contract
    return (c.state_root == op.l1_state.root and c.batch_number == op.l1_state.batch_number
            and op.l1_state.check_invariants() == [] and op.state.check_invariants() == [])


def test_deposits_trades_and_a_withdrawal_are_proved_accepted_and_paid_in_the_same_call(dep):
    op, c = dep.operator, dep.contract
    assert c.batch_number == 2 and in_step(dep)
    assert [r.ops for r in op.batch_reports()] == [{"deposit": 2}, {"deposit": 1, "noop": 1}]
    mark = op.state.oracle.mark[0]
    res = op.submit(order(3, SELL, 10, mark, 1))
    assert res.rested and not res.fills
    res = op.submit(order(4, BUY, 4, mark + 5, 1))
    assert [(f.maker, f.fill, f.price) for f in res.fills] == [((3, 1), 4, mark)]   # maker's price
    assert c.batch_number == 2                                                        # one op open
    op.submit(Withdraw.create(KEYS[5], 5, 7 * USD, 0, ADDR[5], DID))
    assert c.batch_number == 3 and c.l1_balance(ADDR[5]) == 7 * USD and in_step(dep)
    rep = op.batch_reports()[-1]
    assert rep.ops == {"trade": 1, "withdraw": 1} and rep.payouts == [[1, 5, ADDR[5], 7 * USD]]
    assert rep.n_constraints > 40_000 and rep.prove_s > 0 and rep.gas > 0
    assert op.state.account(3).sizes[0] == -4 and op.state.account(4).sizes[0] == 4
    assert op.book.get((3, 1)).remaining == 6
    rec = op.batch_record(3)
    assert rec["report"]["batch_number"] == 3 and rec["calldata"] == c.accepted_batches()[2]["calldata_bytes"]


def test_price_time_priority_and_fees_through_the_native_state(tmp_path):
    d = deploy(tmp_path / "r", maker_fee=2, taker_fee=3)
    for acct in (3, 4, 5):
        fund(d, acct)
    op = d.operator
    op.sync()
    mark = op.state.oracle.mark[0]
    op.submit(order(3, SELL, 2, mark + 10, 1, max_fee=1))       # worse price
    op.submit(order(4, SELL, 2, mark, 1, max_fee=10))          # best price, first
    op.submit(order(3, SELL, 2, mark, 2, max_fee=10))          # best price, second
    res = op.submit(order(5, BUY, 5, mark + 10, 1, max_fee=10))
    assert [(f.maker, f.fill, f.price) for f in res.fills] == [((4, 1), 2, mark), ((3, 2), 2, mark),
                                                                ((3, 1), 1, mark + 10)]
    op.flush()
    fees = op.l1_state.account(0).cash
    # maker fees capped by each order's max fee: 2*2 + 2*2 + 1*1; taker 3 per contract
    assert fees == 4 + 4 + 1 + 3 * 5
    assert in_step(d)
    d.close()


def test_refused_requests_change_nothing(dep):
    op = dep.operator
    mark = op.state.oracle.mark[0]
    before = (op.state.fingerprint(), op.book.to_obj(), dep.contract.snapshot())
    with pytest.raises(BadSignature):
        op.submit(dataclasses.replace(order(3, SELL, 1, mark, 1), signature=order(4, SELL, 1, mark, 1).signature))
    with pytest.raises(StaleNonce):
        op.submit(Withdraw.create(KEYS[3], 3, USD, 5, ADDR[3], DID))
    with pytest.raises(InsufficientMargin):
        op.submit(Withdraw.create(KEYS[3], 3, 10**6 * USD - 1, 0, ADDR[3], DID))
    with pytest.raises(ValueError, match="come from the L1"):
        op.submit_obj({"type": "deposit", "account": 3, "pk": [1, 2], "amount": 5, "depositor": 1})
    assert (op.state.fingerprint(), op.book.to_obj(), dep.contract.snapshot()) == before
    # a taker without margin for a fill is refused, the maker stays
    fund(dep, 3, 10**7 * USD)
    fut = op.state.oracle.mark[2]
    op.submit(order(3, SELL, 20_000, fut, 1, slot=2))
    with pytest.raises(InsufficientMargin, match="taker"):
        op.submit(order(4, BUY, 20_000, fut, 1, slot=2))
    assert op.book.get((3, 1)).remaining == 20_000
    # replays are refused before matching
    op.submit(order(3, SELL, 1, mark, 2))
    assert op.submit(order(4, BUY, 1, mark, 7)).filled == 1
    with pytest.raises(ReplayedOrder):
        op.submit(order(4, BUY, 1, mark, 3))       # same order-fill slot (7 mod 4), older id


def test_a_maker_that_can_no_longer_trade_leaves_the_book(dep):
    op = dep.operator
    mark = op.state.oracle.mark[2]                  # the future
    op.submit(order(3, SELL, 5_000, mark, 1, slot=2))  # rests; fine at today's prices
    op.submit(Withdraw.create(KEYS[3], 3, 99_000 * USD, 0, ADDR[3], DID))    # now 3 cannot sell them
    res = op.submit(order(4, BUY, 5_000, mark, 1, slot=2))
    assert res.fills == [] and res.dropped and res.dropped[0][0] == (3, 1) and res.rested
    assert "InsufficientMargin" in res.dropped[0][1]


def _seal(op):
    """Seal the open batch and return it with its calldata, without submitting."""
    op.auto_prove = False
    sb = op.seal()
    assert sb is op.sealed[0]
    return sb, op.calldata(sb)


def test_tampered_submissions_are_refused_and_change_nothing(dep):
    op, c = dep.operator, dep.contract
    first = c.accepted_batches()[0]
    op.auto_prove = False
    op.submit(Withdraw.create(KEYS[4], 4, 3 * USD, 0, ADDR[4], DID))
    sb, cd = _seal(op)
    proof = op.prove(sb).proof
    good = proof_for_verifier(proof)
    before = (c.snapshot(), op.l1_state.fingerprint())

    def refused(calldata, prf, reason):
        with pytest.raises(BatchRejected) as e:
            c.submit_batch(calldata, prf, now=dep.clock.t)
        assert e.value.reason == reason, str(e.value)
        assert (c.snapshot(), op.l1_state.fingerprint()) == before

    old = first["proof"]
    refused(cd, Proof(a=tuple(old["a"]), b=tuple(tuple(x) for x in old["b"]), c=tuple(old["c"])),
            Reason.INVALID_PROOF)                                       # a proof of another batch
    refused(dataclasses.replace(cd, new_root=cd.new_root ^ 1), good,
            Reason.INVALID_PROOF)
    refused(dataclasses.replace(cd, records=(encode_record(OP_WITHDRAW, account=4, amount=3 * USD,
                                                           l1_address=ADDR[5]),) + cd.records[1:]), good,
            Reason.INVALID_PROOF)                                       # payout redirected
    refused(dataclasses.replace(cd, records=(encode_record(OP_WITHDRAW, account=4, amount=30 * USD,
                                                           l1_address=ADDR[4]),) + cd.records[1:]), good,
            Reason.INVALID_PROOF)                                       # amount altered
    refused(first["calldata"], good, Reason.REPLAYED)
    # the honest submission still goes through, and pays once
    op.process_sealed()
    assert c.batch_number == 3 and c.l1_balance(ADDR[4]) == 3 * USD and in_step(dep)
    refused_again = c.snapshot()
    with pytest.raises(BatchRejected) as e:
        c.submit_batch(cd, good, now=dep.clock.t)
    assert e.value.reason == Reason.REPLAYED and c.snapshot() == refused_again


def test_a_batch_proved_against_unpublished_oracle_tables_is_refused(dep):
    op, c = dep.operator, dep.contract
    op.auto_prove = False
    forged = table(spot=2 * SPOT)                   # the operator prices with its own table
    op.state.set_oracle(forged)
    op.builder = type(op.builder)(op.state)
    op.submit(Withdraw.create(KEYS[4], 4, 3 * USD, 0, ADDR[4], DID))
    sb, cd = _seal(op)
    proof = op.prove(sb).proof                         # the circuit is satisfied with the forged table
    before = (c.snapshot(), op.l1_state.fingerprint())
    with pytest.raises(BatchRejected) as e:
        c.submit_batch(cd, proof_for_verifier(proof), now=dep.clock.t)
    assert e.value.reason == Reason.INVALID_PROOF
    assert (c.snapshot(), op.l1_state.fingerprint()) == before
    with pytest.raises(Exception, match="another public input"):
        op.process_sealed()                         # the operator itself notices before proving
    assert (c.snapshot(), op.l1_state.fingerprint()) == before


def test_a_stale_sealed_batch_is_rolled_back_and_redone_under_the_new_table(dep):
    op, c, clock = dep.operator, dep.contract, dep.clock
    op.auto_prove = False
    op.submit(Withdraw.create(KEYS[4], 4, 3 * USD, 0, ADDR[4], DID))
    op.submit(order(3, SELL, 5, op.state.oracle.mark[0], 1))       # rests
    sb, cd = _seal(op)
    clock.t += 3600                                  # the oracle moves on; the batch waited too long
    dep.oracle.publish(table(spot=SPOT * 101 // 100, ts=clock.t), now=clock.t)
    clock.t += 300                                   # table 1 is past L1's maximum age, table 2 is not
    reports = op.process_sealed()
    # rolled back: the withdrawal is processed again under table 2 (after the seal, so it
    # waits for the next batch), the resting order is still there
    assert reports == [] and c.batch_number == 2 and op.table_id == 2
    assert op.open_batch_size() == 1 and (3, 1) in op.book
    op.flush()
    assert c.batch_number == 3 and c.l1_balance(ADDR[4]) == 3 * USD and in_step(dep)
    assert c.accepted_batches()[-1]["calldata"].oracle_table_id == 2


def test_timeout_pads_the_open_batch_with_noops(dep):
    op, c, clock = dep.operator, dep.contract, dep.clock
    op.batch_timeout_s = 60
    op.submit(Withdraw.create(KEYS[4], 4, USD, 0, ADDR[4], DID))
    assert op.tick() == [] and c.batch_number == 2
    clock.t += 61
    [rep] = op.tick()
    assert rep.ops == {"withdraw": 1, "noop": 1} and c.batch_number == 3


def test_liquidation_price_move_settlement_and_rebuild_from_published_data(dep):
    op, c, clock = dep.operator, dep.contract, dep.clock
    fut = op.state.oracle.mark[2]
    size = 10_500                                     # about all that 5's margin allows
    op.submit(order(3, SELL, size, fut, 1, slot=2))
    res = op.submit(order(5, BUY, size, fut, 1, slot=2))
    assert res.filled == size
    op.flush()                                        # on L1 while table 1 is fresh (L1's maximum age)
    clock.t += DAY
    dep.oracle.publish(table(spot=SPOT * 85 // 100, ts=clock.t), now=clock.t)
    op.sync()
    assert op.liquidatable() == [5]
    op.submit(Liquidate.create(KEYS[4], 4, 5, 0, clock.t + DAY, DID))
    assert op.liquidatable() == []
    op.flush()
    clock.t = T0 + 30 * DAY
    dep.oracle.publish(table(spot=SPOT * 85 // 100, ts=clock.t, settle={0: SPOT * 85 // 100,
                                                                      1: SPOT * 85 // 100,
                                                                      2: SPOT * 85 // 100}), now=clock.t)
    op.flush()
    assert all(not any(a.sizes) for i, a in op.l1_state.accounts_items())
    assert in_step(dep)
    kinds = [k for r in op.batch_reports() for k in r.ops]
    assert {"liquidate", "settle", "trade"} <= set(kinds)
    rebuilt = rebuild_from_l1(c, genesis())
    assert rebuilt.fingerprint() == op.l1_state.fingerprint()


def test_each_batch_posts_its_records_which_the_proof_binds(dep):
    op, c = dep.operator, dep.contract
    op.submit(Withdraw.create(KEYS[4], 4, USD, 0, ADDR[4], DID))
    op.flush()
    recs = c.accepted_batches()
    assert [r["batch_number"] for r in recs] == [1, 2, 3]
    for rec, report in zip(recs, op.batch_reports()):
        assert report.data_bytes == len(rec["calldata"].data()) == 2 * 42
        assert rec["public_input"] == report.public_input
    r3 = [decode_record(x) for x in c.batch_records(3)]
    assert r3[0].name == "withdraw" and r3[0].fields == {"account": 4, "amount": USD, "l1_address": ADDR[4]}


def test_posted_records_that_differ_from_the_proved_batch_are_refused_by_l1(dep, monkeypatch):
    """The records are hashed into the public input: an operator that posts other data than
    the batch it proved gets the batch refused (no false data can be accepted)."""
    from zkrollup.errors import OperatorError
    op, c = dep.operator, dep.contract
    assert rebuild_from_l1(c, genesis()).root == c.state_root
    real = op.submitter.calldata

    def lie(sb):
        cd = real(sb)
        fake = encode_record(OP_WITHDRAW, account=4, amount=USD, l1_address=ADDR[5])
        return dataclasses.replace(cd, records=(fake,) + cd.records[1:])
    monkeypatch.setattr(op.submitter, "calldata", lie)
    monkeypatch.setattr(op.submitter, "preflight", lambda sb: (lie(sb), dep.clock.t))
    op.submit(Withdraw.create(KEYS[4], 4, USD, 0, ADDR[4], DID))
    with pytest.raises(OperatorError, match="invalid proof"):
        op.flush()
    assert c.batch_number == 2 and c.l1_balance(ADDR[5]) == 0
    assert rebuild_from_l1(c, genesis()).root == c.state_root


def test_state_rebuilt_from_the_l1_chain_alone_after_the_operator_directory_is_gone(dep, tmp_path):
    import os
    from zkrollup.deployment import L1_CONFIG_FILE, L1_FILE, open_l1
    op, c = dep.operator, dep.contract
    mark = op.state.oracle.mark[0]
    op.submit(order(3, SELL, 5, mark, 1))
    op.submit(order(4, BUY, 5, mark, 1))
    op.submit(Withdraw.create(KEYS[5], 5, USD, 0, ADDR[5], DID))
    op.flush()
    expected = op.l1_state.fingerprint()
    root = c.state_root
    dep.close()
    l1 = tmp_path / "l1-only"
    l1.mkdir()
    for name in (L1_FILE, L1_CONFIG_FILE):         # the chain (state and transaction log) and its addresses
        shutil.copy(tmp_path / "rollup" / name, l1 / name)
    shutil.rmtree(tmp_path / "rollup")              # the operator's whole workdir and keys
    assert not os.path.exists(tmp_path / "rollup")
    c2 = open_l1(l1)
    try:
        assert c2.chain.verify_log() > 0            # the log replays to the same state
        rebuilt = rebuild_from_l1(c2, genesis())
        assert rebuilt.root == root == c2.state_root and rebuilt.fingerprint() == expected
    finally:
        c2.close()


def test_requests_from_json_and_msgpack_files(dep, tmp_path):
    import json
    from zkrollup import batchfile
    op = dep.operator
    mark = op.state.oracle.mark[0]
    sell = {"type": "order", **order(3, SELL, 3, mark, 1).to_obj()}
    buy = {"type": "order", **order(4, BUY, 3, mark, 1).to_obj()}
    wd = Withdraw.create(KEYS[5], 5, USD, 0, ADDR[5], DID).to_obj()
    (tmp_path / "a.json").write_text(json.dumps([sell, {"type": "nonsense"}]))
    (tmp_path / "b.msgpack").write_bytes(batchfile.pack([buy, wd]))
    ra = op.submit_file(tmp_path / "a.json")
    assert ra[0].rested and isinstance(ra[1], ValueError)
    rb = op.submit_file(tmp_path / "b.msgpack")
    assert rb[0].filled == 3 and rb[1].kind == "withdraw"
    assert dep.contract.batch_number == 3 and dep.contract.l1_balance(ADDR[5]) == USD


def test_a_front_run_deposit_is_refunded_to_the_victim_in_the_accepting_call(dep):
    """The front-running sequence end to end, with real proofs: the attacker deposits 1
    unit at the victim's fresh index first (under its own key, and at another index under
    the victim's key copied); the victim's deposits are refunded to the victim by the L1
    call that accepts the batch, and nobody else can ever withdraw them."""
    from rollup_helpers import pk
    from zkrollup.errors import BadSignature
    op, c = dep.operator, dep.contract
    attacker, victim = ADDR[6], ADDR[7]
    dep.faucet(attacker, 10)                                        # tokens, and ETH for the forced fee
    c.mint(victim, 1_000 * USD)
    c.deposit(attacker, 7, *pk(6), 1, now=dep.clock.t)              # attacker's key at the victim's index
    c.deposit(victim, 7, *pk(7), 500 * USD, now=dep.clock.t)
    c.deposit(attacker, 8, *pk(7), 1, now=dep.clock.t)              # the victim's key copied: attacker owns 8
    c.deposit(victim, 8, *pk(7), 500 * USD, now=dep.clock.t)
    op.flush()
    assert c.batch_number == 4 and c.pending_entries() == [] and in_step(dep)
    refunds = [p for r in op.batch_reports() for p in r.payouts if p[0] == 3]
    assert refunds == [[3, 7, victim, 500 * USD], [3, 8, victim, 500 * USD]]
    assert c.l1_balance(victim) == 1_000 * USD                      # all of it back on L1
    st = op.state
    assert (st.account(7).cash, st.account(7).owner) == (1, attacker)
    assert (st.account(8).cash, st.account(8).owner) == (1, attacker)
    # nothing of the victim's is left in the rollup for the attacker to take
    with pytest.raises(InsufficientMargin):
        op.submit(Withdraw.create(KEYS[6], 7, 2, 0, attacker, DID))
    with pytest.raises(BadSignature):                               # account 8's key is the victim's
        op.submit(Withdraw.create(KEYS[6], 8, 1, 0, attacker, DID))
    c.request_forced_withdrawal(8, attacker, 500 * USD, dep.clock.t)
    op.flush()
    assert c.l1_balance(attacker) == 10 - 2 + 1 and in_step(dep)   # its own unit, nothing more


def test_the_operator_follows_a_market_change_and_a_batch_sealed_before_it_is_redone(dep):
    """The governor re-lists slot 0 (no open interest) while a batch sealed under the old
    market waits: L1 refuses that batch (its table hashes the replaced market); the operator
    rolls it back, adopts the new market from the new table and proves the batch again;
    a trade in the new instrument then goes through, and the state rebuilds from L1."""
    from zkrollup.market import Instrument
    from zkrollup.risk import build_oracle_table
    from rollup_helpers import VOL
    from operator_helpers import S
    op, c, clock = dep.operator, dep.contract, dep.clock
    op.auto_prove = False
    assert op.state.oi[0] == 0
    op.submit(Withdraw.create(KEYS[4], 4, 3 * USD, 0, ADDR[4], DID))
    sb, _ = _seal(op)
    old = op.state.market
    new = old.with_instrument(0, Instrument.call(SPOT * 11 // 10, old[0].expiry), 0)
    clock.t += 10
    c.register_market(new, oi_opening=(op.l1_state.accounts_root, list(op.l1_state.oi)), now=clock.t)
    dep.oracle.publish(build_oracle_table(new, clock.t, SPOT, VOL, n_scenarios=S), now=clock.t)
    assert op.process_sealed() == [] and c.batch_number == 2     # refused, rolled back
    assert op.state.market == new and op.open_batch_size() == 1
    op.flush()
    assert c.batch_number == 3 and c.l1_balance(ADDR[4]) == 3 * USD and op.l1_state.market == new
    mark = op.state.oracle.mark[0]
    op.submit(order(3, SELL, 5, mark, 2, slot=0, instrument=new[0]))
    assert op.submit(order(5, BUY, 5, mark, 2, slot=0, instrument=new[0])).filled == 5
    op.flush()
    assert c.batch_number == 4 and in_step(dep) and op.l1_state.oi[0] == 5
    assert rebuild_from_l1(c, genesis()).fingerprint() == op.l1_state.fingerprint()


def test_a_trade_in_a_relisted_slot_is_rolled_back_and_the_operator_goes_on(dep, tmp_path):
    """Users traded in slot 0 in a batch L1 has not accepted when the governor re-lists it
    (L1 saw no open interest at the accepted root): the operator rolls the unaccepted work
    back, adopts the new market, refuses the orders for the replaced instrument and goes on,
    also after a restart."""
    from zkrollup.market import Instrument
    from zkrollup.risk import build_oracle_table
    from rollup_helpers import VOL
    from operator_helpers import S, crashed, reopen
    op, c, clock = dep.operator, dep.contract, dep.clock
    op.auto_prove = False
    mark = op.state.oracle.mark[0]
    op.submit(order(3, SELL, 5, mark, 3))
    assert op.submit(order(5, BUY, 5, mark, 3)).filled == 5
    op.seal()
    assert op.state.oi[0] == 5 and op.l1_state.oi[0] == 0
    old = op.state.market
    new = old.with_instrument(0, Instrument.call(SPOT * 11 // 10, old[0].expiry), 0)
    clock.t += 10
    c.register_market(new, oi_opening=(op.l1_state.accounts_root, list(op.l1_state.oi)), now=clock.t)
    dep.oracle.publish(build_oracle_table(new, clock.t, SPOT, VOL, n_scenarios=S), now=clock.t)
    op.submit(Withdraw.create(KEYS[4], 4, 2 * USD, 0, ADDR[4], DID))       # no stall
    assert op.state.market == new and op.state.oi[0] == 0 and not op.sealed
    assert [op.request_result(s)[0] for s in (1, 2)] == ["rejected", "rejected"]   # old instrument
    crashed(dep)
    again = reopen(tmp_path / "rollup", clock)
    try:
        reps = again.operator.flush()
        c = again.contract
        assert [r.batch_number for r in reps] == [3] == [c.batch_number]
        assert c.l1_balance(ADDR[4]) == 2 * USD and in_step(again)
        assert again.operator.l1_state.market == new
    finally:
        again.close()


def test_a_batch_refused_for_a_stale_table_waits_for_the_next_table_instead_of_spinning(dep):
    op, c, clock = dep.operator, dep.contract, dep.clock
    op.auto_prove = False
    for a in (3, 4, 5):
        op.submit(Withdraw.create(KEYS[a], a, USD, 0, ADDR[a], DID))
    assert len(op.sealed) == 1
    clock.t += 10 ** 6                              # the oracle is late: its table is too old
    rolled = []
    original = op.rollback
    op.rollback = lambda *a, **k: (rolled.append(a), original(*a, **k))[1]
    assert op.process_sealed() == [] and len(rolled) == 1 and c.batch_number == 2
    dep.oracle.publish(table(ts=clock.t), now=clock.t)
    op.flush()                                      # rolled back again, rebuilt under the new table
    op.flush()                                      # what the rebuild left open
    assert c.batch_number == 4 and in_step(dep)
    assert sum(c.l1_balance(ADDR[a]) for a in (3, 4, 5)) == 3 * USD


def test_a_loss_left_outside_the_fund_is_backstopped_before_an_exit_and_the_exit_is_paid_pro_rata(dep):
    """A short settled deep under water is flat with negative cash: the operator backstops it
    (positions or not) before admitting the winner's withdrawal, so the batch proves the
    fund's deficit and L1 pays the exit pro rata instead of in full (which would leave L1
    unable to pay later exits; found by an adversarial review)."""
    op, c, clock = dep.operator, dep.contract, dep.clock
    fut = op.state.oracle.mark[2]
    size = 10_500
    op.submit(order(3, SELL, size, fut, 1, slot=2))
    assert op.submit(order(5, BUY, size, fut, 1, slot=2)).filled == size
    op.flush()
    clock.t = T0 + 30 * DAY
    up = SPOT * 13 // 10
    dep.oracle.publish(table(spot=up, ts=clock.t, settle={0: up, 1: up, 2: up}), now=clock.t)
    op.flush()
    three = op.state.account(3)
    assert not any(three.sizes) and three.cash < 0 and op.liquidatable() == [3]
    loss = -three.cash
    amount = op.state.account(5).cash // 2
    op.submit(Withdraw.create(KEYS[5], 5, amount, op.state.account(5).nonce, ADDR[5], DID))
    assert op.liquidatable() == [] and op.state.account(3).cash == 0
    op.flush()
    rep = [r for r in op.batch_reports() if "withdraw" in r.ops][-1]
    assert rep.ops.get("liquidate") == 1                      # the backstop came first, same batch
    deficit, held = c.fund_deficit(), c.held()
    assert deficit == loss > 0
    [(_, acct, _, paid)] = rep.payouts
    assert acct == 5 and paid < amount and c.retained() == amount - paid
    assert c.collateral >= c.held() + c.pending_deposit_total
