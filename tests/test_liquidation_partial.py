"""Partial liquidation (`circuits.spec.liquidation`): the rule natively (Hypothesis), and the
batch circuit against the spec-only model: honest liquidations of 1..4 steps are proven
with the model's results; a liquidation of one step more or one step less than the rule
gives, zero steps, more than LIQ_STEPS, a cheating remainder, and (where passing initial
margin is not monotone in the steps) a later step that also passes, each fail at a named
constraint."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.batch.circuit import batch_circuit
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.spec import liquidation as rule
from circuits.spec import margin
from circuits.spec.accounts import INSURANCE_ACCOUNT
from circuits.spec.records import decode_record
from circuits.spec.widths import BPS_DENOMINATOR

from batch_model import ADDR
from spec_fixtures import DAY, SPOT, T0, market_table, oracle_table
from test_batch_circuit import funded, fut, prove_like
from test_batch_soundness import fails_at

MARKET = market_table()
BONUS, PENALTY = MARKET.liq_bonus_bps, MARKET.liq_penalty_bps


def _short_futures(spot_bp: int):
    """Account 3 short 8 futures on 130,000,000 cash units of collateral, the oracle at spot * bp / 10^4."""
    m = funded(4, 6)
    m.deposit(3, 3, 13 * 10 ** 7, ADDR[3])
    m.trade(fut(3, 1, 8, 1), fut(4, 0, 8, 1), 8, SPOT)
    m.finish()
    m.oracle = oracle_table(m.market, spot=SPOT * spot_bp // 10_000)
    return m


def _hedged(cash: int, sizes: list[int], spot_bp: int):
    """Account 3 holds `sizes` and `cash` (account 4 the other side), the oracle at spot * bp / 10^4."""
    m = funded(4, 6)
    m.deposit(3, 3, 10 ** 6, ADDR[3])
    m.finish()
    m.accts[3].cash, m.accts[3].sizes = cash, list(sizes)
    m.accts[4].sizes = [-x for x in sizes]
    m._write(3)
    m._write(4)
    m.oi = [max(x, 0) + max(-x, 0) for x in sizes]
    m.begin()
    m.oracle = oracle_table(m.market, spot=SPOT * spot_bp // 10_000)
    return m


# --- native rule ---------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(cash=st.integers(-10 ** 9, 10 ** 9),
       sizes=st.lists(st.integers(-40, 40), min_size=4, max_size=4),
       spot_bp=st.integers(8_000, 12_500))
def test_the_rule_picks_the_fewest_steps_restoring_initial_margin_and_conserves_cash(cash, sizes, spot_bp):
    scen = oracle_table(MARKET, spot=SPOT * spot_bp // 10_000).scen
    mark = [row[0] for row in scen]
    q = rule.steps_needed(cash, sizes, scen, BONUS, PENALTY)
    t = rule.terms(cash, sizes, mark, BONUS, PENALTY, q)
    assert 1 <= q <= rule.LIQ_STEPS
    assert rule.passes_after(cash, sizes, scen, t)
    for fewer in range(1, q):
        assert not rule.passes_after(cash, sizes, scen, rule.terms(cash, sizes, mark, BONUS, PENALTY, fewer))
    if not margin.passes_mm(margin.equities(cash, sizes, scen)):
        assert rule.steps_valid(cash, sizes, scen, BONUS, PENALTY, q)    # what the circuit proves
    for s, x in zip(sizes, t.taken):
        assert abs(x) <= abs(s) and x * s >= 0
    if q == rule.LIQ_STEPS:
        assert list(t.taken) == sizes
    new_cash, new_sizes = rule.target_after(cash, sizes, t)
    # liquidator pays V - B, the target receives left - cash, the insurance fund P - shortfall
    assert -(t.value - t.bonus) + (new_cash - cash) + (t.penalty - t.shortfall) == 0
    assert t.bonus == t.gross * BONUS // BPS_DENOMINATOR and t.penalty == t.gross * PENALTY // BPS_DENOMINATOR


def test_steps_outside_1_to_liq_steps_are_never_valid():
    scen = oracle_table(MARKET, spot=SPOT * 11 // 10).scen
    for q in (0, rule.LIQ_STEPS + 1, -1):
        assert not rule.steps_valid(10 ** 8, [0, 0, -8, 0], scen, BONUS, PENALTY, q)
    with pytest.raises(ValueError):
        rule.taken([1], rule.LIQ_STEPS + 1)


# --- the circuit: honest -------------------------------------------------------------------------

@pytest.mark.parametrize("spot_bp,steps", [(10_600, 2), (10_870, 3), (11_300, 4), (11_770, 4)])
def test_an_honest_liquidation_of_the_rules_steps_is_proven_with_the_models_results(spot_bp, steps):
    m = _short_futures(spot_bp)
    assert m.liquidate(6, 3, T0 + DAY) == steps
    kept = -8 + (8 * steps // rule.LIQ_STEPS)
    assert m.accts[3].sizes[2] == kept and m.accts[6].sizes[2] == -8 - kept
    _, exp, _ = prove_like(m)
    assert decode_record(exp["records"][0]).fields["steps"] == steps
    if steps < rule.LIQ_STEPS:
        assert margin.passes_im(margin.equities(m.accts[3].cash, m.accts[3].sizes, m.oracle.scen))


def test_one_step_restores_a_hedged_account_and_is_proven():
    """Long 8 calls, short 2 futures: one step takes 2 calls and no future (2 // 4 = 0) and
    restores initial margin."""
    m = _hedged(9 * 10 ** 7, [8, 0, -2, 0], 10_600)
    assert not margin.passes_mm(margin.equities(m.accts[3].cash, m.accts[3].sizes, m.oracle.scen))
    assert m.liquidate(6, 3, T0 + DAY) == 1
    prove_like(m)


# where passing IM is not monotone in the steps (the floors unbalance a hedge): the rule's q
# passes, a later q' passes again after failing in between; found by an adversarial review
NON_MONOTONE = [((9 * 10 ** 7, [8, 0, -2, 0], 10_600), 1, 4), ((-86_128_442, [-4, 6, 2, 0], 11_300), 1, 3),
                ((-144_484_448, [-6, 10, 3, -2], 10_638), 2, 4)]


@pytest.mark.parametrize("account,steps,later", NON_MONOTONE)
def test_a_later_step_that_passes_again_is_refused_because_every_fewer_step_must_fail(account, steps, later):
    m = _hedged(*account)
    t = m.accts[3]
    scen, mark = m.oracle.scen, m.oracle.mark
    after = [rule.passes_after(t.cash, t.sizes, scen, rule.terms(t.cash, t.sizes, mark, BONUS, PENALTY, q))
             for q in range(rule.LIQ_STEPS + 1)]
    assert after[steps] and after[later] and not after[later - 1]      # "passes at q, fails at q - 1" twice
    assert [q for q in range(1, 5) if rule.steps_valid(t.cash, t.sizes, scen, BONUS, PENALTY, q)] == [steps]
    for liq, vu in ((6, T0 + DAY), (INSURANCE_ACCOUNT, 0)):              # a liquidator, the backstop
        m = _hedged(*account)
        m.liquidate(liq, 3, vu, steps=later)
        batch, exp = m.finish()
        assert fails_at(m.shape(1), batch, exp["public_input"]) == f"slot0.liq_checks.at{steps}.fails_im_range.sum"


def test_a_full_liquidation_with_cash_left_keeps_the_cash_and_owes_no_shortfall():
    m = _short_futures(11_530)
    m.liquidate(6, 3, T0 + DAY)
    assert m.accts[3].sizes == [0, 0, 0, 0] and m.accts[3].cash > 0
    prove_like(m)


# --- the circuit: what a cheating operator tries -----------------------------------------------

@pytest.mark.parametrize("spot_bp", [10_600, 10_870])
def test_taking_one_step_more_than_the_rule_fails_the_minimality_check(spot_bp):
    m = _short_futures(spot_bp)
    q = rule.steps_needed(m.accts[3].cash, m.accts[3].sizes, m.oracle.scen, BONUS, PENALTY)
    m.liquidate(6, 3, T0 + DAY, steps=q + 1)
    batch, exp = m.finish()
    assert fails_at(m.shape(1), batch, exp["public_input"]) == f"slot0.liq_checks.at{q}.fails_im_range.sum"


@pytest.mark.parametrize("spot_bp", [10_600, 10_870, 11_770])
def test_taking_one_step_less_than_the_rule_fails_the_targets_initial_margin(spot_bp):
    m = _short_futures(spot_bp)
    q = rule.steps_needed(m.accts[3].cash, m.accts[3].sizes, m.oracle.scen, BONUS, PENALTY)
    m.liquidate(6, 3, T0 + DAY, steps=q - 1)
    batch, exp = m.finish()
    assert fails_at(m.shape(1), batch, exp["public_input"]).startswith("slot0.margin_b.check")


def _solved_liquidation(spot_bp=10_600):
    m = _short_futures(spot_bp)
    m.liquidate(6, 3, T0 + DAY)
    batch, exp = m.finish()
    cs = ConstraintSystem()
    batch_circuit(cs, m.shape(1), batch, exp["public_input"])
    assert cs.which_is_unsatisfied() is None
    return cs


def _set_bits(cs, name, value, n):
    for i in range(n):
        cs.set_value(cs.variable(f"{name}.b[{i}]"), (value >> i) & 1)


@pytest.mark.parametrize("steps,expect", [(0, "slot0.liq.steps_min.sum"), (rule.LIQ_STEPS + 1,
                                                                         "slot0.liq.steps_max.sum")])
def test_zero_steps_or_more_than_liq_steps_fail(steps, expect):
    cs = _solved_liquidation()
    cs.set_value(cs.variable("slot0.liq.steps"), steps)
    # every decomposition that can hold the new value is redone: only the broken bound fails
    for name, v in (("steps_range", steps), ("steps_max", rule.LIQ_STEPS - steps), ("steps_min", steps - 1)):
        if 0 <= v < 1 << rule.LIQ_STEP_BITS:
            _set_bits(cs, f"slot0.liq.{name}", v, rule.LIQ_STEP_BITS)
    assert cs.which_is_unsatisfied() == expect


def test_a_bonus_remainder_off_by_a_tenth_of_the_denominator_cannot_move_the_im_check():
    """Q = 13 E - 3 E_0 holds the bonus after q' < q steps with coefficient -10: a remainder
    moved by 1000 moves the quotient by 1000/10000 mod r, which 10 * turns into exactly 1.
    The quotient's range check stops it."""
    cs = _solved_liquidation()
    base = "slot0.liq.at1.bonus"
    q_var, rem_var = cs.variable(f"{base}.divmod[0]"), cs.variable(f"{base}.divmod[1]")
    rem = cs.value(rem_var)
    delta = 1000 if rem < BPS_DENOMINATOR - 1000 else -1000
    cs.set_value(rem_var, rem + delta)
    cs.set_value(q_var, (cs.value(q_var) - delta * pow(BPS_DENOMINATOR, -1, R)) % R)
    _set_bits(cs, f"{base}.rem_range", rem + delta, 14)
    _set_bits(cs, f"{base}.rem_lt", BPS_DENOMINATOR - 1 - rem - delta, 14)
    assert cs.which_is_unsatisfied() == f"{base}.q_range.sum"
