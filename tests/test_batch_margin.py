"""The margin rules in the batch circuit: one scenario table, initial margin on
Q_s = IM_NUM E_s - (IM_NUM - IM_DEN) E_0, maintenance on E_s (circuits.spec.margin).

Honest operations at the exact boundaries prove; one cash unit beyond fails at a named
check; liquidation needs a failing maintenance (failing initial margin is not enough); a
forced withdrawal pays exactly the initial-margin allowance (a prover whose hint pays one
unit more, one unit less or nothing fails); "strictly reduces risk" works on Q; and the
margin gadgets agree with the native rules on random portfolios.
"""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.batch.margin import assert_nonneg, equities, im_quantities
from circuits.cs import ConstraintSystem, UnsatisfiedConstraint
from circuits.field import fr, to_signed
from circuits.spec import margin
from circuits.spec.widths import EQUITY_BITS, PRICE_BITS

from batch_model import ADDR
from spec_fixtures import DAY, SPOT, T0
from test_batch_circuit import BIG, funded, fut, prove_like
from test_batch_soundness import fails_at

SHORT = [0, 0, -1, 0]          # one future short (slot 2)


def _set_cash(m, i: int, cash: int) -> None:
    """Put account i at `cash` between two batches (the next batch starts from there)."""
    m.accts[i].cash = cash
    m._write(i)
    m.begin()


def _eq(m, cash: int, sizes) -> list[int]:
    return margin.equities(cash, sizes, m.oracle.scen)


def _im_cash(m, sizes) -> int:
    """The least cash passing initial margin with `sizes`."""
    return -(min(margin.im_quantities(_eq(m, 0, sizes))) // margin.IM_DEN)


def _mm_cash(m, sizes) -> int:
    return -min(_eq(m, 0, sizes))


def _unchecked(m):
    batch, exp = m.finish()
    return fails_at(m.shape(len(batch.slots)), batch, exp["public_input"])


def _short_model(cash_after: int, unchecked: bool = False):
    """Account 5 sells one future at SPOT (fee 0) ending with `cash_after`."""
    m = funded(4, 6)
    m.deposit(5, 5, cash_after - SPOT, ADDR[5])
    m.finish()
    m.trade(fut(5, 1, 1, 1), fut(4, 0, 1, 1), 1, SPOT, unchecked=unchecked)
    return m


def test_a_trade_needs_initial_margin_not_just_maintenance():
    m0 = funded()
    c = _im_cash(m0, SHORT)
    assert _mm_cash(m0, SHORT) < c                      # IM is stricter than MM
    prove_like(_short_model(c))                         # at the boundary: proves
    m = _short_model(c - 1, unchecked=True)             # one unit less: MM passes, IM fails
    eq = _eq(m, c - 1, SHORT)
    assert margin.passes_mm(eq) and not margin.passes_im(eq)
    # the honest hint then claims "reduces risk", which a growing position fails
    assert _unchecked(m) == "slot0.margin_a.rr_shrinks"


@pytest.mark.parametrize("extra", [0, -1])
def test_a_withdrawal_may_leave_exactly_initial_margin_and_not_one_unit_less(extra):
    m0 = funded()
    c = _im_cash(m0, SHORT)
    m = _short_model(c + 500)
    m.finish()
    m.withdraw(5, 500 - extra, 0xBEEF, unchecked=True)
    eq = _eq(m, c + extra, SHORT)
    assert margin.passes_mm(eq) and margin.passes_im(eq) == (extra == 0)
    assert _unchecked(m) == (None if extra == 0 else f"slot0.margin_a.check{margin.binding(eq)}.sum")


@pytest.mark.parametrize("where", ["im", "mm", "mm-1"])
def test_liquidation_needs_a_failing_maintenance(where):
    m0 = funded()
    c = {"im": _im_cash(m0, SHORT) - 1, "mm": _mm_cash(m0, SHORT), "mm-1": _mm_cash(m0, SHORT) - 1}[where]
    m = _short_model(_im_cash(m0, SHORT))
    m.finish()
    _set_cash(m, 5, c)
    eq = _eq(m, c, SHORT)
    assert not margin.passes_im(eq) and margin.passes_mm(eq) == (where != "mm-1")
    if where == "mm-1":                                 # E_j = -1 at the failing scenario: liquidatable
        m.liquidate(6, 5, T0 + DAY)
        prove_like(m)
    else:                                               # fails IM, passes MM: not liquidatable
        m.liquidate(6, 5, T0 + DAY, unchecked=True)
        assert _unchecked(m) == "slot0.liq_checks.fails_mm_range.sum"


def _forced_model(allowance: int):
    m0 = funded()
    m = _short_model(_im_cash(m0, SHORT) + allowance)
    m.finish()
    assert margin.im_allowance(_eq(m, m.accts[5].cash, SHORT)) == allowance
    return m


@pytest.mark.parametrize("allowance,amount,paid", [(1000, 10 ** 9, 1000), (1000, 1000, 1000), (1000, 999, 999),
                                                   (0, 5, 0), (1, 1, 1)])
def test_a_forced_withdrawal_pays_exactly_the_initial_margin_allowance(allowance, amount, paid):
    m = _forced_model(allowance)
    assert m.forced(5, amount, ADDR[5]) == paid
    prove_like(m)


def test_a_forced_withdrawal_from_an_account_failing_initial_margin_pays_zero():
    m = _forced_model(0)
    _set_cash(m, 5, m.accts[5].cash - 10 ** 6)         # now below IM (even below MM)
    assert m.forced(5, 7, ADDR[5]) == 0
    prove_like(m)


@pytest.mark.parametrize("delta,expect", [(+1, "margin_a.check"), (-1, "margin_b.check0.sum"),
                                          ("zero", "margin_b.check0.sum")])
def test_a_prover_paying_anything_but_the_allowance_fails(monkeypatch, delta, expect):
    """The circuit's own hint (and the model) replaced by a cheating allowance."""
    m = _forced_model(1000)
    true = margin.im_allowance
    monkeypatch.setattr(margin, "im_allowance", lambda eq: 0 if delta == "zero" else true(eq) + delta)
    m.forced(5, 10 ** 9, ADDR[5])
    assert expect in _unchecked(m)


def test_buying_back_below_initial_margin_must_not_lower_the_minimum_q():
    m0 = funded()
    two = [0, 0, -2, 0]
    m = funded(4)
    m.deposit(5, 5, 10 ** 6, ADDR[5])
    m.trade(fut(5, 1, 2, 1), fut(4, 0, 2, 1), 2, SPOT, unchecked=True)
    m.finish()
    low = _im_cash(m0, SHORT) + SPOT - 1000              # fails IM (and MM) with two short ...
    _set_cash(m, 5, low)
    assert not margin.passes_im(_eq(m, low, two))
    m.trade(fut(5, 0, 1, 2), fut(4, 1, 1, 2), 1, SPOT, unchecked=True)     # buy one back at the mark
    new = low - SPOT
    assert not margin.passes_im(_eq(m, new, SHORT))                          # ... and with one
    assert margin.reduces_risk(_eq(m, low, two), _eq(m, new, SHORT), two, SHORT, 2)
    assert _unchecked(m) is None                                             # but it reduces risk
    # at three times the mark the minimum Q falls: refused
    m.trade(fut(5, 0, 1, 3, limit=3 * SPOT), fut(4, 1, 1, 3), 1, 3 * SPOT, unchecked=True)
    assert _unchecked(m).startswith("slot0.margin_a.check")


# --- the gadgets against the native rules ----------------------------------------------------------

def _gadget_verdicts(cash, sizes, scen):
    """(IM passes, MM passes) as the circuit's checks decide them."""
    out = []
    for rule in ("im", "mm"):
        cs = ConstraintSystem(strict=True)
        c = cs.witness("cash", fr(cash))
        sz = [cs.witness(f"s{k}", fr(v)) for k, v in enumerate(sizes)]
        tab = [[cs.witness(f"t{k}_{s}", v) for s, v in enumerate(row)] for k, row in enumerate(scen)]
        e = equities(cs, c - margin.haircut(sizes), sz, tab)
        vals = im_quantities(e) if rule == "im" else e
        assert [to_signed(cs.value(v)) for v in vals] == (margin.im_quantities if rule == "im" else list)(
            margin.equities(cash, sizes, scen))
        try:
            for s, v in enumerate(vals):
                assert_nonneg(cs, v, margin.IM_BITS + 1, name=f"check{s}")
            out.append(True)
        except UnsatisfiedConstraint:
            out.append(False)
    return tuple(out)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3).flatmap(lambda k: st.tuples(
    st.lists(st.integers(-(10 ** 6), 10 ** 6), min_size=k, max_size=k),
    st.integers(1, 5).flatmap(lambda s: st.lists(st.lists(st.integers(0, (1 << PRICE_BITS) - 1), min_size=s,
                                                          max_size=s), min_size=k, max_size=k)))),
       st.integers(-(1 << 70), 1 << 70))
def test_margin_gadgets_decide_as_the_native_rules(p, cash):
    sizes, scen = p
    eq = margin.equities(cash, sizes, scen)
    # a cash near the IM boundary half of the time, so both verdicts occur
    if cash % 2:
        cash = -(min(margin.im_quantities(margin.equities(0, sizes, scen))) // margin.IM_DEN) - cash % 3
        eq = margin.equities(cash, sizes, scen)
    assert _gadget_verdicts(cash, sizes, scen) == (margin.passes_im(eq), margin.passes_mm(eq))
    assert margin.IM_BITS == EQUITY_BITS + 4
