"""The rollup's definitions (circuits.spec): each formula against its written definition,
the application's fast-hash bindings against the reference, the tables' encodings and rules."""
import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.poseidon import poseidon, poseidon_sponge
from circuits.spec import accounts, messages, state, tables
from circuits.spec.tables import MarketTable, OracleTable, TableMismatch
from zkrollup import account as za
from zkrollup.ops import messages as zm
from zkrollup.risk import build_oracle_table

from rollup_helpers import EXPIRY, SPOT, T0, VOL, make_market

u32 = st.integers(0, 2 ** 32 - 1)


# --- messages -------------------------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(u32, st.integers(1, 2 ** 64 - 1), u32, st.integers(0, 2 ** 160 - 1))
def test_request_messages_are_poseidon_of_their_tag_and_fields(account, amount, nonce, l1):
    assert messages.withdraw_message(account, amount, nonce, l1) == poseidon([2, account, amount, nonce, l1])
    assert messages.forced_withdraw_message(account, amount, nonce, l1) == poseidon([4, account, amount, nonce, l1])
    assert messages.liquidate_message(account, amount, nonce, l1) == poseidon([3, account, amount, nonce, l1])
    assert messages.exit_message(account, l1) == poseidon([messages.EXIT_DOMAIN, account, l1])
    # the application hashes the same messages with its fast Poseidon
    assert zm.withdraw_message(account, amount, nonce, l1) == messages.withdraw_message(account, amount, nonce, l1)
    assert zm.forced_withdraw_message(account, amount, nonce, l1) == \
        messages.forced_withdraw_message(account, amount, nonce, l1)
    assert zm.liquidate_message(account, amount, nonce, l1) == messages.liquidate_message(account, amount, nonce, l1)


def test_order_message_is_poseidon_of_tag_and_the_eight_fields():
    fields = [7, 3, messages.SELL, 100, 5_000, 10, 42, T0]
    assert messages.order_message(*fields) == poseidon([1, *fields])
    assert zm.Order(*fields).message() == messages.order_message(*fields)


def test_message_tags_are_distinct():
    tags = [messages.TAG_ORDER, messages.TAG_WITHDRAW, messages.TAG_LIQUIDATE, messages.TAG_FORCED_WITHDRAW,
            messages.EXIT_DOMAIN]
    assert len(set(tags)) == len(tags) and all(0 < t < R for t in tags)


# --- accounts and state root ------------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(st.integers(-(2 ** 96) + 1, 2 ** 96 - 1),
       st.lists(st.integers(-(2 ** 40) + 1, 2 ** 40 - 1), min_size=1, max_size=16))
def test_account_leaf_is_the_documented_poseidon_with_signed_values_mod_r(cash, sizes):
    ph = poseidon([s % R for s in sizes])
    assert accounts.positions_hash(sizes) == ph == za.positions_hash(sizes)
    assert accounts.account_leaf_of(11, 12, 5, cash, sizes, 99) == poseidon([11, 12, 5, cash % R, ph, 99])
    assert za.AccountFields((11, 12), 5, cash, tuple(sizes), 99).leaf == accounts.account_leaf_of(
        11, 12, 5, cash, sizes, 99)


def test_order_leaf_is_zero_only_for_the_unused_slot():
    assert accounts.order_leaf(0, 0) == accounts.EMPTY_LEAF == 0
    assert accounts.order_leaf(5, 0) == poseidon([5, 0]) != 0


def test_special_accounts_and_state_root():
    assert (accounts.FEE_ACCOUNT, accounts.INSURANCE_ACCOUNT, accounts.CLEARING_ACCOUNT) == (0, 1, 2)
    assert accounts.NO_DEPOSIT_ACCOUNTS == (accounts.CLEARING_ACCOUNT,)
    oi = [3, 0, 7]
    assert state.oi_hash(oi) == poseidon(oi)
    assert state.state_root(5, state.oi_hash(oi)) == poseidon([5, poseidon(oi)])


# --- tables ------------------------------------------------------------------------------------------

def _tables(settle=None):
    m = make_market()
    ts = EXPIRY if settle else T0
    return m.table(), build_oracle_table(m, ts, SPOT, VOL, settle_prices=settle)


def test_encodings_follow_the_documented_layout_and_decode_back():
    mt, ot = _tables({0: SPOT + 10})
    enc = mt.encode()
    assert enc[:3] == [4, mt.liq_bonus_bps, mt.liq_penalty_bps] and enc[3:7] == list(mt.slot(0))
    assert mt.hash() == poseidon_sponge(enc) and MarketTable.decode(enc) == mt
    enc = ot.encode()
    k, s = ot.K, ot.S
    assert enc[:5] == [mt.hash(), EXPIRY, SPOT, k, s] and len(enc) == 5 + k + 2 * k * s + 3 * k
    assert enc[5 + k + 2 * k * s:] == [*ot.settled, *ot.settle_price, *ot.settle_value]
    assert ot.hash() == poseidon_sponge(enc) and OracleTable.decode(enc) == ot
    assert OracleTable.from_obj(ot.to_obj()) == ot
    ot.check_against(mt)


@pytest.mark.parametrize("cut", [1, 3, 4])
def test_decode_rejects_a_wrong_layout(cut):
    mt, ot = _tables()
    with pytest.raises(ValueError):
        MarketTable.decode(mt.encode()[:-cut])
    with pytest.raises(ValueError):
        OracleTable.decode(ot.encode()[:-cut])
    bad = ot.encode()
    bad[4] = 65                                           # S above MAX_SCENARIOS
    with pytest.raises(ValueError, match="S = 65"):
        OracleTable.decode(bad)


@pytest.mark.parametrize("change,match", [
    (dict(mark=(2 ** 48,)), "oracle value"), (dict(timestamp=2 ** 40), "timestamp"),
    (dict(settled=(2,)), "settled flags"), (dict(settle_value=(1,)), "not settled"),
    (dict(market_hash=R), "field element"), (dict(scen_init=((1,),)), "scen_init"),
])
def test_oracle_rules_are_checked_by_check_not_by_construction(change, match):
    _, ot = _tables()
    change = {k: v + getattr(ot, k)[1:] if isinstance(v, tuple) and k != "scen_init" else v
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
    wrong = dataclasses.replace(ot, settle_value=(v,) + ot.settle_value[1:], mark=(v,) + ot.mark[1:],
                                scen_init=((v,) * ot.S,) + ot.scen_init[1:],
                                scen_maint=((v,) * ot.S,) + ot.scen_maint[1:])
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


def test_payoffs_per_kind():
    assert [tables.payoff(k, 100, 3, 130) for k in tables.KINDS] == [0, 90, 0, 390]
    assert [tables.payoff(k, 100, 3, 70) for k in tables.KINDS] == [0, 0, 90, 210]
    with pytest.raises(ValueError):
        tables.payoff(tables.KIND_CALL, 100, 1, 2 ** 48)
