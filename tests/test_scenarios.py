"""The scenario grid (circuits.spec.scenarios) and the oracle model that fills it
(zkrollup.risk): smiles, the vol-scaled base move, vol shocks on options only, extended
moves at weight 1/3, margins that grow with volatility."""
import math
from fractions import Fraction

import numpy as np
import pytest

from circuits.spec import margin as M
from circuits.spec.scenarios import (EXTENDED_WEIGHT, M_MAX_BPS, M_MIN_BPS, STANDARD_GRID, STANDARD_SCENARIOS,
                                     Scenario, base_move_bps, grid)
from zkrollup.market import Instrument, market_of
from zkrollup.risk import Smile, VolSurface, build_oracle_table, describe_scenario, equities, float_values

from rollup_helpers import DID, EXPIRY, SPOT, T0, make_market

DAY = 86_400


def test_the_standard_grid_is_27_spot_vol_points_and_8_extended_moves():
    assert STANDARD_SCENARIOS == 35 and STANDARD_GRID[0] == Scenario(Fraction(0), 0)
    full = [s for s in STANDARD_GRID if s.weight == 1]
    ext = [s for s in STANDARD_GRID if s.weight != 1]
    assert {(s.spot, s.vol) for s in full} == {(Fraction(i, 4), v) for i in range(-4, 5) for v in (0, 1, -1)}
    assert sorted(s.spot for s in ext) == [Fraction(x) for x in ("-3", "-5/2", "-2", "-3/2", "3/2", "2", "5/2", "3")]
    assert all(s.weight == EXTENDED_WEIGHT and s.vol == 0 for s in ext)
    # most binding first: a deployment with S = 3 gets the mark and the two full moves
    assert grid(3) == (Scenario(Fraction(0), 0), Scenario(Fraction(-1), 0), Scenario(Fraction(1), 0))
    for bad in (0, 36, True, "3"):
        with pytest.raises(ValueError):
            grid(bad)


@pytest.mark.parametrize("vol,bps", [(0.3, 471), (0.6, 942), (0.9, 1413), (0.01, M_MIN_BPS), (5.0, M_MAX_BPS),
                                     (0.0, M_MIN_BPS)])
def test_base_move_is_three_daily_sigmas_clamped(vol, bps):
    assert base_move_bps(vol) == bps
    if M_MIN_BPS < bps < M_MAX_BPS:
        assert bps == round(3 * vol * math.sqrt(1 / 365) * 1e4)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.3"])
def test_base_move_refuses_bad_vols(bad):
    with pytest.raises(ValueError):
        base_move_bps(bad)


def test_smile_is_linear_in_log_moneyness_and_flat_beyond_its_ends():
    sm = Smile(((50, 0.8), (60, 0.6), (80, 0.5)))
    assert sm.vol_at(60, 60) == pytest.approx(0.6) and sm.vol_at(80, 55) == pytest.approx(0.5)
    assert sm.vol_at(10, 60) == pytest.approx(0.8) and sm.vol_at(500, 60) == pytest.approx(0.5)   # flat
    # halfway in log-moneyness between 60 and 80 (geometric mean), not in strike
    mid = math.sqrt(60 * 80)
    assert sm.vol_at(mid, 70) == pytest.approx(0.55)
    assert sm.vol_at(70, 70) != pytest.approx(0.55)
    assert Smile(((80, 0.5), (60, 0.6))).points == ((60.0, 0.6), (80.0, 0.5))       # sorted


@pytest.mark.parametrize("points", [(), ((60, 0.0),), ((0, 0.5),), ((60, 0.5), (60, 0.6)), ((60, float("nan")),)])
def test_bad_smiles_refused(points):
    with pytest.raises(ValueError):
        Smile(points)


def test_atm_vol_comes_from_the_nearest_expiry_after_the_table():
    surf = VolSurface({T0 + DAY: Smile(((SPOT, 0.9),)), T0 + 30 * DAY: Smile(((SPOT, 0.5),))})
    assert surf.atm(T0, SPOT) == 0.9
    assert surf.atm(T0 + DAY, SPOT) == 0.5                 # the first expiry has passed
    assert surf.atm(T0 + 99 * DAY, SPOT) == 0.5            # all passed: the latest
    assert VolSurface.of(0.4).atm(T0, SPOT) == 0.4
    with pytest.raises(ValueError, match="no smile"):
        VolSurface({T0 + DAY: Smile(((SPOT, 0.9),))}).vol(EXPIRY, SPOT, SPOT)
    for bad in (0, -1.0, float("nan"), True, "x"):
        with pytest.raises(ValueError):
            VolSurface.of(bad)


def test_slot_vols_come_from_the_smile_and_drive_option_values():
    m = market_of([Instrument.call(SPOT, EXPIRY), Instrument.call(SPOT * 12 // 10, EXPIRY),
                   Instrument.future(EXPIRY)], 4, deployment_id=DID)
    smile = Smile(((SPOT * 8 // 10, 0.9), (SPOT, 0.6), (SPOT * 12 // 10, 0.7)))
    tab = build_oracle_table(m, T0, SPOT, {EXPIRY: smile})
    assert tab.vol_bps == (6000, 7000, 0, 0)              # futures and empty slots: 0
    assert tab.move_bps == base_move_bps(0.6)
    flat = build_oracle_table(m, T0, SPOT, 0.6)
    assert tab.scen[0] == flat.scen[0] and tab.scen[2] == flat.scen[2]
    assert tab.mark[1] > flat.mark[1]                     # the wing is priced at 70%


def test_vol_shocks_move_options_only_and_futures_scale_with_the_base_move():
    tab = build_oracle_table(make_market(), T0, SPOT, 0.6)
    g = grid(tab.S)
    idx = {(s.spot, s.vol, s.weight): i for i, s in enumerate(g)}
    fut, call = tab.scen[2], tab.scen[0]
    mv = Fraction(tab.move_bps, 10_000)
    for s, sc in enumerate(g):
        # a future is spot: exact up to rounding, whatever the vol shock
        want = SPOT + sc.weight * (SPOT * (1 + sc.spot * mv) - SPOT)
        assert abs(fut[s] - want) <= Fraction(1, 2)
    assert fut[idx[(0, 1, 1)]] == fut[idx[(0, -1, 1)]] == fut[0]
    assert call[idx[(0, 1, 1)]] > call[0] > call[idx[(0, -1, 1)]]       # vega
    # an extended move counts a third: -3M at 1/3 equals -M for a linear instrument
    assert abs(fut[idx[(-3, 0, EXTENDED_WEIGHT)]] - fut[idx[(-1, 0, 1)]]) <= 1


def test_values_are_the_model_rounded_and_scenario_zero_is_the_mark():
    m = make_market()
    tab = build_oracle_table(m, T0, SPOT, 0.6)
    model = float_values(m, T0, SPOT, 0.6)
    assert np.array_equal(np.rint(model.values), np.array(tab.scen, dtype=float))
    assert tab.mark == tuple(row[0] for row in tab.scen)
    assert (model.move_bps, tuple(model.vol_bps)) == (tab.move_bps, tab.vol_bps)
    small = build_oracle_table(m, T0, SPOT, 0.6, n_scenarios=3)
    assert small.S == 3 and small.scen == tuple(row[:3] for row in tab.scen)


@pytest.mark.parametrize("size", [10, -10])
def test_a_calm_market_needs_less_margin_than_a_wild_one_for_futures_too(size):
    m = make_market()
    reqs = []
    for vol in (0.3, 0.6, 0.9):
        tab = build_oracle_table(m, T0, SPOT, vol)
        sizes = [0, 0, size, 0]
        u = M.MarginUse.of(equities(0, sizes, tab))
        reqs.append(u.mm_requirement)
        # the binding scenario is a full move against the position
        assert describe_scenario(tab, u.binding).startswith("spot -" if size > 0 else "spot +")
    assert reqs[0] < reqs[1] < reqs[2]
    assert reqs[1] == pytest.approx(2 * reqs[0], rel=0.01)              # M is linear in vol


def test_describe_names_the_moves():
    tab = build_oracle_table(make_market(), T0, SPOT, 0.6)
    assert describe_scenario(tab, 0) == "mark"
    assert describe_scenario(tab, 3, 0) == "spot -9.42%, vol +25% (60.00% -> 75.00%)"
    assert describe_scenario(tab, 8) == "vol -25%"
    assert describe_scenario(tab, 9) == "spot -28.26%, weight 1/3"
