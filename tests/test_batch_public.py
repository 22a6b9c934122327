"""The batch public-input commitment (v2): native definitions, in-circuit twins, input checks."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits import eddsa
from circuits.batch.public import (COMMITMENT_FIELDS, DEPOSIT_CHAIN_EMPTY, EFFECT_FORCED,
                                   EFFECT_WITHDRAWAL, EFFECTS_CHAIN_EMPTY, FORCED_CHAIN_EMPTY, Effect,
                                   batch_commitment, batch_commitment_gadget, deposit_chain,
                                   deposit_chain_gadget, effect_chain, effect_chain_gadget,
                                   effects_hash, flatten_effects, forced_chain, forced_chain_gadget,
                                   listed_effects, pack_effect)
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.poseidon import poseidon

felt = st.integers(0, R - 1)
effect = st.one_of(st.none(), st.builds(Effect, st.sampled_from([EFFECT_WITHDRAWAL, EFFECT_FORCED]),
                                        st.integers(0, 2**32 - 1), st.integers(0, 2**160 - 1),
                                        st.integers(0, 2**64 - 1)))


def test_effects_hash_chains_the_actual_effects_only():
    e = [Effect(EFFECT_WITHDRAWAL, 3, 0xABC, 100), None, (EFFECT_FORCED, 5, 7, 0)]
    h1 = poseidon([0, 1 + 4 * 3 + 2**34 * 100, 0xABC])
    h2 = poseidon([h1, 2 + 4 * 5, 7])
    assert effects_hash(e, n_slots=4) == h2 == effect_chain(effect_chain(0, Effect(*e[0].as_tuple())),
                                                             Effect(2, 5, 7, 0))
    # slots without an effect (anywhere, any number) change nothing: no cost per trade on L1
    assert effects_hash(e, n_slots=3) == effects_hash([None, e[0], None, None, e[2]]) == h2
    assert effects_hash([None] * 8) == EFFECTS_CHAIN_EMPTY == 0
    # order and kind matter
    assert effects_hash([e[2], e[0]]) != h2
    assert effects_hash([(EFFECT_FORCED, 3, 0xABC, 100)]) != effects_hash([e[0]])
    assert [x.as_tuple() for x in listed_effects(e)] == [(1, 3, 0xABC, 100), (2, 5, 7, 0)]


@given(st.integers(0, 3), st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1))
@settings(max_examples=30, deadline=None)
def test_effect_packing_is_one_to_one(kind, account, amount):
    p = pack_effect(kind, account, amount)
    assert p < 2**98 and (p & 3, (p >> 2) & (2**32 - 1), p >> 34) == (kind, account, amount)


def test_chain_and_commitment_definitions():
    assert DEPOSIT_CHAIN_EMPTY == FORCED_CHAIN_EMPTY == 0
    assert deposit_chain(0, 1, 2, 3, 4) == poseidon([0, 1, 2, 3, 4])
    assert forced_chain(9, 3, 11, 500, 7, 0xAA) == poseidon([9, 3 + 2**32 * 500, 11, 7, 0xAA])
    kw = dict(zip(COMMITMENT_FIELDS, range(10, 20)))
    assert batch_commitment(**kw) == poseidon([poseidon([10, 11, 12, 13, 14]), 15, 16, 17, 18, 19])
    # the forced hashes default to the empty chain
    kw8 = {k: v for k, v in kw.items() if not k.startswith("forced")}
    assert batch_commitment(**kw8) == batch_commitment(**kw8, forced_hash_old=0, forced_hash_new=0)
    assert batch_commitment(**kw8) != batch_commitment(**kw8, forced_hash_new=1)


def test_a_forced_chain_binds_every_request_field():
    base = dict(h=0, account=3, pk_x=eddsa.public_key(b"k" * 32)[0], amount=50, nonce=0, l1_address=0xAA)
    h = forced_chain(**base)
    for k, v in (("account", 4), ("amount", 49), ("nonce", 7), ("l1_address", 0xAB), ("pk_x", 5), ("h", 1)):
        assert forced_chain(**{**base, k: v}) != h, k


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown kind"):
        effects_hash([(3, 0, 0, 0)])
    with pytest.raises(ValueError, match="kind none"):
        effects_hash([(0, 1, 0, 0)])
    with pytest.raises(ValueError, match="slots"):
        effects_hash([None, None], n_slots=1)
    with pytest.raises(ValueError, match="below r"):
        effects_hash([(1, 0, R, 0)])
    with pytest.raises(ValueError, match="account"):
        effects_hash([(1, 2**32, 0, 0)])
    with pytest.raises(ValueError, match="amount"):
        effects_hash([(1, 0, 0, 2**64)])
    with pytest.raises(ValueError, match="amount"):
        forced_chain(0, 1, 2, 2**64, 0, 0)
    with pytest.raises(ValueError, match="account"):
        forced_chain(0, 2**32, 2, 1, 0, 0)
    assert flatten_effects([None, (1, 2, 3, 4)], n_slots=3) == [0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0]
    kw = dict(zip(COMMITMENT_FIELDS, range(10)))
    kw["new_root"] = R
    with pytest.raises(ValueError, match="new_root"):
        batch_commitment(**kw)
    kw["new_root"], kw["forced_hash_old"] = 1, R
    with pytest.raises(ValueError, match="forced_hash_old"):
        batch_commitment(**kw)
    with pytest.raises(TypeError):
        batch_commitment(*range(10))  # keyword-only: no silent field swaps


@settings(max_examples=10, deadline=None)
@given(st.lists(effect, min_size=1, max_size=5), st.lists(felt, min_size=10, max_size=10),
       st.lists(felt, min_size=5, max_size=5), felt, st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1))
def test_gadgets_equal_native(effects, fields, dep, h, account, amount):
    cs = ConstraintSystem()
    w = cs.witness
    eh = 0
    for e in listed_effects(effects):
        got = effect_chain_gadget(cs, w("h", eh), w("k", e.kind), w("a", e.account), w("l", e.l1_address),
                                  w("m", e.amount))
        eh = cs.value(got)
    assert eh == effects_hash(effects)
    assert cs.value(deposit_chain_gadget(cs, *[w("d", v) for v in dep])) == deposit_chain(*dep)
    fargs = (h, account, dep[0], amount, dep[1], dep[2])
    assert cs.value(forced_chain_gadget(cs, *[w("f", v) for v in fargs])) == forced_chain(*fargs)
    kw = dict(zip(COMMITMENT_FIELDS, fields))
    got = batch_commitment_gadget(cs, **{k: w(k, v) for k, v in kw.items()})
    assert cs.value(got) == batch_commitment(**kw)
    assert cs.which_is_unsatisfied() is None
