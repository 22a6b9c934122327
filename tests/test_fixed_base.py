"""The setup's fixed-base multiplications (Numba window tables) against py_ecc, one by one."""
import numpy as np
from hypothesis import given, settings, strategies as st

from circuits.field import R
from prover.fixed_base import g1_mul_many, g1_mul_many_reference, g2_mul_many, g2_mul_many_reference

_SCALARS = st.lists(st.one_of(st.sampled_from([0, 1, 2, R - 1, R - 2]), st.integers(0, R - 1)),
                    min_size=1, max_size=6)


@settings(max_examples=15, deadline=None)
@given(_SCALARS)
def test_g1_fixed_base_equals_py_ecc(scalars):
    assert np.array_equal(g1_mul_many(scalars), g1_mul_many_reference(scalars))


@settings(max_examples=10, deadline=None)
@given(_SCALARS)
def test_g2_fixed_base_equals_py_ecc(scalars):
    assert np.array_equal(g2_mul_many(scalars), g2_mul_many_reference(scalars))


def test_no_scalars_give_no_points():
    assert g1_mul_many([]).shape == (0, 8) and g2_mul_many([]).shape == (0, 16)
