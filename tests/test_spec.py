"""The rollup's definitions (circuits.spec): each formula against its written definition,
the tables' encodings and rules. (Records, the public input, the priority queue, order
fills and deployment ids: test_spec_records.py and test_spec_rules.py.)"""
import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.poseidon import poseidon, poseidon_sponge
from circuits.spec import accounts, messages, state, tables
from circuits.spec.deployment import deployment_id
from circuits.spec.tables import MarketTable, OracleTable, TableMismatch

from spec_fixtures import EXPIRY, SPOT, T0, market_table, oracle_table

u32 = st.integers(0, 2 ** 32 - 1)
DID = deployment_id(31337, 0xC0FFEE)


# --- messages -------------------------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(u32, st.integers(1, 2 ** 64 - 1), u32, st.integers(0, 2 ** 160 - 1), u32, st.integers(0, 2 ** 40 - 1),
       st.integers(1, 2 ** 48 - 1))
def test_request_messages_are_poseidon_of_the_deployment_and_the_packed_fields(account, amount, nonce, l1, target,
                                                                               vu, oid):
    assert messages.withdraw_message(account, amount, nonce, l1, DID) == poseidon(
        [DID, 2 + 8 * account + 2 ** 35 * amount + 2 ** 99 * nonce, 0, 0, l1])
    assert messages.liquidate_message(account, target, nonce, vu, DID) == poseidon(
        [DID, 3 + 8 * account + 2 ** 99 * nonce + 2 ** 131 * target + 2 ** 163 * vu, 0, 0, 0])
    assert messages.cancel_message(account, oid, DID) == poseidon([DID, 4 + 8 * account + 2 ** 203 * oid, 0, 0, 0])


def test_order_message_packs_the_small_fields_and_binds_instrument_and_deployment():
    acc, slot, side, size, limit, max_fee, oid, vu, iid = 7, 3, messages.SELL, 100, 5_000, 10, 42, T0, 99
    packed = (1 + 2 ** 3 * acc + 2 ** 35 * slot + 2 ** 39 * side + 2 ** 40 * size + 2 ** 80 * limit
              + 2 ** 128 * max_fee + 2 ** 160 * oid + 2 ** 208 * vu)
    assert packed < 2 ** 248
    m = messages.order_message(acc, slot, side, size, limit, max_fee, oid, vu, iid, DID)
    assert m == poseidon([packed, iid, DID])
    assert m != messages.order_message(acc, slot, side, size, limit, max_fee, oid, vu, iid + 1, DID)
    assert m != messages.order_message(acc, slot, side, size, limit, max_fee, oid, vu, iid, DID + 1)


@pytest.mark.parametrize("field,value", [("size", 2 ** 40), ("account", 2 ** 32), ("side", 2), ("slot", 16),
                                         ("valid_until", -1), ("order_id", 2 ** 48)])
def test_order_fields_outside_their_widths_are_refused(field, value):
    f = dict(account=1, slot=0, side=0, size=1, limit_price=1, max_fee=0, order_id=1, valid_until=0,
             instrument_id=5, deployment_id=DID)
    f[field] = value
    with pytest.raises(ValueError, match=field):
        messages.order_message(**f)


def test_request_fields_outside_their_widths_are_refused():
    with pytest.raises(ValueError, match="amount"):
        messages.withdraw_message(1, 2 ** 64, 0, 1, DID)
    with pytest.raises(ValueError, match="l1_address"):
        messages.withdraw_message(1, 1, 0, 2 ** 160, DID)
    with pytest.raises(ValueError, match="deployment_id"):
        messages.cancel_message(1, 1, 2 ** 224)


def test_message_tags_are_distinct_and_fit_their_bits():
    assert len(set(messages.TAGS)) == len(messages.TAGS) and all(0 < t < 2 ** messages.TAG_BITS
                                                                 for t in messages.TAGS)


def test_pack_keeps_circuit_values_symbolic():
    from circuits.cs import ConstraintSystem
    cs = ConstraintSystem()
    x = cs.witness("x", 5)
    lc = messages.pack(messages.REQUEST_LAYOUT, tag=2, account=x)
    assert cs.value(lc) == 2 + 8 * 5
    with pytest.raises(ValueError, match="not in the layout"):
        messages.pack(messages.REQUEST_LAYOUT, size=1)


# --- accounts and state root ------------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(st.integers(-(2 ** 96) + 1, 2 ** 96 - 1),
       st.lists(st.integers(-(2 ** 40) + 1, 2 ** 40 - 1), min_size=1, max_size=16), st.integers(0, 2 ** 160 - 1))
def test_account_leaf_is_the_documented_poseidon_with_signed_values_mod_r_and_the_owner(cash, sizes, owner):
    ph = poseidon([s % R for s in sizes])
    assert accounts.positions_hash(sizes) == ph
    assert accounts.account_leaf_of(11, 12, 5, cash, sizes, 99, owner) == poseidon(
        [11, 12, 5, cash % R, ph, 99, owner])


def test_order_leaf_is_zero_only_for_the_unused_slot():
    assert accounts.order_leaf(0, 0) == accounts.EMPTY_LEAF == 0
    assert accounts.order_leaf(5, 0) == poseidon([5, 0]) != 0


def test_special_accounts_and_state_root():
    assert (accounts.FEE_ACCOUNT, accounts.INSURANCE_ACCOUNT, accounts.CLEARING_ACCOUNT) == (0, 1, 2)
    assert accounts.NO_DEPOSIT_ACCOUNTS == (accounts.CLEARING_ACCOUNT,) and accounts.SPECIAL_OWNER == 0
    oi = [3, 0, 7]
    assert state.oi_hash(oi) == poseidon(oi)
    assert state.state_root(5, state.oi_hash(oi)) == poseidon([5, poseidon(oi)])


# --- tables ------------------------------------------------------------------------------------------

def _tables(settle=None):
    m = market_table(did=0)
    return m, oracle_table(m, EXPIRY if settle else T0, settle=settle)


def test_encodings_follow_the_documented_layout_and_decode_back():
    mt, ot = _tables({0: SPOT + 10})
    mt = dataclasses.replace(mt, deployment_id=DID)
    enc = mt.encode()
    assert enc[:4] == [DID, 4, mt.liq_bonus_bps, mt.liq_penalty_bps] and enc[4:8] == list(mt.slot(0))
    assert MarketTable.decode(enc) == mt
    ids = [poseidon(list(mt.slot(k))) for k in range(mt.K)]
    assert mt.instrument_ids() == ids and tables.instrument_id(*mt.slot(1)) == ids[1]
    assert mt.hash_inputs() == [DID, 4, mt.liq_bonus_bps, mt.liq_penalty_bps, *ids]
    assert mt.hash() == poseidon_sponge(mt.hash_inputs())
    assert mt.hash() != dataclasses.replace(mt, deployment_id=DID + 1).hash()
    ot = dataclasses.replace(ot, market_hash=mt.hash())
    enc = ot.encode()
    k, s = ot.K, ot.S
    assert enc[:6] == [mt.hash(), EXPIRY, SPOT, k, s, ot.move_bps] and len(enc) == 6 + k * s + 3 * k
    assert len(enc) == 1 + tables.oracle_lane_count(k, s)
    assert enc[6:6 + k] == list(ot.mark) and enc[6 + k:6 + 2 * k] == [row[1] for row in ot.scen]  # scenario-major
    assert enc[6 + k * s:] == [*ot.vol_bps, *ot.settled, *ot.settle_price]
    for j in range(k):
        assert enc[1 + tables.oracle_lane(k, s, "vol", j)] == ot.vol_bps[j]
        assert enc[1 + tables.oracle_lane(k, s, "price", j)] == ot.settle_price[j]
        assert [enc[1 + tables.oracle_lane(k, s, "scen", j, sc)] for sc in range(s)] == list(ot.scen[j])
    assert ot.settle_value == (ot.mark[0], 0, 0, 0) and ot.mark[0] == mt.payoff(0, SPOT + 10)
    assert OracleTable.decode(enc) == ot
    packed = ot.packed()
    lanes = enc[1:] + [0] * (-len(enc[1:]) % 5)
    assert packed == [enc[0]] + [sum(v << (48 * i) for i, v in enumerate(lanes[j:j + 5]))
                                 for j in range(0, len(lanes), 5)]
    assert ot.hash() == poseidon_sponge(packed) and OracleTable.from_packed(packed) == ot
    assert OracleTable.from_obj(ot.to_obj()) == ot
    ot.check_against(mt)


def test_the_packed_oracle_table_is_refused_unless_canonical():
    mt, ot = _tables({0: SPOT + 10})
    packed = ot.packed()
    assert tables.unpack_oracle(packed) == ot.encode()
    n_values = len(ot.encode()) - 1
    bad = [packed + [0], packed[:-1], packed[:1] + [packed[1] + (1 << 240)] + packed[2:]]
    if n_values % 5:        # a non-zero unused lane of the last element
        bad.append(packed[:-1] + [packed[-1] + (1 << (48 * (n_values % 5)))])
    for p in bad:
        with pytest.raises(ValueError):
            tables.unpack_oracle(p)
    # a lane at 2^48 - 1 is fine for the packing; the table's own rules then refuse a timestamp
    # beyond 40 bits
    big = packed[:1] + [packed[1] | ((1 << 48) - 1)] + packed[2:]
    assert tables.unpack_oracle(big)[1] == (1 << 48) - 1
    with pytest.raises(ValueError):
        OracleTable.from_packed(big)


@pytest.mark.parametrize("cut", [1, 3, 4])
def test_decode_rejects_a_wrong_layout(cut):
    mt, ot = _tables()
    with pytest.raises(ValueError):
        MarketTable.decode(mt.encode()[:-cut])
    with pytest.raises(ValueError):
        OracleTable.decode(ot.encode()[:-cut])
    bad = ot.encode()
    bad[4] = 36                                           # S above MAX_SCENARIOS
    with pytest.raises(ValueError, match="S = 36"):
        OracleTable.decode(bad)


@pytest.mark.parametrize("change,match", [
    (dict(scen=((2 ** 48,) * 4,)), "oracle value"), (dict(timestamp=2 ** 40), "timestamp"),
    (dict(vol_bps=(2 ** 48,)), "oracle value"), (dict(move_bps=2 ** 48), "oracle value"),
    (dict(settled=(2,)), "settled flags"), (dict(settle_price=(1,)), "not settled"),
    (dict(market_hash=R), "field element"), (dict(scen=((1,),)), "scen must be"),
    (dict(vol_bps=()), "vol_bps must have"),
])
def test_oracle_rules_are_checked_by_check_not_by_construction(change, match):
    _, ot = _tables()
    change = {k: v + getattr(ot, k)[1:] if isinstance(v, tuple) and k != "vol_bps" or v == (2 ** 48,) else v
              for k, v in change.items()}
    bad = dataclasses.replace(ot, **change)                 # a record: builds (the circuit tests need it)
    with pytest.raises(ValueError, match=match):
        bad.check()


def test_oracle_table_must_fit_the_market_and_settle_at_the_payoff():
    mt, ot = _tables({0: SPOT + 10})
    other = dataclasses.replace(mt, liq_bonus_bps=mt.liq_bonus_bps + 1)
    with pytest.raises(TableMismatch, match="another market"):
        ot.check_against(other)
    v = ot.settle_value[0] + 1
    for row in ((v,) * ot.S, (ot.mark[0],) * (ot.S - 1) + (v,)):      # all wrong, or one scenario
        wrong = dataclasses.replace(ot, scen=(row,) + ot.scen[1:])
        with pytest.raises(TableMismatch, match="payoff"):
            wrong.check_against(mt)
    early = dataclasses.replace(ot, timestamp=T0)
    with pytest.raises(TableMismatch, match="before its expiry"):
        early.check_against(mt)


@pytest.mark.parametrize("slot,match", [
    ((1, 0, EXPIRY, 1), "positive strike"), ((3, 5, EXPIRY, 1), "future has no strike"),
    ((2, 10, EXPIRY, 0), "at least 1 lot"), ((0, 1, 0, 0), "empty slot"), ((7, 1, 1, 1), "kind"),
    ((1, 2 ** 48, EXPIRY, 1), "strike"),
])
def test_market_rules(slot, match):
    mt, _ = _tables()
    bad = MarketTable(*((v,) + col[1:] for v, col in zip(slot, (mt.kind, mt.strike, mt.expiry, mt.contract_size))),
                      mt.liq_bonus_bps, mt.liq_penalty_bps)
    with pytest.raises(ValueError, match=match):
        bad.check()
    with pytest.raises(ValueError, match="market slot 0"):
        MarketTable.decode(bad.encode())


def test_market_deployment_id_must_fit_224_bits():
    mt, _ = _tables()
    with pytest.raises(ValueError, match="deployment id"):
        dataclasses.replace(mt, deployment_id=2 ** 224).check()
    with pytest.raises(ValueError, match="deployment id"):
        MarketTable.decode([2 ** 224] + mt.encode()[1:])


def test_payoffs_per_kind():
    assert [tables.payoff(k, 100, 3, 130) for k in tables.KINDS] == [0, 90, 0, 390]
    assert [tables.payoff(k, 100, 3, 70) for k in tables.KINDS] == [0, 0, 90, 210]
    with pytest.raises(ValueError):
        tables.payoff(tables.KIND_CALL, 100, 1, 2 ** 48)
