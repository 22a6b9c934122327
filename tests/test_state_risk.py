"""Units, market table and risk engine: bounds, payoffs, hashes, conservative integer tables."""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R, fr, to_signed
from circuits.spec import margin
from circuits.spec.tables import OracleTable
from circuits.spec.widths import CASH_BITS
from zkrollup.errors import BadAmount, NoOracle, OutOfRange, SlotInUse
from zkrollup.market import EMPTY, Instrument, Kind, Market
from zkrollup.risk import build_oracle_table, check_oracle, equities, float_values, instrument_values, reduces_risk
from zkrollup.units import batch_shape, check_positive, check_signed, check_unsigned

from rollup_helpers import EXPIRY, SPOT, T0, VOL, make_market

# --- units -------------------------------------------------------------------------------


def test_unsigned_bounds_are_exact():
    assert check_unsigned("x", 2 ** 8 - 1, 8) == 255
    assert check_unsigned("x", 0, 8) == 0
    for bad in (2 ** 8, -1, 1.0, True, "3"):
        with pytest.raises(OutOfRange):
            check_unsigned("x", bad, 8)


def test_signed_bounds_are_exact_and_errors_are_value_errors():
    assert check_signed("c", -(2 ** CASH_BITS - 1), CASH_BITS) < 0
    with pytest.raises(OutOfRange):
        check_signed("c", 2 ** CASH_BITS, CASH_BITS)
    with pytest.raises(ValueError):
        check_signed("c", -(2 ** CASH_BITS), CASH_BITS)
    with pytest.raises(BadAmount, match="positive"):
        check_positive("amount", 0, 64)


@settings(deadline=None)                  # a loaded 2-core CI machine can stall any example
@given(st.integers(-(2 ** CASH_BITS) + 1, 2 ** CASH_BITS - 1))
def test_signed_field_encoding_round_trips(v):
    assert 0 <= fr(v) < R
    assert to_signed(fr(v)) == v


# --- market ------------------------------------------------------------------------------


def test_payoffs_are_exact_integers():
    call, put, fut = Instrument.call(100, EXPIRY, 3), Instrument.put(100, EXPIRY, 3), Instrument.future(EXPIRY, 3)
    assert [call.payoff(130), put.payoff(130), fut.payoff(130)] == [90, 0, 390]
    assert [call.payoff(70), put.payoff(70), fut.payoff(70)] == [0, 90, 210]
    assert call.payoff(100) == put.payoff(100) == 0
    assert EMPTY.payoff(5) == 0


@pytest.mark.parametrize("args", [(Kind.CALL, 0, EXPIRY, 1), (Kind.FUTURE, 5, EXPIRY, 1),
                                  (Kind.PUT, 10, EXPIRY, 0), (Kind.EMPTY, 1, 0, 0), (7, 1, 1, 1),
                                  (Kind.CALL, 2 ** 48, EXPIRY, 1)])
def test_bad_instruments_rejected(args):
    with pytest.raises(ValueError):
        Instrument(*args)


def test_market_hash_covers_every_field():
    m = make_market()
    hashes = {m.hash(), Market(m.slots, liq_bonus_bps=51).hash(), Market(m.slots, liq_penalty_bps=99).hash(),
              m.with_instrument(3, Instrument.call(SPOT + 1, EXPIRY), 0).hash(),
              m.with_instrument(0, Instrument.call(SPOT, EXPIRY + 1), 0).hash(),
              m.with_instrument(0, Instrument.call(SPOT, EXPIRY, 2), 0).hash()}
    assert len(hashes) == 6


def test_slot_reuse_only_at_zero_open_interest():
    m = make_market()
    with pytest.raises(SlotInUse):
        m.with_instrument(0, Instrument.put(SPOT, EXPIRY), 5)
    assert m.with_instrument(0, Instrument.put(SPOT, EXPIRY), 0)[0].kind == Kind.PUT


# --- valuation -------------------------------------------------------------------------------


def test_black_scholes_put_call_parity_and_known_value():
    tau, r = 0.25, 0.03
    spots = np.array([50.0, 100.0, 150.0])
    vols = np.array([0.2, 0.2, 0.2])
    c = instrument_values(Kind.CALL, 100.0, 1, tau, spots, vols, r)
    p = instrument_values(Kind.PUT, 100.0, 1, tau, spots, vols, r)
    np.testing.assert_allclose(c - p, spots - 100.0 * math.exp(-r * tau), rtol=1e-12, atol=1e-9)
    # S=K=100, T=0.25, r=3%, vol 20%: d1=0.125, d2=0.025, C = 100 N(d1) - 100 e^-0.0075 N(d2)
    assert c[1] == pytest.approx(4.3576, abs=1e-3)


def test_values_at_expiry_are_intrinsic():
    v = instrument_values(Kind.PUT, 100.0, 2, 0.0, np.array([80.0, 120.0]), np.array([0.5, 0.5]), 0.0)
    assert list(v) == [40.0, 0.0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-(2 ** 20), 2 ** 20), min_size=4, max_size=4),
       st.integers(-(2 ** 60), 2 ** 60), st.integers(SPOT // 2, SPOT * 2), st.integers(0, 29),
       st.sampled_from([0.05, 0.3, 0.6, 1.5]))
def test_integer_margin_never_exceeds_the_unrounded_model(sizes, cash, spot, day, vol):
    """The haircut makes the rounded table conservative for longs and shorts alike, for the
    equities (maintenance) and for the initial-margin quantities."""
    m = make_market()
    ts = T0 + day * 86_400
    tab = build_oracle_table(m, ts, spot, vol)
    floats = float_values(m, ts, spot, vol).values
    checked = equities(cash, sizes, tab)
    # the model's equity, exactly (every float is a dyadic rational)
    exact = [cash + sum(sz * Fraction(float(floats[k][s])) for k, sz in enumerate(sizes)) for s in range(tab.S)]
    for c, e in zip(checked, exact):
        assert c <= e
    for c, e in zip(margin.im_quantities(checked), margin.im_quantities(exact)):
        assert c <= e


# --- oracle table -------------------------------------------------------------------------------


def test_oracle_table_hash_changes_with_any_value():
    tab = build_oracle_table(make_market(), T0, SPOT, VOL)
    enc = tab.encode()
    assert len(enc) == 6 + 4 * 35 + 3 * 4
    obj = tab.to_obj()
    obj["scen"] = [list(r) for r in obj["scen"]]
    obj["scen"][2][5] += 1
    assert OracleTable.from_obj(obj).hash() != tab.hash()
    assert OracleTable.from_obj(tab.to_obj()).hash() == tab.hash()


def test_settled_slot_is_valued_at_exact_payoff():
    m = make_market()
    tab = build_oracle_table(m, EXPIRY, SPOT, VOL, settle_prices={0: SPOT + 1234, 1: SPOT + 1234})
    assert tab.settle_value[0] == 1234 and tab.settle_value[1] == 0
    assert set(tab.scen[0]) == {1234} and tab.mark[0] == 1234 and tab.vol_bps[:2] == (0, 0)
    check_oracle(tab, m)


def test_tampered_settlement_value_or_foreign_market_rejected():
    m = make_market()
    tab = build_oracle_table(m, EXPIRY, SPOT, VOL, settle_prices={0: SPOT + 10})
    obj = tab.to_obj()
    obj["scen"] = ((11,) * 35,) + tab.scen[1:]
    with pytest.raises(NoOracle, match="payoff"):
        check_oracle(OracleTable.from_obj(obj), m)
    with pytest.raises(NoOracle, match="another market"):
        check_oracle(tab, m.with_instrument(3, Instrument.future(EXPIRY), 0))


def test_settlement_before_expiry_rejected():
    with pytest.raises(ValueError, match="before its expiry"):
        build_oracle_table(make_market(), T0, SPOT, VOL, settle_prices={0: SPOT})


# --- margin rules ----------------------------------------------------------------------------------


def test_reduces_risk_requires_smaller_same_sign_size_and_no_worse_minimum():
    tab = build_oracle_table(make_market(), T0, SPOT, VOL)
    old = [-10, 0, 0, 0]
    q_old = min(margin.im_quantities(equities(0, old, tab)))
    ask = max(tab.scen[0])  # buying back at the worst-case value never lowers the minimum
    assert reduces_risk(0, old, -3 * ask, [-7, 0, 0, 0], 0, tab)
    assert min(margin.im_quantities(equities(-3 * ask, [-7, 0, 0, 0], tab))) >= q_old
    assert not reduces_risk(0, old, 0, [-11, 0, 0, 0], 0, tab)          # grows
    assert not reduces_risk(0, old, -20 * ask, [10, 0, 0, 0], 0, tab)   # flips
    assert not reduces_risk(0, old, -10 ** 12, [-7, 0, 0, 0], 0, tab)   # pays too much
    assert not reduces_risk(0, old, -3 * ask, [-7, 1, 0, 0], 0, tab)    # another slot moved
    assert not reduces_risk(0, [0, 0, 0, 0], 0, [0, 0, 0, 0], 0, tab)


def test_batch_shape_has_the_sizes_and_the_scenario_count():
    shape = batch_shape(2, 8, 4, 4, 12)
    assert (shape.n_slots, shape.acc_depth, shape.ord_depth, shape.n_instruments, shape.S) == (2, 8, 4, 4, 12)
    assert batch_shape(1, 8, 4, 4).S == 35
