"""The Montgomery core (prover.mont) against plain Python ints."""
import numpy as np
from hypothesis import given, settings, strategies as st
from numba import njit

from prover.convert import from_mont, to_mont
from prover.mont import FQ, FR, fq_add, fq_mul, fq_sub, fr_add, fr_mul, fr_sub


def _vec(op):
    @njit(cache=False)
    def k(a, b, out):
        for i in range(a.shape[0]):
            r = op(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
            out[i, 0] = r[0]
            out[i, 1] = r[1]
            out[i, 2] = r[2]
            out[i, 3] = r[3]
    return k


_KERNELS = {name: _vec(f) for name, f in
            [("fq_mul", fq_mul), ("fq_add", fq_add), ("fq_sub", fq_sub),
             ("fr_mul", fr_mul), ("fr_add", fr_add), ("fr_sub", fr_sub)]}
_REF = {"mul": lambda x, y, p: x * y % p, "add": lambda x, y, p: (x + y) % p,
        "sub": lambda x, y, p: (x - y) % p}


def _edge_and_random(p):
    return st.one_of(st.sampled_from([0, 1, 2, p - 1, p - 2, (p - 1) // 2, 1 << 64, (1 << 192) - 1]),
                     st.integers(0, p - 1))


def _check(field, params, xs, ys):
    a, b = to_mont(xs, params), to_mont(ys, params)
    for op in ("mul", "add", "sub"):
        out = np.empty_like(a)
        _KERNELS[f"{field}_{op}"](a, b, out)
        assert from_mont(out, params) == [_REF[op](x, y, params.p) for x, y in zip(xs, ys)]
        # results are fully reduced (canonical Montgomery representatives < p)
        assert all(v < params.p for v in [int.from_bytes(out[i].tobytes(), "little") for i in range(len(xs))])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_edge_and_random(FQ.p), _edge_and_random(FQ.p)), min_size=1, max_size=16))
def test_fq_kernels_match_int_arithmetic(pairs):
    _check("fq", FQ, [p[0] for p in pairs], [p[1] for p in pairs])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_edge_and_random(FR.p), _edge_and_random(FR.p)), min_size=1, max_size=16))
def test_fr_kernels_match_int_arithmetic(pairs):
    _check("fr", FR, [p[0] for p in pairs], [p[1] for p in pairs])


def test_montgomery_round_trip_is_identity():
    xs = [0, 1, FQ.p - 1, 12345678901234567890]
    assert from_mont(to_mont(xs, FQ), FQ) == xs
