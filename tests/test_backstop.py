"""The backstop (issue 14 item 2): when no liquidator steps in, the insurance fund takes over
an account failing maintenance by the partial rule, unsigned and without a margin check of
the fund. Native (`zkrollup.ops.Backstop`) and the batch circuit (spec-only model and the
operator's witness builder), honest, refused and tampered."""
import pytest

from circuits.batch.circuit import batch_circuit
from circuits.cs import ConstraintSystem
from circuits.spec import liquidation as rule
from circuits.spec.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.records import decode_record
from zkrollup.errors import ForbiddenAccount, InsufficientMargin, NotLiquidatable
from zkrollup.ops import BUY, SELL, Backstop, Liquidate, Trade, op_from_obj, op_from_record
from zkrollup.operator.intake import request_from_obj, request_obj
from zkrollup.risk import passes_initial, passes_maintenance

from batch_native import BatchRecorder
from rollup_helpers import DAY, DID, KEYS, SPOT, T0, fund, order, reprice
from test_batch_circuit import prove_like
from test_batch_soundness import fails_at
from test_liquidation_partial import _short_futures
from test_native_vs_circuit import agree, base_state

# --- the circuit, spec-only model -----------------------------------------------------------------


@pytest.mark.parametrize("spot_bp", [10_870, 11_770])
def test_the_insurance_fund_backstops_a_failing_account_unsigned_and_it_is_proven(spot_bp):
    m = _short_futures(spot_bp)
    steps = m.liquidate(INSURANCE_ACCOUNT, 3, 0)
    assert m.accts[INSURANCE_ACCOUNT].sizes[2] == -(8 * steps // rule.LIQ_STEPS)   # it took the target's shorts
    _, exp, _ = prove_like(m)
    f = decode_record(exp["records"][0]).fields
    assert (f["liquidator"], f["target"], f["steps"]) == (INSURANCE_ACCOUNT, 3, steps)


def test_a_backstop_of_a_healthy_account_fails_in_the_circuit():
    m = _short_futures(10_000)
    m.liquidate(INSURANCE_ACCOUNT, 3, 0, unchecked=True)
    batch, exp = m.finish()
    assert fails_at(m.shape(1), batch, exp["public_input"]) == "slot0.liq_checks.fails_mm_range.sum"


def test_a_backstop_taking_more_than_the_rule_fails_the_minimality_check():
    m = _short_futures(10_870)
    t = m.accts[3]
    q = rule.steps_needed(t.cash, t.sizes, m.oracle.scen, m.market.liq_bonus_bps, m.market.liq_penalty_bps)
    m.liquidate(INSURANCE_ACCOUNT, 3, 0, steps=q + 1)
    batch, exp = m.finish()
    assert fails_at(m.shape(1), batch, exp["public_input"]) == f"slot0.liq_checks.at{q}.fails_im_range.sum"


def test_only_the_insurance_fund_may_liquidate_without_a_signature():
    """The backstop flag is port A being the insurance fund: an unsigned liquidation by
    anyone else fails at the signature check."""
    m = _short_futures(10_870)
    m.liquidate(6, 3, T0 + DAY)
    batch, exp = m.finish()
    batch.slots[0].sig = type(batch.slots[0].sig)()
    assert fails_at(m.shape(1), batch, exp["public_input"]).startswith("slot0.sig_a.verify")


def test_the_backstop_flag_is_one_exactly_for_the_insurance_fund():
    m = _short_futures(10_870)
    m.liquidate(INSURANCE_ACCOUNT, 3, 0)
    batch, exp = m.finish()
    cs = ConstraintSystem()
    batch_circuit(cs, m.shape(1), batch, exp["public_input"])
    assert cs.which_is_unsatisfied() is None and cs.value(cs.variable("slot0.roles.backstop")) == 1
    cs.set_value(cs.variable("slot0.roles.backstop"), 0)
    assert cs.which_is_unsatisfied() == "slot0.roles.backstop"


# --- native ----------------------------------------------------------------------------------------

def _failing_state():
    s = base_state()
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 100, mark, 1), order(3, SELL, 100, mark, 1), 100, mark))
    reprice(s, SPOT * 12 // 10)
    assert not passes_maintenance(s.account(3).cash, s.account(3).sizes, s.oracle)
    return s


def test_a_native_backstop_moves_the_rules_share_to_the_insurance_fund_and_agrees_with_the_circuit():
    s = _failing_state()
    b = s.account(INSURANCE_ACCOUNT)
    ins_before = (b.cash, list(b.sizes), b.nonce)
    rec = BatchRecorder(s)
    w = rec.apply(Backstop(3))
    d = w.details
    assert d["backstop"] and 1 <= d["steps"] <= rule.LIQ_STEPS
    ins = s.account(INSURANCE_ACCOUNT)
    assert ins.sizes[0] == ins_before[1][0] + d["taken"][0] and ins.nonce == ins_before[2] + 1
    assert ins.cash == ins_before[0] - (d["mark_value"] - d["bonus"]) + d["penalty"] - d["shortfall"]
    t = s.account(3)
    assert passes_initial(t.cash, t.sizes, s.oracle) or not any(t.sizes)
    agree(rec, 1)
    assert s.check_invariants() == []


def test_a_native_backstop_is_refused_for_a_healthy_or_special_target_and_changes_nothing():
    s = base_state()
    before = s.fingerprint()
    with pytest.raises(NotLiquidatable):
        s.apply(Backstop(3))
    for special in (FEE_ACCOUNT, INSURANCE_ACCOUNT):
        with pytest.raises(ForbiddenAccount):
            s.apply(Backstop(special))
    assert s.fingerprint() == before


def test_a_backstop_round_trips_as_a_request_and_is_rebuilt_from_its_record():
    req = request_from_obj({"type": "backstop", "target": 5})
    assert isinstance(req, Backstop) and req.target == 5 and request_obj(req) == {"type": "backstop", "target": 5}
    assert op_from_obj(Backstop(5).to_obj()) == Backstop(5)
    with pytest.raises(ValueError):
        request_from_obj({"type": "backstop"})
    s = _failing_state()
    w = s.apply(Backstop(3))
    t = _failing_state()
    rebuilt = op_from_record(t, decode_record(w.record))
    assert isinstance(rebuilt, Backstop) and rebuilt.steps == w.details["steps"]
    t.apply(rebuilt)
    assert t.root == s.root


def test_a_signed_liquidation_still_needs_the_liquidators_margin_but_the_backstop_does_not():
    s = _failing_state()
    fund(s, 8, 1)                                 # one cash unit cannot carry the shorts
    before = s.fingerprint()
    with pytest.raises(InsufficientMargin):
        s.apply(Liquidate.create(KEYS[8], 8, 3, 0, T0 + DAY, DID))
    assert s.fingerprint() == before
    s.apply(Backstop(3))                          # the fund takes them whatever its margin
    ins = s.account(INSURANCE_ACCOUNT)
    assert ins.sizes[0] < 0 and not passes_initial(ins.cash, ins.sizes, s.oracle)
