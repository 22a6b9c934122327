"""Fq/Fq2 array kernels: prover.fields (Numba intrinsics) and its twin prover.ref.fields,
one set of tests over both, against int arithmetic and py_ecc."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from py_ecc import optimized_bn128 as ob

from prover import fields as fast
from prover.convert import from_mont, to_mont
from prover.mont import FQ
from prover.ref import fields as ref

Q = FQ.p
MUL, ADD, SUB, SQR, INV, NEG, DBL = range(7)
fq_elems = st.one_of(st.sampled_from([0, 1, 2, Q - 1, Q - 2, (Q - 1) // 2, 1 << 64, (1 << 253) + 5]),
                     st.integers(0, Q - 1))


@pytest.fixture(scope="module", params=[fast, ref], ids=["numba", "ref"])
def F(request):
    return request.param


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(fq_elems, fq_elems), min_size=1, max_size=12))
def test_fq_ops_match_int_arithmetic(F, pairs):
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    a, b = to_mont(xs, FQ), to_mont(ys, FQ)
    want = {MUL: lambda x, y: x * y, ADD: lambda x, y: x + y, SUB: lambda x, y: x - y,
            SQR: lambda x, y: x * x, NEG: lambda x, y: -x, DBL: lambda x, y: 2 * x,
            INV: lambda x, y: pow(x, Q - 2, Q)}
    for op, f in want.items():
        out = np.empty_like(a)
        F.fq_binop_array(op, a, b, out)
        assert from_mont(out, FQ) == [f(x, y) % Q for x, y in zip(xs, ys)], op
        assert all(int.from_bytes(r.tobytes(), "little") < Q for r in out)   # canonical


@settings(max_examples=30, deadline=None)
@given(xs=st.lists(fq_elems, min_size=1, max_size=12))
def test_fq_inverse_both_routes_agree_and_map_zero_to_zero(F, xs):
    a = to_mont(xs, FQ)
    e, f = np.empty_like(a), np.empty_like(a)
    F.fq_inv_array(a, e, False)
    F.fq_inv_array(a, f, True)
    assert (e == f).all()
    assert [x * y % Q for x, y in zip(xs, from_mont(e, FQ))] == [1 if x else 0 for x in xs]


def _fq2_rows(vals):
    return to_mont([c for v in vals for c in v], FQ).reshape(len(vals), 8)


def _fq2_ints(arr):
    flat = from_mont(arr.reshape(-1, 4), FQ)
    return [(flat[2 * i], flat[2 * i + 1]) for i in range(arr.shape[0])]


@settings(max_examples=40, deadline=None)
@given(quads=st.lists(st.tuples(fq_elems, fq_elems, fq_elems, fq_elems), min_size=1, max_size=8))
def test_fq2_ops_match_py_ecc(F, quads):
    xs = [(q[0], q[1]) for q in quads]
    ys = [(q[2], q[3]) for q in quads]
    a, b = _fq2_rows(xs), _fq2_rows(ys)
    X = [ob.FQ2(list(x)) for x in xs]
    Y = [ob.FQ2(list(y)) for y in ys]
    want = {MUL: lambda x, y: x * y, ADD: lambda x, y: x + y, SUB: lambda x, y: x - y,
            SQR: lambda x, y: x * x, NEG: lambda x, y: -x, DBL: lambda x, y: x + x,
            INV: lambda x, y: x.inv() if x != ob.FQ2.zero() else ob.FQ2.zero()}
    for op, f in want.items():
        out = np.empty_like(a)
        F.fq2_binop_array(op, a, b, out)
        assert _fq2_ints(out) == [tuple(int(c) for c in f(x, y).coeffs) for x, y in zip(X, Y)], op


@settings(max_examples=20, deadline=None)
@given(x=st.tuples(fq_elems, fq_elems), y=st.tuples(fq_elems, fq_elems), z=st.tuples(fq_elems, fq_elems))
def test_fq2_field_laws(F, x, y, z):
    a, b, c = (_fq2_rows([v]) for v in (x, y, z))

    def op(code, u, v=None):
        out = np.empty_like(u)
        F.fq2_binop_array(code, u, u if v is None else v, out)
        return out
    assert (op(MUL, a, b) == op(MUL, b, a)).all()
    assert (op(MUL, op(MUL, a, b), c) == op(MUL, a, op(MUL, b, c))).all()
    assert (op(MUL, a, op(ADD, b, c)) == op(ADD, op(MUL, a, b), op(MUL, a, c))).all()
    assert (op(SQR, a) == op(MUL, a, a)).all()
    assert (op(ADD, a, op(NEG, a)) == 0).all()
    if x != (0, 0):
        assert (op(MUL, a, op(INV, a)) == _fq2_rows([(1, 0)])).all()
