"""The batch circuit against the native state (zkrollup): valid batches satisfy it with the
native new root and commitment; every operation of the native test suite is covered,
including the fee account / insurance fund aggregation and every forced-withdrawal case."""
from hypothesis import HealthCheck, given, settings, strategies as st

from circuits.batch.circuit import batch_circuit, compile_batch, solve_batch
from circuits.batch.costs import batch_cost
from circuits.cs import ConstraintSystem
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from zkrollup.ops import BUY, SELL, ForcedWithdraw, Liquidate, Settle, Trade, Withdraw
from zkrollup.risk import min_equity

from batch_native import BatchRecorder, shape_of
from rollup_helpers import DAY, EXPIRY, KEYS, SPOT, T0, USD, fund, make_state, order, pk, reprice

DEPTH, ORD_DEPTH, K = 4, 2, 4


def base_state():
    s = make_state(account_depth=DEPTH, order_depth=ORD_DEPTH, k=K)
    for i in (3, 4, 5, 6):
        fund(s, i, 1_000 * USD)
    return s


def prove_like(rec: BatchRecorder, n_slots: int):
    """Finish the batch; the circuit must accept it and agree with the native state."""
    batch, exp = rec.finish(n_slots)
    shape = shape_of(rec.state, n_slots)
    cs = ConstraintSystem()
    out = batch_circuit(cs, shape, batch)
    assert cs.which_is_unsatisfied() is None
    assert (out.old_root, out.new_root) == (exp.old_root, exp.new_root)
    assert (out.market_hash, out.oracle_hash) == (exp.market_hash, exp.oracle_hash)
    assert (out.deposit_hash, out.effects_hash) == (exp.deposit_hash_new, exp.effects_hash)
    assert out.forced_hash == exp.forced_hash_new
    assert out.commitment == exp.commitment() == cs.public_values()[0]
    assert rec.state.check_invariants() == []
    return batch, exp, shape


# --- every operation -----------------------------------------------------------------------------

def test_deposits_create_and_credit_withdrawal_pays():
    s = base_state()
    rec = BatchRecorder(s)
    rec.apply(s.enqueue_deposit(9, pk(9), 777))              # creates account 9
    rec.apply(s.enqueue_deposit(3, pk(5), 5))                # credits 3 (key ignored)
    rec.apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xBEEF))
    prove_like(rec, 4)                                       # + one Noop


def test_trades_partial_fills_fees_and_a_risk_reducing_trade():
    s = base_state()
    mark = s.oracle.mark[0]
    rec = BatchRecorder(s)
    buy = order(3, BUY, 10, mark, 1, max_fee=5)
    rec.apply(Trade(buy, order(4, SELL, 6, mark, 1, max_fee=5), 4, mark, 20, 3))
    rec.apply(Trade(order(5, BUY, 100, mark, 101), order(3, SELL, 100, mark, 100), 40, mark))
    rec.apply(Withdraw.create(KEYS[0], FEE_ACCOUNT, 20, 0, 0xFEE))   # fees pending: flush on touch
    prove_like(rec, 3)
    s.end_batch()
    reprice(s, SPOT * 14 // 10)                              # account 3 is short calls now
    mark = s.oracle.mark[0]
    rec = BatchRecorder(s)
    w = rec.apply(Trade(order(5, SELL, 5, mark, 202), order(3, BUY, 5, mark, 203), 5, mark, 1, 1))
    assert w.details["taker_margin"] == "reduces_risk"
    old = buy.order.limit_price
    rec.apply(Trade(buy, order(4, SELL, 10, old, 9), 2, old))     # same order: 4 + 2 filled
    prove_like(rec, 2)


def test_liquidation_with_shortfall_and_insurance_touched_in_the_same_batch():
    s = base_state()
    fund(s, 6, 100_000 * USD)
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 100, mark, 101), order(3, SELL, 100, mark, 100), 100, mark))
    reprice(s, SPOT * 3)
    rec = BatchRecorder(s)
    w = rec.apply(Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY))
    assert w.details["shortfall"] > 0
    rec.apply(s.enqueue_deposit(INSURANCE_ACCOUNT, pk(1), 10 ** 12))   # flush on touch
    rec.apply(Withdraw.create(KEYS[1], INSURANCE_ACCOUNT, 1, 0, 0xAB))
    prove_like(rec, 3)


def test_settlements_through_the_clearing_account_and_fee_account_touched():
    s = base_state()
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 7, mark, 101), order(3, SELL, 7, mark, 100), 7, mark, 3, 4))
    reprice(s, SPOT, ts=EXPIRY, settle_prices={0: SPOT + 123_456, 2: SPOT})
    rec = BatchRecorder(s)
    rec.apply(Settle(5, 0))
    rec.apply(Settle(3, 0))
    rec.apply(Withdraw.create(KEYS[0], FEE_ACCOUNT, 7, 0, 0xFEE))
    prove_like(rec, 3)
    assert s.account(CLEARING_ACCOUNT).sizes[0] == 0


def test_forced_withdrawals_every_case():
    s = base_state()
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 20, mark, 101), order(3, SELL, 20, mark, 100), 20, mark))
    acc = s.account(3)
    allowed = min_equity(acc.cash, acc.sizes, s.oracle.scen_init)[0]
    reqs = [ForcedWithdraw.create(KEYS[3], 3, 10 ** 15, 0, 0xAA),   # pays what margin allows
            ForcedWithdraw.create(KEYS[4], 4, 5, 0, 0xBB),          # pays in full
            ForcedWithdraw.create(KEYS[3], 3, 5, 1, 0xCC),          # min equity now 0: pays 0
            ForcedWithdraw.create(KEYS[4], 4, 5, 0, 0xDD),          # stale nonce
            ForcedWithdraw.create(KEYS[9], 9, 5, 0, 0xEE),          # unknown account
            ForcedWithdraw.create(KEYS[4], 40, 5, 0, 0xFF),         # outside the tree
            ForcedWithdraw.create(KEYS[0], CLEARING_ACCOUNT, 5, 0, 0x11),
            ForcedWithdraw.create(KEYS[5], 4, 5, 1, 0x22)]          # another account's key
    for r in reqs:
        s.enqueue_forced_withdraw(r)
    rec = BatchRecorder(s)
    ws = [rec.apply(r) for r in reqs]
    assert [w.details["paid"] for w in ws] == [allowed, 5, 0, 0, 0, 0, 0, 0]
    assert [w.details["rejected"] for w in ws] == [None, None, None, "stale nonce", "unknown account",
                                                   "account outside the tree", "clearing account",
                                                   "another key"]
    batch, exp, shape = prove_like(rec, 8)
    # the batch consumed the eight queued requests, in order
    h = 0
    for r in reqs:
        h = r.chain(h)
    assert (exp.forced_hash_old, exp.forced_hash_new) == (0, h)


def test_a_batch_of_noops_changes_nothing_but_is_committed():
    s = base_state()
    rec = BatchRecorder(s)
    batch, exp, shape = prove_like(rec, 1)
    assert exp.old_root == exp.new_root


# --- random valid batches (Hypothesis) ---------------------------------------------------------

def _random_op(s, draw):
    """One random attempt; may be invalid (then the native state refuses it)."""
    mark = s.oracle.mark[0]
    kind = draw(st.sampled_from(["deposit", "withdraw", "trade", "trade", "forced"]))
    a = draw(st.sampled_from([3, 4, 5, 6, 7, 1, 0]))
    if kind == "deposit":
        return s.enqueue_deposit(a, pk(a), draw(st.integers(1, 10 ** 9)))
    if kind == "withdraw":
        n = s.account(a).nonce if a in s.accounts else 0
        return Withdraw.create(KEYS[a], a, draw(st.integers(1, 10 ** 9)), n, 0x1234)
    if kind == "forced":
        n = s.account(a).nonce if a in s.accounts else 0
        return s.enqueue_forced_withdraw(
            ForcedWithdraw.create(KEYS[a], a, draw(st.integers(1, 2 * 10 ** 9)), n, 0x99))
    b = draw(st.sampled_from([3, 4, 5, 6]))
    slot = draw(st.sampled_from([0, 1, 2]))
    price = s.oracle.mark[slot] + draw(st.integers(-5, 5))
    side = draw(st.sampled_from([BUY, SELL]))
    size, fill = draw(st.integers(1, 50)), draw(st.integers(1, 50))
    oid_a, oid_b = draw(st.integers(1, 20)), draw(st.integers(1, 20))
    return Trade(order(a, side, size, price + 5, oid_a, slot=slot, max_fee=3) if side == BUY
                 else order(a, side, size, price - 5, oid_a, slot=slot, max_fee=3),
                 order(b, 1 - side, size, price, oid_b, slot=slot, max_fee=3),
                 min(fill, size), price, draw(st.integers(0, 3)), draw(st.integers(0, 3)))


_BASE = None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_valid_batches_satisfy_the_circuit_with_the_native_roots(data):
    global _BASE
    if _BASE is None:
        _BASE = base_state()
    s = _BASE.copy()
    rec = BatchRecorder(s)
    for _ in range(12):
        if len(rec.slots) == 2:
            break
        op = _random_op(s, data.draw)
        w = s.try_apply(op)
        if isinstance(w, Exception):
            # a refused L1 request stays queued and would block the queue: drop it
            if op in s.deposit_queue:
                s.deposit_queue.remove(op)
                s.collateral -= op.amount
                s.pending_deposits -= op.amount
            if op in s.forced_queue:
                s.forced_queue.remove(op)
            continue
        rec.record(w)
    prove_like(rec, 2)


# --- compile once, solve per batch -------------------------------------------------------------

def test_compiled_r1cs_is_cached_and_the_solved_witness_satisfies_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKROLLUP_CACHE", str(tmp_path))
    s = base_state()
    rec = BatchRecorder(s)
    rec.apply(Withdraw.create(KEYS[4], 4, 1, 0, 0x1))
    batch, exp = rec.finish(1)
    shape = shape_of(s, 1)
    r1cs = compile_batch(shape)
    files = list((tmp_path / "circuits").glob("*.r1cs"))
    assert [f.name for f in files] == [shape.key() + ".r1cs"]
    from circuits.batch import circuit as bc
    bc._MEMO.clear()
    again = compile_batch(shape)                             # read back from disk
    assert (again.n_constraints, again.n_wires, again.n_public) == (
        r1cs.n_constraints, r1cs.n_wires, r1cs.n_public) == (batch_cost(shape)["total"], again.n_wires, 1)
    wit, out = solve_batch(shape, batch)
    assert wit[1] == exp.commitment()
    assert again.first_unsatisfied(wit) is None
    bad = list(wit)
    bad[1] = (bad[1] + 1)
    assert again.which_is_unsatisfied(bad) is not None
