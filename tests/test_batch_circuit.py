"""The batch circuit (v3) against the spec-only native model (tests/batch_model.py): valid
batches satisfy it with the model's new root, records, priority chain and public input;
every operation and every deposit and forced-withdrawal outcome is covered, with the fee
account / insurance fund aggregation, cancels, and the front-running sequence of a deposit."""
import copy

from hypothesis import HealthCheck, given, settings, strategies as st

from circuits.batch.circuit import batch_circuit, compile_batch, first_failure, solve_batch
from circuits.batch.costs import batch_cost
from circuits.cs import ConstraintSystem
from circuits.spec import margin
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.orders import CANCELLED, OrderRefused
from circuits.spec.priority import CREATE, CREDIT, REFUND
from circuits.spec.records import decode_record

from batch_model import ADDR, Model, Order, Refused
from spec_fixtures import DAY, EXPIRY, SPOT, T0, oracle_table

BIG = 10 ** 13


def funded(*accounts: int) -> Model:
    m = Model()
    for i in accounts or (3, 4, 5, 6):
        m.deposit(i, i, BIG, ADDR[i])
    m.finish()
    return m


def prove_like(m: Model, n: int | None = None):
    """Finish the batch; the circuit must accept it and agree with the model."""
    batch, exp = m.finish(n)
    shape = m.shape(len(batch.slots))
    cs = ConstraintSystem()
    out = batch_circuit(cs, shape, batch)
    assert cs.which_is_unsatisfied() is None
    assert (out.old_root, out.new_root, out.oracle_hash) == (exp["old_root"], exp["new_root"], exp["oracle_hash"])
    assert (out.prio_old, out.prio_new) == (exp["prio_old"], exp["prio_new"])
    assert out.records == exp["records"] and out.fund_deficit == exp["fund_deficit"]
    assert out.public_input == exp["public_input"] == cs.public_values()[0]
    return batch, exp, shape


def fut(account, side, size, oid, limit=None, **kw):
    """An order on the future (slot 2), limit at the mark unless given."""
    return Order(account, side, size, SPOT if limit is None else limit, oid, T0 + DAY, slot=2, **kw)


# --- deposits: create, credit, refund; front-running -----------------------------------------------

def test_deposits_create_credit_and_refund_then_a_withdrawal_pays():
    m = funded(3)
    assert m.deposit(9, 9, 777, ADDR[9]) == CREATE
    assert m.deposit(3, 3, 5, ADDR[3]) == CREDIT                 # same key, from the owner
    assert m.deposit(3, 5, 5, ADDR[3]) == REFUND                 # another key
    assert m.deposit(3, 3, 5, ADDR[5]) == REFUND                 # same key, not the owner
    m.withdraw(3, 100, 0xBEEF)
    batch, exp, _ = prove_like(m)
    assert [decode_record(r).fields.get("refunded") for r in exp["records"]] == [0, 0, 1, 1, None]
    assert m.accts[3].cash == BIG + 5 - 100 and m.accts[9].owner == ADDR[9]


def test_front_running_a_deposit_never_gives_the_victims_money_to_the_front_runner():
    """The attacker sees a deposit to fresh index 9 coming and front-runs it with 1 unit,
    under its own key, or under the victim's public key (from its own address)."""
    victim_amount = 10 ** 9
    for attacker_key in (8, 9):
        m = funded(3)
        assert m.deposit(9, attacker_key, 1, ADDR[8]) == CREATE        # the front-runner's deposit
        assert m.deposit(9, 9, victim_amount, ADDR[9]) == REFUND       # the victim's: refunded on L1
        batch, exp, _ = prove_like(m)
        refund = decode_record(exp["records"][1])
        assert refund.fields == {"account": 9, "amount": victim_amount, "refunded": 1}
        assert m.accts[9].cash == 1 and m.accts[9].owner == ADDR[8]
        # the account holds 1 unit: neither a signed nor a forced withdrawal gets more out
        assert m.forced(9, victim_amount, ADDR[8]) == 1
        assert m.forced(9, victim_amount, ADDR[9]) == 0                # the victim is not its owner
        prove_like(m)


def test_a_deposit_cannot_be_credited_to_a_front_runner_even_by_a_cheating_operator():
    m = funded(3)
    m.deposit(9, 8, 1, ADDR[8])
    m.finish()
    m.deposit(9, 9, 10 ** 9, ADDR[9])
    batch, exp = m.finish()
    shape = m.shape(1)
    assert first_failure(shape, batch, exp["public_input"]) is None
    # the operator posts "credited" instead: L1 would pay no refund, but no proof exists
    forged = exp["records"][0][:13] + b"\x00" + exp["records"][0][14:]
    from circuits.spec.public_input import batch_public_input
    header = {k: exp[k] for k in ("old_root", "new_root", "oracle_hash", "prio_old", "prio_new")}
    assert first_failure(shape, batch, batch_public_input([forged], exp["fund_deficit"], exp["open_interest"], **header)) \
        == "public_input"


# --- trades, fees, cancels ------------------------------------------------------------------------

def test_trades_partial_fills_fees_and_the_fee_account_touched_in_the_same_batch():
    m = funded()
    buy = fut(3, 0, 10, 1, max_fee=5)
    m.trade(buy, fut(4, 1, 6, 1, max_fee=5), 4, SPOT, rate_a=5, rate_b=3)
    m.trade(fut(5, 0, 3, 7), fut(6, 1, 3, 2, SPOT - 10), 3, SPOT - 10)
    m.trade(buy, fut(4, 1, 10, 5, max_fee=1), 2, SPOT, rate_a=0, rate_b=1)   # same maker order: 4 + 2
    m.withdraw(FEE_ACCOUNT, 10, 0xFEE)                                       # fees pending: flush on touch
    batch, exp, _ = prove_like(m)
    assert m.accts[3].fills[1] == (1, 6) and m.accts[FEE_ACCOUNT].cash == 5 * 4 + 3 * 4 + 2 - 10
    assert decode_record(exp["records"][0]).fields["maker_fee_rate"] == 5


def test_a_cancelled_order_is_recorded_and_never_fills_again():
    m = funded()
    buy = fut(3, 0, 10, 1)
    m.trade(buy, fut(4, 1, 10, 1), 4, SPOT)
    m.cancel(3, 1)
    m.cancel(3, 6)                                       # ahead of time, another fill slot
    batch, exp, _ = prove_like(m)
    assert m.accts[3].fills[1] == (1, CANCELLED)
    assert decode_record(exp["records"][1]).fields == {"account": 3, "order_id": 1}
    try:
        m.trade(buy, fut(4, 1, 10, 2), 1, SPOT)
        raise AssertionError("the model filled a cancelled order")
    except OrderRefused:
        pass
    m.trade(fut(3, 0, 10, 5), fut(4, 1, 10, 3), 1, SPOT)   # a newer order takes slot 1 over
    prove_like(m)


# --- forced withdrawals -----------------------------------------------------------------------------

def test_forced_withdrawals_every_case():
    m = funded(3, 4)
    m.deposit(5, 5, 10 ** 8, ADDR[5])
    m.trade(fut(5, 1, 1, 1), fut(4, 0, 1, 1), 1, SPOT)   # 5 short one future: margin-limited
    m.finish()
    allowed = margin.im_allowance(m.equities(5))
    assert 0 < allowed < 10 ** 9
    paid = [m.forced(5, 10 ** 9, ADDR[5]),            # pays what initial margin allows
            m.forced(5, 7, ADDR[5]),                  # allowance now 0: pays 0
            m.forced(3, 7, ADDR[3]),                  # pays in full
            m.forced(3, 7, ADDR[4]),                  # not the owner
            m.forced(9, 7, ADDR[9]),                  # unknown account
            m.forced(40, 7, ADDR[3]),                 # outside the tree
            m.forced(CLEARING_ACCOUNT, 7, 0),         # the clearing account
            m.forced(FEE_ACCOUNT, 7, 0)]              # owner 0 is nobody: never valid
    assert paid == [allowed, 0, 7, 0, 0, 0, 0, 0]
    batch, exp, _ = prove_like(m)
    assert [decode_record(r).fields["paid"] for r in exp["records"]] == paid


# --- settlement, liquidation ------------------------------------------------------------------------

def test_settlements_through_the_clearing_account():
    m = funded()
    m.trade(Order(5, 0, 7, SPOT, 1, T0 + DAY, 5, slot=0), Order(3, 1, 7, 0, 1, T0 + DAY, 5, slot=0), 7,
            m.oracle.mark[0], 3, 4)
    m.finish()
    m.oracle = oracle_table(m.market, ts=EXPIRY, settle={0: SPOT + 123_456, 2: SPOT})
    m.settle(5, 0)
    m.settle(3, 0)
    m.withdraw(FEE_ACCOUNT, 7, 0xFEE)
    prove_like(m)
    assert m.accts[CLEARING_ACCOUNT].sizes[0] == 0 and m.oi[0] == 0


def test_liquidation_with_shortfall_and_the_insurance_fund_touched_in_the_same_batch():
    m = funded(4, 6)
    m.deposit(3, 3, 10 ** 8, ADDR[3])
    m.trade(fut(3, 1, 1, 1), fut(4, 0, 1, 1), 1, SPOT)
    m.finish()
    m.oracle = oracle_table(m.market, spot=SPOT * 3)
    m.liquidate(6, 3, T0 + DAY)
    assert m.pend_ins < 0                                    # shortfall
    # no L1 sender is the insurance fund's owner (0): refunded, but its leaf is read and the
    # pending shortfall flushed into it first
    assert m.deposit(INSURANCE_ACCOUNT, INSURANCE_ACCOUNT, 10 ** 12, ADDR[6]) == REFUND
    assert m.pend_ins == 0 and m.accts[INSURANCE_ACCOUNT].cash < 0
    prove_like(m)


def test_a_batch_of_noops_changes_nothing_but_is_bound():
    m = funded(3)
    batch, exp, _ = prove_like(m, 1)
    assert exp["old_root"] == exp["new_root"] and exp["records"] == [bytes(42)]


# --- random valid batches (Hypothesis) ---------------------------------------------------------------

def _random_op(m: Model, draw):
    kind = draw(st.sampled_from(["deposit", "withdraw", "trade", "trade", "forced", "cancel"]))
    a = draw(st.sampled_from([3, 4, 5, 6, 7, 1, 0]))
    if kind == "deposit":
        return lambda: m.deposit(a, draw(st.sampled_from([a, 8])), draw(st.integers(1, 10 ** 9)),
                                 ADDR[draw(st.sampled_from([a, 8]))])
    if kind == "withdraw":
        return lambda: m.withdraw(a, draw(st.integers(1, 10 ** 9)), 0x1234)
    if kind == "forced":
        return lambda: m.forced(a, draw(st.integers(1, 2 * 10 ** 9)), ADDR[draw(st.sampled_from([a, 8]))])
    if kind == "cancel":
        return lambda: m.cancel(a, draw(st.integers(1, 20)))
    b = draw(st.sampled_from([3, 4, 5, 6]))
    side, size = draw(st.sampled_from([0, 1])), draw(st.integers(1, 50))
    price = SPOT + draw(st.integers(-5, 5))
    oa = fut(a, side, size, draw(st.integers(1, 20)), price + (5 if side == 0 else -5), max_fee=3)
    ob = fut(b, 1 - side, size, draw(st.integers(1, 20)), price, max_fee=3)
    fill = draw(st.integers(1, size))
    return lambda: m.trade(oa, ob, fill, price, draw(st.integers(0, 3)), draw(st.integers(0, 3)))


_BASE = None


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_valid_batches_satisfy_the_circuit_with_the_models_results(data):
    global _BASE
    if _BASE is None:
        _BASE = funded()
    m = copy.deepcopy(_BASE)
    for _ in range(12):
        if len(m.slots) == 2:
            break
        snapshot = copy.deepcopy(m)
        try:
            _random_op(m, data.draw)()
        except (Refused, OrderRefused, KeyError, ValueError):
            m = snapshot
    prove_like(m, 2)


# --- compile once, solve per batch -------------------------------------------------------------------

def test_compiled_r1cs_is_cached_and_the_solved_witness_satisfies_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKROLLUP_CACHE", str(tmp_path))
    m = funded(4)
    m.withdraw(4, 1, 0x1)
    batch, exp = m.finish(1)
    shape = m.shape(1)
    r1cs = compile_batch(shape)
    files = list((tmp_path / "circuits").glob("*.r1cs"))
    assert [f.name for f in files] == [shape.key() + ".r1cs"]
    from circuits.batch import circuit as bc
    bc._MEMO.clear()
    again = compile_batch(shape)                             # read back from disk
    assert (again.n_constraints, again.n_public) == (r1cs.n_constraints, 1) == (batch_cost(shape)["total"], 1)
    wit, out = solve_batch(shape, batch)
    assert wit[1] == exp["public_input"] == out.public_input
    assert again.first_unsatisfied(wit) is None
    bad = list(wit)
    bad[1] = bad[1] + 1
    assert again.which_is_unsatisfied(bad) is not None
