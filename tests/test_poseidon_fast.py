"""Numba Poseidon (zkrollup.poseidon_fast) equals the pure-Python circuits.poseidon."""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.poseidon import poseidon as poseidon_ref
from zkrollup import poseidon_fast as pf

VECTORS = json.loads((Path(__file__).parent / "vectors" / "poseidon.json").read_text())["vectors"]
element = st.one_of(st.integers(0, R - 1), st.sampled_from([0, 1, 2, R - 1, R - 2, 2 ** 253, 2 ** 64 - 1, 2 ** 64]))


@pytest.mark.parametrize("vec", VECTORS[::3], ids=lambda v: f"{len(v['inputs'])}in")
def test_fast_poseidon_equals_circomlibjs_known_answer(vec):
    assert pf.poseidon([int(x) for x in vec["inputs"]]) == int(vec["output"])


@settings(max_examples=40, deadline=None)
@given(st.lists(element, min_size=1, max_size=16))
def test_fast_poseidon_equals_reference_for_every_width(xs):
    assert pf.poseidon(xs) == poseidon_ref(xs)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 5).flatmap(lambda m: st.lists(st.lists(element, min_size=m, max_size=m),
                                                     min_size=1, max_size=4)))
def test_poseidon_many_equals_reference(rows):
    assert pf.poseidon_many(rows) == [poseidon_ref(r) for r in rows]


@pytest.mark.parametrize("bad", [[], [R], [-1], list(range(17)), "x"])
def test_poseidon_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        pf.poseidon(bad)


def test_poseidon_many_rejects_element_not_below_r_and_mixed_widths():
    with pytest.raises(ValueError):
        pf.poseidon_many([[R, 0]])
    with pytest.raises(ValueError):
        pf.poseidon_many([[1, 2], [0]])
