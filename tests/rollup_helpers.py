"""Shared fixtures of the native-state tests: keys, a small market, a funded state."""
from __future__ import annotations

from functools import lru_cache

import pytest

from circuits import eddsa
from circuits.spec.tree import root_from_path
from circuits.spec.accounts import order_leaf
from circuits.spec.deployment import deployment_id
from zkrollup.deployment import planned_deployment_id
from circuits.spec.state import oi_hash, state_root
from zkrollup.market import Instrument, market_of
from zkrollup.ops import Order
from zkrollup.risk import build_oracle_table
from zkrollup.state import RollupState

T0 = 1_700_000_000
DAY = 86_400
EXPIRY = T0 + 30 * DAY
SPOT = 60_000_000          # cash units (micro-USD) per lot
VOL = 0.6
USD = 1_000_000            # cash units per US dollar
KEYS = [bytes([i + 1]) * 32 for i in range(12)]
DID = planned_deployment_id()             # the test deployment (chain id, rollup contract address)
OTHER_DID = deployment_id(1, 0xC0FFEE)    # the same contract address on another chain


def addr(i: int) -> int:
    """The L1 address of test user i."""
    return 0xA000 + i


@lru_cache(maxsize=None)
def pk(i: int):
    return eddsa.public_key(KEYS[i])


def make_market(k: int = 4, did: int = DID):
    return market_of([Instrument.call(SPOT, EXPIRY), Instrument.put(SPOT, EXPIRY),
                      Instrument.future(EXPIRY)], k, deployment_id=did)


def make_state(account_depth: int = 6, order_depth: int = 3, k: int = 4, spot: int = SPOT,
               ts: int = T0) -> RollupState:
    st = RollupState(make_market(k), fee_pk=pk(0), insurance_pk=pk(1),
                     account_depth=account_depth, order_depth=order_depth)
    st.set_oracle(build_oracle_table(st.market, ts, spot, VOL))
    return st


def fund(st: RollupState, idx: int, amount: int, key: int | None = None, depositor: int | None = None):
    """Deposit through the L1 queue (from user idx's L1 address unless `depositor`) and
    serve it at once."""
    d = st.enqueue_deposit(idx, pk(idx if key is None else key), amount,
                           addr(idx) if depositor is None else depositor)
    return st.apply(d)


def reprice(st: RollupState, spot: int, ts: int | None = None, **kw) -> None:
    ts = st.oracle.timestamp if ts is None else ts
    st.set_oracle(build_oracle_table(st.market, ts, spot, VOL, **kw))


def order(acct: int, side: int, size: int, price: int, oid: int, slot: int = 0, max_fee: int = 10,
          valid_until: int = T0 + DAY, key: int | None = None, instrument=None, did: int = DID):
    """A signed order for the instrument `make_market` lists in `slot` (or `instrument`)."""
    inst = make_market(max(4, slot + 1))[slot] if instrument is None else instrument
    return Order(acct, slot, side, size, price, max_fee, oid, valid_until, inst.id, did).sign(
        KEYS[acct if key is None else key])


def rejected(st, op, err):
    """Apply op expecting err; the state must be exactly as before."""
    before = st.fingerprint()
    with pytest.raises(err):
        st.apply(op)
    assert st.fingerprint() == before
    assert st.check_invariants() == []


def check_witness(st, w):
    """Every recorded path proves its leaves against the recorded roots, in a chain."""
    root = w.old_accounts_root
    for u in w.updates:
        assert u.root_before == root
        assert root_from_path(u.leaf_before, u.index, u.siblings, st.account_depth) == u.root_before
        assert root_from_path(u.leaf_after, u.index, u.siblings, st.account_depth) == u.root_after
        if u.order is not None:
            o = u.order
            assert root_from_path(order_leaf(*o.before), o.slot, o.siblings, st.order_depth) == o.root_before
            assert root_from_path(order_leaf(*o.after), o.slot, o.siblings, st.order_depth) == o.root_after
            assert u.after.orders_root == o.root_after
        root = u.root_after
    assert root == w.new_accounts_root == st.accounts_root
    assert w.new_root == st.root == state_root(st.accounts_root, oi_hash(st.oi))
    assert list(w.oi_after) == st.oi
