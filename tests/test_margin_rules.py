"""The margin rules of circuits.spec.margin on random portfolios and tables: initial margin
implies maintenance, the forced withdrawal's allowance is exactly the most IM allows, margin
use agrees with the rules, "strictly reduces risk"."""
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from circuits.spec import margin as M
from circuits.spec.widths import CASH_BITS, PRICE_BITS, SIZE_BITS


@st.composite
def portfolios(draw, max_k: int = 6, max_s: int = 35):
    """(sizes, scen) with K slots and S scenarios; values over the whole 48-bit range or
    near one another (realistic tables), sizes small or up to 2^40."""
    k = draw(st.integers(1, max_k))
    s = draw(st.integers(1, max_s))
    big = draw(st.booleans())
    hi = (1 << PRICE_BITS) - 1 if big else 10**6
    scen = [draw(st.lists(st.integers(0, hi), min_size=s, max_size=s)) for _ in range(k)]
    size = st.integers(-(1 << SIZE_BITS) + 1, (1 << SIZE_BITS) - 1) if big else st.integers(-50, 50)
    sizes = draw(st.lists(size, min_size=k, max_size=k))
    return sizes, scen


def _min_cash_for_im(sizes, scen) -> int:
    """The least cash passing IM: Q_s grows by IM_DEN per unit of cash."""
    q0 = min(M.im_quantities(M.equities(0, sizes, scen)))
    return -(q0 // M.IM_DEN)         # ceil(-q0 / IM_DEN)


@settings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(-(1 << CASH_BITS) + 1, (1 << CASH_BITS) - 1))
def test_initial_margin_implies_maintenance(p, cash):
    sizes, scen = p
    eq = M.equities(cash, sizes, scen)
    if M.passes_im(eq):
        assert M.passes_mm(eq) and M.first_failing_mm(eq) is None


@settings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(0, 10**6))
def test_initial_margin_implies_maintenance_at_the_im_boundary(p, extra):
    """At the least cash passing IM (and above it) MM passes; one unit less fails IM."""
    sizes, scen = p
    c = _min_cash_for_im(sizes, scen)
    assert M.passes_im(M.equities(c + extra, sizes, scen)) and M.passes_mm(M.equities(c + extra, sizes, scen))
    assert not M.passes_im(M.equities(c - 1, sizes, scen))


@settings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(-10**9, 10**9))
def test_allowance_is_the_most_cash_initial_margin_lets_go(p, offset):
    sizes, scen = p
    cash = _min_cash_for_im(sizes, scen) + offset
    w = M.im_allowance(M.equities(cash, sizes, scen))
    assert w >= 0
    if not M.passes_im(M.equities(cash, sizes, scen)):
        assert w == 0
    else:
        assert M.passes_im(M.equities(cash - w, sizes, scen))
        assert not M.passes_im(M.equities(cash - w - 1, sizes, scen))


@settings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(-10**9, 10**9))
def test_margin_use_agrees_with_the_rules(p, offset):
    sizes, scen = p
    cash = _min_cash_for_im(sizes, scen) + offset
    eq = M.equities(cash, sizes, scen)
    u = M.MarginUse.of(eq)
    assert u.equity == eq[0] and u.worst == min(eq) == eq[u.binding] and eq.index(min(eq)) == u.binding
    assert u.passes_mm == M.passes_mm(eq) == (u.equity >= u.mm_requirement)
    assert u.passes_im == M.passes_im(eq) == (u.equity >= u.im_requirement)
    assert u.im_requirement == u.mm_requirement * Fraction(M.IM_NUM, M.IM_DEN)


def test_one_table_im_is_alpha_times_the_worst_loss():
    # one long future worth 100 at mark, 80 in the worst scenario: loss 20 (+1 haircut
    # everywhere); IM needs E_0 >= 1.3 * 20 = 26, MM E_0 >= 20
    scen = [[100, 120, 80]]
    for cash, im, mm in ((-100 + 1 + 26, True, True), (-100 + 1 + 25, False, True), (-100 + 1 + 20, False, True),
                         (-100 + 1 + 19, False, False)):
        eq = M.equities(cash, [1], scen)
        assert (M.passes_im(eq), M.passes_mm(eq)) == (im, mm), cash
    eq = M.equities(-100 + 1 + 26, [1], scen)
    assert eq == [26, 46, 6] and M.im_quantities(eq) == [260, 520, 0] and M.binding(eq) == 2
    assert M.im_allowance(eq) == 0 and M.im_allowance(M.equities(-100 + 1 + 28, [1], scen)) == 2


def test_haircut_and_equities_edges():
    assert M.haircut([-3, 0, 5]) == 8
    assert M.equities(7, [0, 0], [[1, 2], [3, 4]]) == [7, 7]           # flat: cash everywhere
    assert M.first_failing_mm([0, -1, -2]) == 1 and M.first_failing_mm([0, 0]) is None
    assert M.binding([5, 3, 3, 4]) == 1                                  # the first minimum
    u = M.MarginUse.of([0, -1])
    assert u.use(u.mm_requirement) is None and not u.passes_mm


def test_reduces_risk_only_when_the_traded_slot_shrinks_without_flip_and_min_q_holds():
    scen = [[100, 130, 70], [50, 40, 60]]
    old_sizes = [-10, 3]
    old = M.equities(0, old_sizes, scen)

    def ok(cash, sizes):
        return M.reduces_risk(old, M.equities(cash, sizes, scen), old_sizes, sizes, 0)
    assert ok(-3 * 130, [-7, 3])              # bought back at the worst value
    assert not ok(-3 * 10**6, [-7, 3])        # paid too much: min Q fell
    assert not ok(0, [-11, 3])                # grows
    assert not ok(-20 * 130, [10, 3])         # flips
    assert not ok(-3 * 130, [-7, 4])          # another slot moved
    assert not M.reduces_risk(old, old, old_sizes, old_sizes, 0)
    assert not M.reduces_risk(old, old, old_sizes, old_sizes[:1], 0)


@pytest.mark.parametrize("num,den,ok", [(13, 10, True), (3, 2, True), (16, 10, False), (9, 10, False)])
def test_alpha_bounds_that_keep_rounding_conservative(num, den, ok):
    """The module's condition (1 <= alpha <= 3/2): the rounded Q_s can then only be lower
    than the exact one, however each value rounds (error in [-1/2, 1/2] per contract)."""
    assert (1 <= Fraction(num, den) <= Fraction(3, 2)) == ok
    # worst case, one contract: the rounded E_s is 1/2 below the exact one (value rounded up
    # for a short, then the haircut of 1 ... the least drop), E_0 3/2 below (the most)
    worst = num * Fraction(-1, 2) + (num - den) * Fraction(3, 2)
    assert (worst <= 0) == (num <= Fraction(3, 2) * den)
    assert M.IM_DEN <= M.IM_NUM <= Fraction(3, 2) * M.IM_DEN
