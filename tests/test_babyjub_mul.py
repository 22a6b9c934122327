"""In-circuit scalar multiplications on Baby Jubjub are complete: the torsion argument is
re-checked independently (exhaustively over sign patterns and reachable states), the exact
sequence of Montgomery chords is replayed natively with the partial formulas (which raise
on an exceptional case) for random and adversarial bases, and the gadgets equal their
native twins for every kind of scalar and base, adversarial ones included."""
import hashlib
import itertools

import pytest
from hypothesis import given, settings, strategies as st

from circuits import babyjub as bj
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import babyjub as g
from circuits.gadgets import babyjub_mul as gm
from circuits.gadgets.bits import bits_le, bits_le_strict

INV = lambda c: pow(c, -1, bj.L)  # noqa: E731
F_OLD = bj.mul_base8(184787995330688408007700567667703458196008624312222713599781888710835289808)
"""The offset point of the previous, incomplete variable-base chain in the EdDSA gadget
(2^253 F = C * BASE8); keys with 8A = +-F made every signature unprovable there."""
F_OLD_VAR = bj.mul_base8(int.from_bytes(hashlib.blake2b(b"zkrollup.babyjub.var_base_offset",
                                                        digest_size=64).digest(), "little") % bj.L)
"""The hash-derived offset of the previous stand-alone var_base_mul."""

ADVERSARIAL_Q = (
    [bj.IDENTITY, bj.BASE8, bj.neg(bj.BASE8), bj.double(bj.BASE8)]
    + [bj.scalar_mul(c, p) for p in (F_OLD, F_OLD_VAR)
       for c in (1, -1, 2, -2, 3, INV(2), INV(3), -INV(3), 2 * INV(3), INV(1 - 3), INV(1 + 5),
                 pow(2, 126, bj.L), pow(2, 253, bj.L), pow(2, 252, bj.L) * INV(7))]
)
"""Subgroup points built from the old offsets (+-, small rational multiples, powers of 2)
and from BASE8: where the old chains had their exceptional cases."""

sub_scalar = st.integers(min_value=0, max_value=bj.L - 1)
subgroup_points = st.one_of(st.builds(bj.mul_base8, sub_scalar), st.sampled_from(ADVERSARIAL_Q))
EDGE_K = [0, 1, 2, 3, bj.L - 1, bj.L, bj.L + 1, R - 1, 2 ** 253, 2 ** 254 - 1,
          int("10" * 127, 2), int("01" * 127, 2)]


def _val(cs, p):
    return (cs.value(p[0]), cs.value(p[1]))


def _var(cs, name):
    return cs.wire_names().index(name)


# ---- the torsion argument, re-derived -----------------------------------------------------------

def _regular(a, b):
    """Independent statement of a regular chord: torsions a, b nonzero, a != +-b (mod 8)."""
    a, b = a % 8, b % 8
    return a != 0 and b != 0 and a != b and (a + b) % 8 != 0


@pytest.mark.parametrize("m", list(range(1, 15)))
def test_var_chain_torsions_exhaustive_over_every_sign_pattern(m):
    plan = gm._var_plan(m)
    for signs in itertools.product((1, -1), repeat=m):
        a = plan.start
        for t, s in zip(plan.steps, signs):
            assert _regular(a, s * t)                    # U = acc + T
            assert _regular(a + s * t, a)                # U + acc
            a = (2 * a + s * t) % 8
        bit = 0 if plan.bit_step is None else (signs[plan.bit_step] + 1) // 2
        assert a == (plan.torsion + 4 * bit) % 8 and a in (2, 6)


@pytest.mark.parametrize("m", [15, 16, 100, 252, 253])
def test_var_chain_torsions_over_reachable_states(m):
    """Every torsion reachable before a step (over all sign patterns) passes the test."""
    plan = gm._var_plan(m)
    states = {plan.start}
    for t in plan.steps:
        nxt = set()
        for a in states:
            for s in (1, -1):
                assert _regular(a, s * t) and _regular(a + s * t, a)
                nxt.add((2 * a + s * t) % 8)
        states = nxt
    assert states == {2, 6} == set(plan.states)


@pytest.mark.parametrize("final", range(1, 8))
def test_fixed_base_torsion_schedules(final):
    for w in range(1, 90):
        try:
            ts = gm._fixed_torsions(w, final)
        except ValueError:
            assert w == 1 and final == 4   # one window: its entries would need torsion 4
            continue
        assert len(ts) == w and all(t not in (0, 4) for t in ts)
        a = ts[0]
        for t in ts[1:]:
            assert _regular(a, t)
            a = (a + t) % 8
        assert a == final


# ---- native replay of the exact chord sequence ----------------------------------------------------

def _mont(p):
    return bj.to_montgomery(p)                    # raises for x = 0


def _mont_any(p):
    """Also (0, -1) -> (0, 0), its Montgomery image (a fixed-base result may be it)."""
    return (0, 0) if p == bj.torsion(4) else _mont(p)


def _chord(p1, p2):
    return bj.montgomery_add(p1, p2)              # raises for equal u: an exceptional case


def _replay_var_chain(k_hi_bits, q):
    """The Montgomery operations of `var_base_chain` (without q_mont), natively."""
    m = len(k_hi_bits)
    plan = gm._var_plan(m)
    tables = {1: _mont(bj.add(q, bj.torsion(1)))}
    tables[4] = _chord(tables[1], _mont(bj.torsion(3)))
    tables[2] = _mont(bj.add(q, bj.torsion(2)))
    acc = tables[plan.start]
    for k, t in enumerate(plan.steps):
        u, v = tables[t]
        tp = (u, v) if k_hi_bits[m - 1 - k] else (u, -v % R)
        acc = _chord(_chord(acc, tp), acc)
    return acc, plan


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2 ** 253 - 1), subgroup_points)
def test_var_chain_replay_never_meets_an_exceptional_case(k_hi, q):
    bits = [(k_hi >> i) & 1 for i in range(253)]
    acc, plan = _replay_var_chain(bits, q)
    tor = (plan.torsion + 4 * bits[252 - plan.bit_step]) % 8
    assert acc == _mont(bj.add(bj.scalar_mul(2 * k_hi + 1, q), bj.torsion(tor)))


@pytest.mark.parametrize("q", ADVERSARIAL_Q, ids=range(len(ADVERSARIAL_Q)))
def test_var_chain_replay_adversarial_bases_and_scalars(q):
    for k in EDGE_K:
        k_hi = (k >> 1) & (2 ** 253 - 1)
        _replay_var_chain([(k_hi >> i) & 1 for i in range(253)], q)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2 ** 251 - 1), st.sampled_from([1, 2, 3, 4, 5, 6, 7]))
def test_fixed_base_replay_never_meets_an_exceptional_case(k, final):
    plan = gm._fixed_plan(bj.BASE8, 251, final)
    acc = None
    for (s, c), (us, vs) in zip(plan.windows, plan.tables):
        d = (k >> s) & ((1 << c) - 1)
        e = (us[d], vs[d])
        acc = e if acc is None else _chord(acc, e)
    assert acc == _mont_any(bj.add(bj.mul_base8(k), bj.torsion(final)))


# ---- fixed base in the circuit ---------------------------------------------------------------------

def _fixed(k, n, base=bj.BASE8):
    cs = ConstraintSystem()
    kv = cs.witness("k", k)
    bits = bits_le_strict(cs, kv) if n == 254 else bits_le(cs, kv, n)
    c0 = cs.num_constraints
    out = gm.fixed_base_mul(cs, bits, base)
    return cs, out, cs.num_constraints - c0


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=2 ** 251 - 1))
def test_fixed_base_mul_equals_native(k):
    cs, out, cost = _fixed(k, 251)
    assert cs.which_is_unsatisfied() is None
    assert _val(cs, out) == bj.mul_base8(k)
    assert cost == 501


@pytest.mark.parametrize("k", [0, 1, 7, 8, bj.L - 1, bj.L, bj.L + 1, 2 ** 251 - bj.L, 2 ** 249, 2 ** 251 - 1,
                               int("110" * 83 + "11", 2) & (2 ** 251 - 1),
                               sum(7 << (3 * w) for w in range(83))])
def test_fixed_base_mul_edges(k):
    cs, out, _ = _fixed(k, 251)
    assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.mul_base8(k)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 10, 64, 253, 254])
def test_fixed_base_mul_widths(n):
    top = min((1 << n) - 1, R - 1)
    for k in {0, 1, top, top // 3}:
        cs, out, _ = _fixed(k, n)
        assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.mul_base8(k)


@pytest.mark.parametrize("final", range(1, 8))
def test_fixed_base_mont_carries_the_requested_torsion(final):
    for k in (0, 5, 2 ** 40 - 1, bj.L % 2 ** 40):
        cs = ConstraintSystem()
        m = gm.fixed_base_mont(cs, bits_le(cs, cs.witness("k", k), 40), bj.BASE8, final)
        assert cs.which_is_unsatisfied() is None
        assert _val(cs, m) == _mont_any(bj.add(bj.mul_base8(k), bj.torsion(final)))


def test_fixed_base_mul_other_base_and_bad_base():
    base = bj.mul_base8(987654321)
    cs, out, _ = _fixed(123456789, 40, base)
    assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.scalar_mul(123456789, base)
    cs = ConstraintSystem()
    bits = bits_le(cs, cs.witness("k", 3), 4)
    for bad in [bj.GENERATOR, bj.IDENTITY, bj.torsion(2), (1, 2)]:
        with pytest.raises(ValueError):
            gm.fixed_base_mul(cs, bits, bad)


def test_fixed_base_tampered_window_fails_at_named_constraint():
    cs, out, _ = _fixed(123456789, 251)
    cs.set_value(_var(cs, "fixed_base.w10.add.lambda"), 5)
    assert cs.which_is_unsatisfied() == "fixed_base.w10.add.lambda"


# ---- variable base in the circuit -------------------------------------------------------------------

def _var_mul(k, q, n=254):
    cs = ConstraintSystem()
    kv = cs.witness("k", k)
    bits = bits_le_strict(cs, kv) if n == 254 else bits_le(cs, kv, n)
    qv = g.SubgroupPoint(cs.witness("qx", q[0]), cs.witness("qy", q[1]))
    c0 = cs.num_constraints
    out = gm.var_base_mul(cs, bits, qv)
    return cs, out, cs.num_constraints - c0


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=R - 1), subgroup_points)
def test_var_base_mul_equals_native(k, q):
    cs, out, cost = _var_mul(k, q)
    assert cs.which_is_unsatisfied() is None
    assert _val(cs, out) == bj.scalar_mul(k, q)
    assert cost == 6 * 254 + 12 == 1536


@pytest.mark.parametrize("q", ADVERSARIAL_Q, ids=range(len(ADVERSARIAL_Q)))
def test_var_base_mul_adversarial_bases(q):
    for k in [0, 1, 2, 3, bj.L - 1, bj.L, R - 1, 2 ** 253]:
        cs, out, _ = _var_mul(k, q)
        assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.scalar_mul(k, q), k


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 9])
def test_var_base_mul_every_short_scalar(n):
    for q in (bj.mul_base8(31337), bj.IDENTITY):
        for k in range(1 << n):
            cs, out, cost = _var_mul(k, q, n)
            assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.scalar_mul(k, q)
    assert cost == 6 * n + 12 + (2 if n % 2 else 0) - (1 if n == 2 else 0)


def test_var_base_mul_takes_only_subgroup_points():
    cs = ConstraintSystem(solve=False)
    bits = [cs.witness(f"b{i}") for i in range(8)]
    with pytest.raises(TypeError):
        gm.var_base_mul(cs, bits, (cs.witness("x"), cs.witness("y")))
    gm.var_base_mul(cs, bits, g.subgroup_constant(bj.BASE8))


def test_var_base_tampered_step_fails_at_named_constraint():
    cs, out, _ = _var_mul(2 ** 200 + 12345, bj.mul_base8(99))
    assert cs.which_is_unsatisfied() is None
    cs.set_value(_var(cs, "var_base.chain.step100.w[0]"), 1)  # the first slope
    assert cs.which_is_unsatisfied() == "var_base.chain.step100.lambda1"


def test_double_add_step_equals_native():
    acc_e, q_e = bj.mul_base8(1000), bj.mul_base8(7)
    for b in (0, 1):
        cs = ConstraintSystem()
        acc = tuple(cs.witness(f"a{i}", v) for i, v in enumerate(_mont(acc_e)))
        q = tuple(cs.witness(f"q{i}", v) for i, v in enumerate(_mont(q_e)))
        out = gm._double_add_step(cs, acc, q, cs.witness("b", b))
        assert cs.which_is_unsatisfied() is None and cs.num_constraints == 6
        assert _val(cs, out) == _mont(bj.add(bj.double(acc_e), q_e if b else bj.neg(q_e)))


def test_shape_mode_has_the_same_constraints():
    def build(cs, solve):
        k = cs.witness("k", 99 if solve else None)
        p = (cs.witness("x", bj.GENERATOR[0] if solve else None), cs.witness("y", bj.GENERATOR[1] if solve else None))
        bits = bits_le(cs, k, 20)
        gm.var_base_mul(cs, bits, g.mul_cofactor(cs, p))
        gm.fixed_base_mul(cs, bits, bj.BASE8)
    a, b = ConstraintSystem(solve=True), ConstraintSystem(solve=False)
    build(a, True)
    build(b, False)
    assert a.constraint_names() == b.constraint_names()
    assert a.to_r1cs().is_satisfied(a.witness_values())
