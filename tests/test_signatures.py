"""zkrollup.signatures.verify (the native state's and operator's check) returns what
circuits.eddsa.verify returns, cached or not; only valid verdicts are remembered, within
CACHE_SIZE; a burst verified with verify_many is found by the checks that follow."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits import babyjub as bj
from circuits import eddsa
from circuits.eddsa import Signature
from circuits.field import R
from zkrollup import eddsa_fast, signatures

PRIV = [bytes([i + 1]) * 32 for i in range(4)]
PUB = [eddsa.public_key(k) for k in PRIV]


@pytest.fixture(autouse=True)
def fresh_cache():
    signatures.forget()
    yield
    signatures.forget()


def test_valid_signatures_are_remembered_and_refusals_are_not():
    sig = eddsa.sign(PRIV[0], 11)
    assert signatures.verify(PUB[0], 11, sig) and signatures.verify(PUB[0], 11, sig)
    assert len(signatures._valid) == 1
    assert not signatures.verify(PUB[1], 11, sig)            # same signature, another key
    assert not signatures.verify(PUB[0], 12, sig)            # another message
    assert not signatures.verify(PUB[0], 11, Signature(sig.R8, sig.S + bj.L))
    assert not signatures.verify([PUB[0][0], PUB[0][1], 0], 11, sig)
    assert len(signatures._valid) == 1


def test_a_remembered_verdict_needs_the_same_six_values():
    """A list key or a list R8 is the same input to the reference, so it hits the cache."""
    sig = eddsa.sign(PRIV[0], 5)
    assert signatures.verify(PUB[0], 5, sig)
    calls = []
    real = eddsa_fast.verify
    try:
        eddsa_fast.verify = lambda *a: calls.append(a) or real(*a)
        assert signatures.verify(list(PUB[0]), 5, Signature(list(sig.R8), sig.S))
        assert calls == []
        assert not signatures.verify(PUB[0], 5, Signature(sig.R8, sig.S + 1))
        assert len(calls) == 1
    finally:
        eddsa_fast.verify = real


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, R - 1), st.integers(0, 3)), min_size=1, max_size=10))
def test_verify_many_equals_the_reference_and_fills_the_cache(rows):
    """Rows (signer, msg, claimed key): a claimed key other than the signer's must fail."""
    signatures.forget()                                     # the fixture runs once, not per example
    items = [(PUB[c], m, eddsa.sign(PRIV[s], m)) for s, m, c in rows]
    want = [eddsa.verify(*it) for it in items]
    assert want == [s == c for s, _, c in rows]
    assert signatures.verify_many(items) == want
    assert signatures.verify_many(items) == want            # now partly from the cache
    assert [signatures.verify(*it) for it in items] == want
    assert len(signatures._valid) == len({(s, m) for s, m, c in rows if s == c})


def test_verify_many_handles_malformed_items():
    sig = eddsa.sign(PRIV[2], 9)
    assert signatures.verify_many([None, (PUB[2], 9), (PUB[2], 9, sig), ("x", 9, sig)]) == [False, False, True, False]
    assert signatures.verify_many([]) == []


def test_the_cache_is_bounded_and_drops_the_oldest(monkeypatch):
    monkeypatch.setattr(signatures, "CACHE_SIZE", 3)
    sigs = [(PUB[0], m, eddsa.sign(PRIV[0], m)) for m in range(5)]
    assert signatures.verify_many(sigs) == [True] * 5
    assert len(signatures._valid) == 3
    assert [k[4] for k in signatures._valid] == [2, 3, 4]     # msg is the fifth input
    assert all(signatures.verify(*s) for s in sigs)


def test_an_order_message_is_remembered_per_value_it_hashes():
    """Order.message is remembered (typed LRU) keyed on all ten fields, the deployment and
    instrument ids included: changing any one gives the reference message of the new order,
    never the remembered one."""
    import dataclasses
    from circuits.spec.messages import order_message
    from zkrollup.ops import BUY, Order
    from rollup_helpers import DID, OTHER_DID, T0, make_market
    m = make_market(4)
    base = Order(3, 0, BUY, 5, 1_000, 10, 7, T0 + 3600, m[0].id, DID)
    changed = {"account": 4, "slot": 1, "side": 1 - BUY, "size": 6, "limit_price": 1_001, "max_fee": 11,
               "order_id": 8, "valid_until": T0 + 3601, "instrument_id": m[1].id, "deployment_id": OTHER_DID}
    assert base.message() == base.message() == order_message(*base.fields())
    seen = {base.message()}
    for name, value in changed.items():
        o = dataclasses.replace(base, **{name: value})
        assert o.message() == order_message(*o.fields()), name
        seen.add(o.message())
    assert len(seen) == 1 + len(changed)


def test_a_signature_repeated_in_a_burst_is_checked_once_and_evicts_nothing(monkeypatch):
    monkeypatch.setattr(signatures, "CACHE_SIZE", 3)
    calls = []
    real = signatures.eddsa_fast.verify_many
    monkeypatch.setattr(signatures.eddsa_fast, "verify_many", lambda items: calls.append(len(items)) or real(items))
    sigs = [(PUB[0], m, eddsa.sign(PRIV[0], m)) for m in range(3)]
    assert signatures.verify_many(sigs) == [True] * 3
    again = (PUB[0], 9, eddsa.sign(PRIV[0], 9))
    assert signatures.verify_many([again, again]) == [True, True] and calls == [3, 1]
    assert [k[4] for k in signatures._valid] == [1, 2, 9]     # one eviction, not two
