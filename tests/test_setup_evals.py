"""The setup's evaluations at tau: prover.setup_evals (fr_vec kernels) and its twin
prover.ref.setup_evals, one set of tests over both, against the defining formulas."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuits.r1cs import SparseMatrix
from prover import setup_evals as fast
from prover.convert import from_mont
from prover.domain import root_of_unity
from prover.mont import FR
from prover.ref import setup_evals as ref

R = FR.p
elem = st.integers(0, R - 1)


@pytest.fixture(scope="module", params=[fast, ref], ids=["numba", "ref"])
def ev(request):
    return request.param


def ints(a):
    return from_mont(a, FR)


def poly_at(coeffs_by_point, x, n):
    """Interpolate values on the n-th roots at x through the Lagrange sum (the definition)."""
    w = root_of_unity(n)
    total = 0
    for k, v in enumerate(coeffs_by_point):
        p = pow(w, k, R)
        num, den = 1, 1
        for j in range(n):
            if j != k:
                q = pow(w, j, R)
                num, den = num * (x - q) % R, den * (p - q) % R
        total += v * num * pow(den, -1, R)
    return total % R


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([1, 2, 4, 8, 16]), elem)
def test_lagrange_values_interpolate_every_polynomial_of_degree_below_n(ev, n, tau):
    if pow(tau, 2 * n, R) == 1:
        return
    lag = ints(ev.lagrange(tau, n))
    assert len(lag) == n and sum(lag) % R == 1            # the constant 1
    w = root_of_unity(n)
    for d in range(min(n, 3)):                             # x^d sampled on the roots is x^d
        assert sum(l * pow(w, k * d, R) for k, l in enumerate(lag)) % R == pow(tau, d, R)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([1, 2, 4, 8]), elem)
def test_odd_lagrange_values_are_the_odd_half_of_the_double_domain(ev, n, tau):
    if pow(tau, 2 * n, R) == 1:
        return
    assert ints(ev.lagrange_odd(tau, n)) == ints(ev.lagrange(tau, 2 * n))[1::2]


def test_lagrange_matches_the_definition_by_products(ev):
    tau = 123456789
    for n in (2, 4, 8):
        lag = ints(ev.lagrange(tau, n))
        for k in range(n):
            e = [0] * n
            e[k] = 1
            assert lag[k] == poly_at(e, tau, n)


@pytest.mark.parametrize("n", [1, 4, 16])
def test_tau_on_the_domain_is_refused(ev, n):
    w = root_of_unity(2 * n)
    with pytest.raises(ValueError, match="root of unity"):
        ev.lagrange(pow(root_of_unity(n), 1, R), n)
    with pytest.raises(ValueError, match="root of unity"):
        ev.lagrange_odd(w, n)


def test_powers_of_a_root_run_round_the_domain(ev):
    w = root_of_unity(16)
    p = ints(ev.powers(w, 19))
    assert p == [pow(w, k, R) for k in range(19)]
    assert ints(ev.powers(w, 0)) == []


matrices = st.lists(st.dictionaries(st.integers(0, 11), st.one_of(st.sampled_from([1, R - 1, 2]), elem),
                                    max_size=4), min_size=0, max_size=14)


@settings(max_examples=40, deadline=None)
@given(matrices, elem)
def test_wire_evaluations_are_the_transposed_matrix_times_the_lagrange_vector(ev, rows, tau):
    m = SparseMatrix.from_rows(rows)
    n = 16
    if pow(tau, n, R) == 1:
        return
    lag = fast.lagrange(tau, n)
    lv = ints(lag)
    want = [0] * 12
    for i, row in enumerate(rows):
        for j, c in row.items():
            want[j] = (want[j] + c * lv[i]) % R
    got = ev.wire_evaluations(m, lag, 12)
    assert got.shape == (12, 4) and ints(got) == want


def test_wire_evaluations_refuse_a_short_lagrange_vector_or_an_outside_wire(ev):
    m = SparseMatrix.from_rows([{0: 1}, {3: 2}, {1: 5}])
    with pytest.raises(ValueError, match="rows"):
        ev.wire_evaluations(m, fast.lagrange(7, 2), 4)
    with pytest.raises(ValueError, match="outside"):
        ev.wire_evaluations(m, fast.lagrange(7, 4), 3)


def test_fast_and_plain_twins_agree_on_a_large_domain():
    tau = 987654321987654321
    assert np.array_equal(fast.lagrange(tau, 1 << 10), ref.lagrange(tau, 1 << 10))
    assert np.array_equal(fast.lagrange_odd(tau, 1 << 10), ref.lagrange_odd(tau, 1 << 10))
