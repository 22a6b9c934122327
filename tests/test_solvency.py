"""Socialised loss and the batch's solvency output (issue 14 items 2 and 5): the insurance
fund's deficit, proven at the end of every batch and posted as the public input's trailer
(`circuits.spec.solvency`, `circuits.batch.solvency`), and the pro-rata exit rule L1 applies
while it is uncovered (`exit_payout`, whose contract twin is tested in tests/test_l1_*)."""
import pytest
from hypothesis import assume, given, settings, strategies as st

from circuits.batch.account_leaf import AccountVars
from circuits.batch.circuit import solve_batch
from circuits.batch.solvency import fund_deficit as deficit_gadget
from circuits.batch.tables import TablesVars
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.spec.accounts import INSURANCE_ACCOUNT
from circuits.spec.solvency import DEFICIT_BITS, DEFICIT_BYTES, exit_payout, fund_deficit, fund_value
from circuits.spec.widths import CASH_BITS, PRICE_BITS, SIZE_BITS
from zkrollup.ops import BUY, SELL, Backstop, Trade
from zkrollup.units import batch_shape

from batch_native import BatchRecorder, shape_of
from rollup_helpers import SPOT, order, reprice
from test_native_vs_circuit import agree, base_state

K = 4
SHAPE = batch_shape(1, 4, 2, K, 4)


def _gadget(cash: int, sizes, mark):
    cs = ConstraintSystem()
    fund = AccountVars(*(cs.witness(n, 0) for n in ("pk_x", "pk_y", "nonce")), cs.witness("cash", cash % R),
                       [cs.witness(f"s{k}", s % R) for k, s in enumerate(sizes)], cs.witness("orders_root", 0),
                       cs.witness("owner", 0))
    tv = TablesVars(*([None] * 10), [cs.witness(f"m{k}", m) for k, m in enumerate(mark)], None)
    d, bits = deficit_gadget(cs, SHAPE, tv, fund)
    return cs, d, bits


cash_st = st.integers(-(1 << (CASH_BITS - 1)), (1 << (CASH_BITS - 1)) - 1)
size_st = st.integers(-(1 << (SIZE_BITS - 1)), (1 << (SIZE_BITS - 1)) - 1)
mark_st = st.integers(0, (1 << (PRICE_BITS - 2)) - 1)


@settings(max_examples=40, deadline=None)
@given(cash_st, st.lists(size_st, min_size=K, max_size=K), st.lists(mark_st, min_size=K, max_size=K))
def test_the_gadget_proves_the_spec_deficit_and_posts_its_bytes(cash, sizes, mark):
    cs, d, bits = _gadget(cash, sizes, mark)
    assert cs.which_is_unsatisfied() is None
    want = fund_deficit(cash, sizes, mark)
    assert cs.value(d) == want == max(0, -fund_value(cash, sizes, mark))
    got = bytes(sum(cs.value(bits[i + j]) << (7 - j) for j in range(8)) for i in range(0, len(bits), 8))
    assert got == want.to_bytes(DEFICIT_BYTES, "big") and len(bits) == DEFICIT_BITS


@pytest.mark.parametrize("cash, sizes, mark", [
    (0, [0] * K, [0] * K), (-1, [0] * K, [5] * K), (1, [0] * K, [5] * K),        # edges around 0
    (-5, [1, 0, 0, 0], [5, 0, 0, 0]),                                            # a position covers cash exactly
    (-(1 << CASH_BITS) + 1, [-(1 << (SIZE_BITS - 1))] + [0] * 3, [(1 << (PRICE_BITS - 2)) - 1] + [0] * 3)])
def test_the_deficit_at_its_edges(cash, sizes, mark):
    cs, d, _ = _gadget(cash, sizes, mark)
    assert cs.which_is_unsatisfied() is None and cs.value(d) == fund_deficit(cash, sizes, mark)


@pytest.mark.parametrize("cash, claim", [(-7, 0), (-7, 3), (-7, 8), (7, 3), (0, 1)])
def test_a_posted_deficit_other_than_the_funds_fails(cash, claim):
    """The deficit is -neg * value of the sign split: another value of it (the trailer's
    bits are its decomposition) breaks the product."""
    cs, _, _ = _gadget(cash, [0] * K, [1] * K)
    cs.set_value(cs.variable("solvency.value.neg_x"), (-claim) % R)
    assert cs.which_is_unsatisfied() == "solvency.value.neg_x"


def test_a_flipped_sign_fails():
    cs, _, _ = _gadget(-7, [0] * K, [1] * K)
    top = cs.variable(f"solvency.value.bits.b[{SHAPE.equity_bits}]")
    cs.set_value(top, 1)
    assert cs.which_is_unsatisfied() is not None


def test_exit_payout_is_full_while_the_deficit_is_covered():
    assert exit_payout(100, 1_000, 0, 0) == 100
    assert exit_payout(100, 1_000, 50, 50) == 100 and exit_payout(100, 1_000, 50, 80) == 100
    assert exit_payout(100, 1_000, 1_000, 0) == 50                          # held / (held + D) = 1/2
    assert exit_payout(100, 0, 10, 0) == 0                                   # nothing held: nothing paid


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10 ** 12), st.integers(1, 10 ** 12), st.integers(0, 10 ** 12),
       st.lists(st.integers(1, 10 ** 9), min_size=1, max_size=8))
def test_nobody_gains_by_leaving_first_and_l1_never_pays_more_than_it_holds(held, deficit, retained, xs):
    """The ratio held / (held + uncovered) does not fall as exits are paid (each payout is
    rounded down, and what rounding keeps back is retained, which can only raise the
    ratio): the first exit gets at most the ratio, every later one at least it (less one
    unit of rounding), so nobody gains by leaving first; L1 never pays out more than it
    holds. A consistent ledger: retained is part of held, and the accounts other than the
    fund claim held - retained + deficit in all."""
    assume(retained <= held and sum(xs) <= held - retained + deficit)

    def run(order):
        h, r, paid = held, retained, []
        for x in order:
            p = exit_payout(x, h, deficit, r)
            assert 0 <= p <= x
            paid.append(p)
            r += x - p
            h -= p
            assert h >= 0
        return paid, h
    paid, left = run(xs)
    uncovered = deficit - retained
    if uncovered <= 0:
        assert paid == xs
        return
    # exact integer comparisons: p0 <= x0 * held / (held + uncovered) <= p_i + 1
    assert paid[0] * (held + uncovered) <= xs[0] * held
    for x, p in zip(xs, paid):
        assert x * held < (p + 1) * (held + uncovered) and p <= x


def test_a_bankrupt_backstop_leaves_a_deficit_the_batch_proves_and_posts():
    """Native against the circuit: the fund takes over a bankrupt short, covers the shortfall
    and is under water; the batch's trailer is that deficit, at the batch's marks."""
    s = base_state()
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 100, mark, 1), order(3, SELL, 100, mark, 1), 100, mark))
    reprice(s, SPOT * 2)
    rec = BatchRecorder(s)
    w = rec.apply(Backstop(3))
    assert w.details["shortfall"] > 0
    batch, sb, shape = agree(rec, 1)
    fund = s.account(INSURANCE_ACCOUNT)
    assert sb.fund_deficit == fund_deficit(fund.cash, fund.sizes, s.oracle.mark) > 0
    _, out = solve_batch(shape, batch)
    assert out.fund_deficit == sb.fund_deficit


def _trade_ten(rec: BatchRecorder) -> None:
    """Account 5 buys 10 of slot 0 from account 3 at the mark."""
    mark = rec.state.oracle.mark[0]
    rec.apply(Trade(order(5, BUY, 10, mark, 1), order(3, SELL, 10, mark, 1), 10, mark))


def test_a_healthy_fund_posts_zero():
    rec = BatchRecorder(base_state())
    _trade_ten(rec)
    _, sb, _ = agree(rec, 1)
    assert sb.fund_deficit == 0


# --- the solvency outputs: a circuit that mints cash or lots cannot satisfy L1 ---------------------

def _faulty_batch(monkeypatch, part: str, fault, native_fault):
    """A one-trade batch under a rule with an accounting error, made both natively (the
    operator's state: `native_fault(role, kwargs)` edits what the trade plans for each side,
    so the witness paths agree) and in the circuit (the slot part `part` wrapped by `fault`);
    returns (batch, shape, the circuit's outputs, L1's public input for the root, records
    and open interests that operator posts)."""
    import functools
    from circuits.batch.slot import gadget as gadget_mod
    from circuits.spec.public_input import batch_public_input
    from zkrollup.ops.base import Plan
    real_set = Plan.set

    def planned(self, index, role, **kw):
        native_fault(role, kw)
        return real_set(self, index, role, **kw)
    s = base_state()
    rec = BatchRecorder(s)
    with monkeypatch.context() as m:
        m.setattr(Plan, "set", planned)
        _trade_ten(rec)
    batch, sb = rec.finish(1)
    shape = shape_of(s, 1)
    real = getattr(gadget_mod, part)
    monkeypatch.setattr(gadget_mod, part, functools.wraps(real)(lambda *a: fault(real, *a)))
    _, out = solve_batch(shape, batch)
    assert out.new_root == sb.fields.new_root and out.records == sb.records
    l1 = batch_public_input(out.records, out.fund_deficit, sb.open_interest, **sb.fields.__dict__)
    return batch, shape, out, l1


def test_a_slot_that_mints_cash_posts_another_flow_than_l1s_and_cannot_be_proven(monkeypatch):
    from dataclasses import replace
    from circuits.batch.circuit import first_failure
    from circuits.spec.solvency import cash_flow

    def mint(real, cs, shape, ops, *rest):
        c = real(cs, shape, ops, *rest)
        return replace(c, a=c.a + ops.tr)             # port A (the maker) gets one unit from nowhere

    def mint_native(role, kw):
        if role == "maker":
            kw["cash"] += 1
    batch, shape, out, l1 = _faulty_batch(monkeypatch, "new_cash", mint, mint_native)
    assert out.cash_flow == cash_flow(out.records) + 1
    assert out.oi_short == out.oi
    assert first_failure(shape, batch) is None                    # the faulty circuit is self-consistent ...
    assert first_failure(shape, batch, l1) == "public_input"      # ... but no proof of it meets L1's input


def test_a_slot_that_moves_a_lot_without_a_counterparty_posts_long_not_short(monkeypatch):
    from dataclasses import replace
    from circuits.batch.circuit import first_failure

    def extra_lot(real, cs, shape, ops, A, B, so, haircut_old, orders, *rest):
        bad = {"a": replace(orders["a"], dfill=orders["a"].dfill + ops.tr), "b": orders["b"]}
        return real(cs, shape, ops, A, B, so, haircut_old, bad, *rest)

    def extra_lot_native(role, kw):
        if role == "maker":
            kw["sizes"] = [kw["sizes"][0] + 1] + list(kw["sizes"][1:])
    batch, shape, out, l1 = _faulty_batch(monkeypatch, "positions", extra_lot, extra_lot_native)
    assert out.oi == [11] + [0] * (len(out.oi) - 1) and out.oi_short == [10] + [0] * (len(out.oi) - 1)
    assert first_failure(shape, batch) is None
    assert first_failure(shape, batch, l1) == "public_input"       # L1 hashes the calldata's 11 twice
    from circuits.spec.public_input import batch_public_input
    h = dict(old_root=out.old_root, new_root=out.new_root, oracle_hash=out.oracle_hash, prio_old=out.prio_old,
             prio_new=out.prio_new)
    for oi in (out.oi, out.oi_short):                              # whichever open interests are posted
        assert first_failure(shape, batch, batch_public_input(out.records, out.fund_deficit, oi, **h)) \
            == "public_input"


def test_an_honest_batch_posts_the_records_flow_and_equal_long_and_short_open_interest():
    from circuits.spec.solvency import cash_flow
    rec = BatchRecorder(base_state())
    _trade_ten(rec)
    batch, sb, shape = agree(rec, 2)
    _, out = solve_batch(shape, batch)
    assert sum(sb.open_interest) == 10 and out.oi == out.oi_short == list(sb.open_interest)
    assert out.cash_flow == cash_flow(sb.records) == 0
