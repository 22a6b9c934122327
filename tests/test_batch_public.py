"""The batch public-input commitment: native definition, in-circuit twin, input checks."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.batch.public import (COMMITMENT_FIELDS, DEPOSIT_CHAIN_EMPTY, EFFECT_FORCED,
                                   EFFECT_WITHDRAWAL, Effect, batch_commitment,
                                   batch_commitment_gadget, deposit_chain, deposit_chain_gadget,
                                   effects_hash, effects_hash_gadget, flatten_effects)
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.poseidon import poseidon, poseidon_sponge

felt = st.integers(0, R - 1)
effect = st.one_of(st.none(), st.builds(Effect, st.sampled_from([EFFECT_WITHDRAWAL, EFFECT_FORCED]),
                                        st.integers(0, 2**24 - 1), st.integers(0, 2**160 - 1),
                                        st.integers(0, 2**64 - 1)))


def test_effects_hash_is_sponge_of_4_tuples_with_zero_slots():
    e = [Effect(EFFECT_WITHDRAWAL, 3, 0xABC, 100), None, (EFFECT_FORCED, 5, 7, 0)]
    flat = [1, 3, 0xABC, 100, 0, 0, 0, 0, 2, 5, 7, 0, 0, 0, 0, 0]
    assert flatten_effects(e, n_slots=4) == flat
    assert effects_hash(e, n_slots=4) == poseidon_sponge(flat)
    # the slot count matters (trailing no-effect slots are hashed)
    assert effects_hash(e, n_slots=4) != effects_hash(e, n_slots=3)


def test_deposit_chain_and_commitment_definitions():
    assert DEPOSIT_CHAIN_EMPTY == 0
    assert deposit_chain(0, 1, 2, 3, 4) == poseidon([0, 1, 2, 3, 4])
    kw = dict(zip(COMMITMENT_FIELDS, range(10, 18)))
    assert batch_commitment(**kw) == poseidon(list(range(10, 18)))


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown kind"):
        flatten_effects([(3, 0, 0, 0)])
    with pytest.raises(ValueError, match="kind none"):
        flatten_effects([(0, 1, 0, 0)])
    with pytest.raises(ValueError, match="slots"):
        flatten_effects([None, None], n_slots=1)
    with pytest.raises(ValueError, match="below r"):
        flatten_effects([(1, 0, R, 0)])
    kw = dict(zip(COMMITMENT_FIELDS, range(8)))
    kw["new_root"] = R
    with pytest.raises(ValueError, match="new_root"):
        batch_commitment(**kw)
    with pytest.raises(TypeError):
        batch_commitment(*range(8))  # keyword-only: no silent field swaps


@settings(max_examples=10, deadline=None)
@given(st.lists(effect, min_size=1, max_size=5), st.lists(felt, min_size=8, max_size=8),
       st.lists(felt, min_size=5, max_size=5))
def test_gadgets_equal_native(effects, fields, dep):
    cs = ConstraintSystem()
    flat = flatten_effects(effects)
    assert cs.value(effects_hash_gadget(cs, [cs.witness("f", v) for v in flat])) == effects_hash(effects)
    assert cs.value(deposit_chain_gadget(cs, *[cs.witness("d", v) for v in dep])) == deposit_chain(*dep)
    kw = dict(zip(COMMITMENT_FIELDS, fields))
    got = batch_commitment_gadget(cs, **{k: cs.witness(k, v) for k, v in kw.items()})
    assert cs.value(got) == batch_commitment(**kw)
    assert cs.which_is_unsatisfied() is None
