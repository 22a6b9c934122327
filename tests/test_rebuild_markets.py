"""Rebuilding the state from L1 alone (zkrollup.l1data.rebuild_from_l1) follows the market
each batch was proved against, whatever the number of market changes since: every
registration is on L1, and exodus claims are built from this rebuild."""
import dataclasses

import pytest

from circuits.spec.public_input import batch_public_input
from circuits.spec.records import encode_record
from verifier.calldata import BatchCalldata
from zkrollup.deployment import deploy_l1
from zkrollup.l1data import RebuildError, published_markets, rebuild_from_l1
from zkrollup.risk import build_oracle_table

from l1_helpers import prove, stand_in_key
from operator_helpers import S, Clock, genesis
from rollup_helpers import SPOT, T0, VOL


@pytest.fixture
def chain(tmp_path):
    gen = genesis()
    l1 = deploy_l1(tmp_path, gen, clock=Clock(T0))
    l1.register_verifying_key(1, stand_in_key()[1])
    return gen, l1


def noop_batch(l1, root, table_id, now):
    recs = [encode_record(0)]
    head = l1.entries_served
    oi = (0,) * l1.market().K
    x = batch_public_input(recs, 0, oi, old_root=l1.state_root, new_root=root,
                           oracle_hash=l1.oracle_table(table_id)["hash"],
                           prio_old=l1.prio_chain(head), prio_new=l1.prio_chain(head))
    return l1.submit_batch(BatchCalldata(l1.batch_number + 1, root, table_id, tuple(recs), 0, oi), prove(x), now)


def test_the_rebuild_follows_every_market_change_not_only_the_last(chain):
    gen, l1 = chain
    root = gen.make_state().root
    a = gen.market
    b = dataclasses.replace(a, liq_bonus_bps=a.liq_bonus_bps + 1)
    c = dataclasses.replace(a, liq_bonus_bps=a.liq_bonus_bps + 2)
    t = T0 + 10
    for i, m in enumerate((a, b)):                       # a batch under A, then one under B
        if i:
            l1.register_market(m, now=t)
        tid = l1.publish_oracle_table(build_oracle_table(m, t + 1, SPOT, VOL, n_scenarios=S), now=t + 1)
        noop_batch(l1, root, tid, t + 2)
        t += 3
    l1.register_market(c, now=t)                         # B -> C, no batch under C yet
    assert set(published_markets(l1)) == {a.hash(), b.hash(), c.hash()}
    st = rebuild_from_l1(l1, gen)
    assert st.root == l1.state_root and st.market == b   # the last batch's market, not C


def test_a_table_of_a_market_never_registered_cannot_be_rebuilt(chain, monkeypatch):
    gen, l1 = chain
    b = dataclasses.replace(gen.market, liq_bonus_bps=gen.market.liq_bonus_bps + 1)
    l1.register_market(b, now=T0 + 1)
    tid = l1.publish_oracle_table(build_oracle_table(b, T0 + 1, SPOT, VOL, n_scenarios=S), now=T0 + 1)
    noop_batch(l1, gen.make_state().root, tid, T0 + 2)
    registered = l1.markets()
    monkeypatch.setattr(type(l1), "markets", lambda self: registered[:1])   # B's registration lost
    with pytest.raises(RebuildError, match="never registered"):
        rebuild_from_l1(l1, gen)
