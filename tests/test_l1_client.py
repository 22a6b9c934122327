"""The L1 client (verifier/l1_client.py) checks every argument before encoding: any wrong
type or range is a ContractError (never a raw TypeError, OverflowError or an eth-abi
error), sends nothing and changes nothing on L1 (issue 11 item 5)."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from circuits.field import R
from verifier.calldata import BatchCalldata
from verifier.l1_client import ContractError, ExitLeaf

from l1_helpers import ALICE, PK, Rig, noop, prove, snapshot

BAD = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True), st.text(max_size=5), st.binary(max_size=5),
                st.integers(-2**300, -1), st.integers(2**256, 2**300), st.just(R), st.just([1, 2]),
                st.just({"a": 1}), st.just((1, 2, 3)))


@pytest.fixture(scope="module")
def rig():
    r = Rig()
    r.publish()
    return r


def _not_r(v):
    """r is a fine amount or fee: use a value out of range instead."""
    return -1 if isinstance(v, int) and v == R else v


CALLS = {
    "deposit": lambda l1, v, i: l1.deposit(*[ALICE, 5, *PK, 10][:i], v, *[ALICE, 5, *PK, 10][i + 1:]),
    "forced": lambda l1, v, i: l1.request_forced_withdrawal(*[5, ALICE, 10][:i % 3], v, *[5, ALICE, 10][i % 3 + 1:]),
    "forced_close": lambda l1, v, i: l1.request_forced_close(*[5, ALICE][:i % 2], v, *[5, ALICE][i % 2 + 1:]),
    "owner_of": lambda l1, v, i: l1.owner_of(v),
    "balance": lambda l1, v, i: l1.l1_balance(v),
    "mint": lambda l1, v, i: l1.mint(*[ALICE, 10][:i % 2], _not_r(v), *[ALICE, 10][i % 2 + 1:]),
    "publish": lambda l1, v, i: l1.publish_oracle_table(v),
    "market": lambda l1, v, i: l1.register_market(v),
    "market_opening": lambda l1, v, i: l1.register_market(l1.market(), oi_opening=(v, [0] * 4)),
    "submit": lambda l1, v, i: l1.submit_batch(v, prove(1)),
    "submit_proof": lambda l1, v, i: l1.submit_batch(BatchCalldata(1, 5, 1, (noop(),), 0, (0,) * 4), v),
    "expected": lambda l1, v, i: l1.expected_public_input(v),
    "prio": lambda l1, v, i: l1.prio_chain(v),
    "reclaim": lambda l1, v, i: l1.reclaim_deposit(v),
    "verifier": lambda l1, v, i: l1.register_verifying_key(3, v),
    "claim_leaf": lambda l1, v, i: l1.claim(5, v, [0] * 8, 0),
    "claim_cash": lambda l1, v, i: l1.claim(5, ExitLeaf(*PK, 0, v, (0,) * 4, 0, 1), [0] * 8, 0),
    "claim_path": lambda l1, v, i: l1.claim(5, ExitLeaf(*PK, 0, 0, (0,) * 4, 0, 1), [v] * 8, 0),
    "withdraw_exit": lambda l1, v, i: l1.withdraw_exit(v),
    "claim_of": lambda l1, v, i: l1.claim_of(v),
    "exit_due": lambda l1, v, i: l1.exit_due(v),
    "oracle": lambda l1, v, i: l1.set_oracle(v),
    "fee": lambda l1, v, i: l1.set_forced_fee(_not_r(v), ALICE) if i % 2 else l1.set_forced_fee(0, v),
    "time": lambda l1, v, i: l1.deposit(ALICE, 5, *PK, 10, now=-1 if v is None else v),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=st.sampled_from(sorted(CALLS)), value=BAD, position=st.integers(0, 4))
def test_wrong_arguments_are_contract_errors_and_change_nothing(rig, call, value, position):
    before = snapshot(rig.chain)
    try:
        CALLS[call](rig.l1, value, position)
    except ContractError:
        pass
    assert snapshot(rig.chain) == before, (call, value)


def test_a_time_beyond_40_bits_is_refused_before_the_chain_moves(rig):
    t = rig.chain.next_timestamp
    with pytest.raises(ContractError, match="time"):
        rig.l1.deposit(ALICE, 5, *PK, 10, now=2**64)
    assert rig.chain.next_timestamp == t
