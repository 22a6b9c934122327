"""prover.convert: the one place for limb/point conversions and the range scan."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from py_ecc import bn128 as pb
from py_ecc import optimized_bn128 as ob

from prover import convert as C
from prover.mont import FQ, FR
from point_helpers import g1_arr, g1_pe, g2_arr, g2_pe

Q, R = FQ.p, FR.p


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, (1 << 256) - 1), max_size=12), st.sampled_from([Q, R]))
def test_first_not_below_finds_the_first_value_at_or_above_the_modulus(vals, p):
    limbs = np.array([[(v >> (64 * i)) & ((1 << 64) - 1) for i in range(4)] for v in vals],
                     dtype=np.uint64).reshape(-1, 4)
    want = next((i for i, v in enumerate(vals) if v >= p), -1)
    assert C.first_not_below(limbs, p) == want
    assert C.first_not_below(limbs.copy().astype("<u8").view(np.uint64), p) == want


def test_first_not_below_edges_and_read_only_arrays():
    for p in (Q, R):
        rows = np.stack([C.int_limbs(p - 1), C.int_limbs(p), C.int_limbs(p + 1)])
        assert C.first_not_below(rows, p) == 1
        assert C.first_not_below(rows[:1], p) == -1
        ro = np.frombuffer(rows.tobytes(), dtype=np.uint64).reshape(3, 4)
        assert not ro.flags.writeable and C.first_not_below(ro, p) == 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, Q - 1), max_size=10))
def test_montgomery_round_trip(xs):
    assert C.from_mont(C.to_mont(xs, FQ), FQ) == xs
    assert C.from_mont(C.to_mont(xs, FR), FR) == [x % R for x in xs]


def test_infinity_is_all_zero_rows_and_none_in_ints():
    assert (g1_arr([ob.Z1, None]) == 0).all() and (g2_arr([ob.Z2]) == 0).all()
    assert C.g1_to_ints(np.zeros((1, 8), np.uint64)) == [None]
    assert C.g2_to_ints(np.zeros((1, 16), np.uint64)) == [None]
    assert (C.g1_from_ints([None, (0, 0)]) == 0).all()
    assert C.g1_point(np.zeros(8, np.uint64)) is None and C.g2_point(np.zeros(16, np.uint64)) is None
    assert g1_pe(np.zeros((1, 8), np.uint64)) == [ob.Z1]


def test_array_and_single_point_conversions_round_trip():
    P1 = [ob.multiply(ob.G1, k) for k in (1, 5, R - 1)]
    a = g1_arr(P1)
    assert [ob.eq(x, y) for x, y in zip(g1_pe(a), P1)] == [True] * 3
    assert (C.g1_from_ints(C.g1_to_ints(a)) == a).all()
    assert (g1_arr([pb.G1]) == g1_arr([ob.G1])).all()
    assert C.g1_point(a[0]) == (1, 2) and (C.g1_row((1, 2)) == a[0]).all()
    P2 = [ob.multiply(ob.G2, k) for k in (1, 7)]
    b = g2_arr(P2)
    assert [ob.eq(x, y) for x, y in zip(g2_pe(b), P2)] == [True] * 2
    assert (C.g2_from_ints(C.g2_to_ints(b)) == b).all()
    assert (C.g2_row(C.g2_point(b[1])) == b[1]).all()


def test_bad_coordinates_and_shapes_are_refused():
    with pytest.raises(ValueError, match="below q"):
        C.g1_from_ints([(Q, 1)])
    with pytest.raises(ValueError, match=r"\(n, 8\)"):
        C.g1_to_ints(np.zeros((2, 16), np.uint64))
