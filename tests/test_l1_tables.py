"""The tables contract (verifier/contracts/tables.vy): the market hash and the oracle hash
are circuits.spec's, an oracle table is accepted only if the deployment can use it (issue
11 item 3: market, K and S, canonical lanes, time, settlement rules), and every refusal
leaves the contracts' storage unchanged."""
import dataclasses

import pytest

from circuits.spec.tables import KIND_CALL, KIND_EMPTY, KIND_FUTURE, oracle_hash_inputs
from verifier.evm import ExecutionFailed
from verifier.l1_client import ContractError, Reason

from l1_helpers import ALICE, EXPIRY, GOV, ORACLE, SPOT, Rig, snapshot
from spec_fixtures import oracle_table


@pytest.fixture
def rig():
    return Rig()


def refused(rig, packed, match, sender=ORACLE):
    before = snapshot(rig.chain)
    n = rig.l1.latest_oracle_table_id
    with pytest.raises(ExecutionFailed, match=match):
        rig.l1.tables.transact("publish_oracle_table", packed, sender=sender)
    assert snapshot(rig.chain) == before and rig.l1.latest_oracle_table_id == n


def test_the_market_and_oracle_hashes_are_the_spec_hashes(rig):
    assert rig.l1.market_hash == rig.market.hash()
    assert rig.l1.market() == rig.market
    assert rig.market.deployment_id == rig.addrs.deployment_id
    ts = rig.chain.next_timestamp
    t = rig.table(ts)
    tid = rig.l1.publish_oracle_table(t)
    assert tid == 1 and tuple(rig.l1.tables.call("table", tid)) == (t.hash(), ts)
    pub = rig.l1.oracle_table(tid)
    assert (pub["hash"], pub["published_at"], pub["encoded"], list(pub["packed"])) == \
        (t.hash(), ts, t.encode(), t.packed())
    assert rig.l1.latest_oracle_table_id == 1 and rig.l1.oracle_table(2) is None


def test_tables_over_many_ids_keep_their_times(rig):
    times = []
    for i in range(14):
        ts = rig.chain.next_timestamp
        rig.l1.publish_oracle_table(rig.table(ts))
        times.append(ts)
    assert [tuple(rig.l1.tables.call("table", i + 1))[1] for i in range(14)] == times


def test_only_the_oracle_publishes_and_only_the_governor_names_it(rig):
    t = rig.table(rig.chain.next_timestamp)
    refused(rig, t.packed(), "only the oracle", sender=ALICE)
    with pytest.raises(ContractError, match="only the governor"):
        rig.l1.set_oracle(ALICE, sender=ALICE)
    rig.l1.set_oracle(ALICE)
    assert rig.l1.publish_oracle_table(rig.table(rig.chain.next_timestamp), sender=ALICE) == 1
    with pytest.raises(ContractError, match="only the oracle"):
        rig.l1.publish_oracle_table(rig.table(rig.chain.next_timestamp))
    with pytest.raises(ContractError):
        rig.l1.publish_oracle_table([1, 2, 3])


def test_a_table_for_another_market_or_shape_is_refused(rig):
    ts = rig.chain.next_timestamp
    t = rig.table(ts)
    refused(rig, oracle_hash_inputs([t.market_hash + 1, *t.encode()[1:]]), "another market")
    t5 = oracle_table(rig.market, ts, s=rig.S + 1)      # S + 1 scenarios for the same market
    refused(rig, t5.packed(), "deployment's K and S")
    # the same length but the K lane lying
    enc = t.encode()
    enc[3] = rig.K - 1
    refused(rig, oracle_hash_inputs(enc), "deployment's K and S")


def test_every_lane_must_be_canonical(rig):
    t = rig.table(rig.chain.next_timestamp)
    p = t.packed()
    refused(rig, p[:1] + [p[1] + (1 << 240)] + p[2:], "not below 2\\^240")
    n_values = len(t.encode()) - 1
    if n_values % 5:
        refused(rig, p[:-1] + [p[-1] + (1 << (48 * (n_values % 5)))], "unused lane")
    refused(rig, p + [0], "deployment's K and S")


def test_timestamps_never_go_back_nor_ahead_of_the_block(rig):
    ts = rig.chain.next_timestamp
    rig.l1.publish_oracle_table(rig.table(ts))
    refused(rig, rig.table(ts - 1).packed(), "before the previous table")
    refused(rig, rig.table(rig.chain.next_timestamp + 1).packed(), "in the future")
    enc = rig.table(ts).encode()
    enc[1] = 1 << 40
    refused(rig, oracle_hash_inputs(enc), "timestamp out of range")
    rig.l1.publish_oracle_table(rig.table(ts).encode())          # equal time: fine (an encoding too)


def _settled(rig):
    rig.chain.set_next_timestamp(EXPIRY + 10)
    return rig.table(EXPIRY + 10, settle={0: SPOT + 7, 2: SPOT - 3})


def test_settlements_are_exact_payoffs_after_expiry(rig):
    t = _settled(rig)
    assert rig.l1.publish_oracle_table(t) == 1
    assert rig.l1.oracle_table(1)["encoded"] == t.encode()


def _row(t, k, row):
    return t.scen[:k] + (tuple(row),) + t.scen[k + 1:]


@pytest.mark.parametrize("breakage, match", [
    (lambda t: dict(settled=(2,) + t.settled[1:]), "0 or 1"),
    (lambda t: dict(settle_price=t.settle_price[:1] + (5,) + t.settle_price[2:]), "unsettled slot"),
    # slot 0 settled at SPOT + 7 (a call: payoff 7), valued otherwise in one scenario or all
    (lambda t: dict(scen=_row(t, 0, (8,) * t.S)), "every scenario"),
    (lambda t: dict(scen=_row(t, 0, (8,) + t.scen[0][1:])), "every scenario"),                 # the mark
    (lambda t: dict(scen=_row(t, 2, t.scen[2][:-1] + (0,))), "every scenario"),               # the last one
    (lambda t: dict(settle_price=(SPOT + 8,) + t.settle_price[1:]), "every scenario"),       # another price
])
def test_broken_settlements_are_refused(rig, breakage, match):
    t = _settled(rig)
    bad = dataclasses.replace(t, **breakage(t))
    refused(rig, bad.packed(), match)


def test_settling_before_expiry_or_an_empty_slot_is_refused(rig):
    ts = rig.chain.next_timestamp
    assert ts < EXPIRY
    t = rig.table(ts, settle={0: SPOT})
    refused(rig, dataclasses.replace(t, timestamp=ts).packed(), "only after its expiry")
    rig.chain.set_next_timestamp(EXPIRY + 10)
    t = rig.table(EXPIRY + 10)
    assert rig.market.kind[3] == KIND_EMPTY
    bad = dataclasses.replace(t, settled=t.settled[:3] + (1,))
    refused(rig, bad.packed(), "empty slot cannot settle")


# --- markets -----------------------------------------------------------------------------------

def market_refused(rig, rows, match, sender=GOV, oi=(0, [])):
    before = snapshot(rig.chain)
    with pytest.raises(ExecutionFailed, match=match):
        rig.l1.tables.transact("register_market", rows, oi[0], list(oi[1]), sender=sender)
    assert snapshot(rig.chain) == before


def test_market_registration_checks_every_rule(rig):
    rows = rig.market.encode()
    market_refused(rig, rows, "only the governor", sender=ALICE)
    market_refused(rig, [rows[0] + 1] + rows[1:], "another deployment")
    market_refused(rig, rows[:1] + [rig.K - 1] + rows[2:-4], "4 \\+ 4K values")
    market_refused(rig, rows[:2] + [10_000] + rows[3:], "basis points")
    market_refused(rig, rows[:4] + [9] + rows[5:], "unknown instrument kind")
    market_refused(rig, rows[:4] + [KIND_CALL, 0] + rows[6:], "positive strike")
    market_refused(rig, rows[:12] + [KIND_FUTURE, 5] + rows[14:], "no strike")
    market_refused(rig, rows[:-4] + [KIND_EMPTY, 1, 0, 0], "empty slot")
    market_refused(rig, rows[:4] + [KIND_CALL, SPOT, EXPIRY, 0] + rows[8:], "at least 1 lot")
    market_refused(rig, rows[:4] + [KIND_CALL, SPOT, 1 << 40, 1] + rows[8:], "out of range")


def test_a_slot_changes_instrument_only_at_zero_open_interest(rig):
    from circuits.spec.state import oi_hash, state_root
    new = rig.market_for(kind=rig.market.kind[:3] + (KIND_CALL,), strike=rig.market.strike[:3] + (SPOT,),
                         expiry=rig.market.expiry[:3] + (EXPIRY,), contract_size=rig.market.contract_size[:3] + (1,))
    rows = new.encode()
    market_refused(rig, rows, "open the state root")
    # move the rollup to a root whose open interest we know
    accounts_root, oi = 777, [5, 0, 3, 0]
    tid = rig.publish()
    rig.submit([b"\0" * 42], state_root(accounts_root, oi_hash(oi)), tid)
    market_refused(rig, rows, "does not open", oi=(accounts_root + 1, oi))
    busy = rig.market_for(kind=(KIND_FUTURE,) + rig.market.kind[1:], strike=(0,) + rig.market.strike[1:])
    market_refused(rig, busy.encode(), "open interest cannot change", oi=(accounts_root, oi))
    h = rig.l1.register_market(new, oi_opening=(accounts_root, oi))
    assert h == new.hash() == rig.l1.market_hash and rig.l1.market() == new
    # an unchanged market re-registers without an opening
    rig.l1.register_market(new)


def test_no_batch_can_name_a_table_of_a_replaced_market(rig):
    """After a slot changes instrument, the tables published before it hash the old market:
    a batch proved against one would fill orders for an instrument the slot no longer lists.
    The rollup refuses them (contract state unchanged) and accepts the new market's table."""
    from circuits.spec.state import oi_hash, state_root
    accounts_root, oi = 777, [0, 0, 0, 0]
    t1 = rig.publish()
    rig.submit([b"\0" * 42], state_root(accounts_root, oi_hash(oi)), t1)
    t_old = rig.publish()                                    # newer than the accepted batch's
    assert rig.l1.tables.call("first_table_id") == 1         # the first market's tables start at 1
    rig.l1.register_market(rig.market)                       # the same market: nothing changes
    assert rig.l1.tables.call("first_table_id") == 1
    new = rig.market_for(strike=(rig.market.strike[0] * 2,) + rig.market.strike[1:])
    rig.l1.register_market(new, oi_opening=(accounts_root, oi))
    rig.market = new
    assert rig.l1.tables.call("first_table_id") == t_old + 1
    root = state_root(accounts_root + 1, oi_hash(oi))
    before = snapshot(rig.chain)
    with pytest.raises(ContractError, match="replaced market") as e:
        rig.submit([b"\0" * 42], root, t_old)
    assert e.value.reason == Reason.STALE_ORACLE_TABLE and snapshot(rig.chain) == before
    t_new = rig.publish()
    rig.submit([b"\0" * 42], root, t_new)
    assert rig.l1.batch_number == 2 and rig.l1.state_root == root
