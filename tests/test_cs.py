"""The constraint-system DSL: linear combinations, constraints, modes, wire order, names."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import (LC, ConstraintSystem, UnsatisfiedConstraint, as_lc, compile_circuit,
                         lc_sum, solve_circuit, weighted_sum)
from circuits.field import R

felt = st.integers(min_value=0, max_value=R - 1)
small = st.integers(min_value=-(2 ** 70), max_value=2 ** 70)


def _eval(cs, lc):
    """Evaluate an LC from the variable values (independent of the cached value)."""
    return sum(c * cs._values[v] for v, c in lc.terms.items()) % R


@settings(max_examples=50, deadline=None)
@given(felt, felt, small, small)
def test_lc_arithmetic_matches_integers_mod_r(x, y, k, m):
    cs = ConstraintSystem()
    a, b = cs.witness("a", x), cs.witness("b", y)
    exprs = {
        "add": (a + b, x + y), "sub": (a - b, x - y), "rsub": (k - a, k - x),
        "scale": (k * a + b * m, k * x + y * m), "neg": (-a, -x), "const": (a + k, x + k),
        "cancel": (a - a + b, y), "sum": (sum([a, b, 3]), x + y + 3),
        "lc_sum": (lc_sum([a, b, k]), x + y + k), "weighted": (weighted_sum([k, m, 5], [a, b, 1]), k * x + m * y + 5),
    }
    for name, (lc, expect) in exprs.items():
        assert cs.value(lc) == expect % R, name
        assert _eval(cs, lc) == expect % R, name
        assert all(0 < c < R for c in lc.terms.values()), name


def test_lc_drops_cancelled_terms_and_costs_no_constraint():
    cs = ConstraintSystem()
    a = cs.witness("a", 4)
    lc = 3 * a + 2 - 3 * a - 2
    assert lc.terms == {} and lc.is_constant() and lc.constant_value() == 0
    assert cs.num_constraints == 0


def test_lc_times_lc_and_truth_value_are_refused():
    cs = ConstraintSystem()
    a = cs.witness("a", 4)
    with pytest.raises(TypeError, match="cs.mul"):
        a * a
    with pytest.raises(TypeError, match="truth value"):
        bool(a)
    with pytest.raises(TypeError):
        a + 1.5


def test_enforce_names_with_nested_namespaces_and_which_is_unsatisfied():
    cs = ConstraintSystem()
    x = cs.witness("x", 3)
    y = cs.witness("y", 10)  # wrong: 3*3 != 10
    with cs.namespace("merkle"):
        with cs.namespace("level3"):
            cs.enforce(x, x, 9, name="ok")
            cs.enforce(x, x, y, name="sq")
    assert cs.num_constraints == 2
    assert cs.which_is_unsatisfied() == "merkle.level3.sq"
    assert cs.first_unsatisfied() == 1
    cs.set_value(y, 9)
    assert cs.which_is_unsatisfied() is None
    cs.set_value(x, 4)
    assert cs.which_is_unsatisfied() == "merkle.level3.ok"
    assert cs.value(x + 1) == 5  # recomputed after tampering


def test_a_variable_is_found_by_its_full_name_and_can_be_overwritten():
    cs = ConstraintSystem()
    with cs.namespace("slot0"):
        x = cs.witness("x", 3)
        cs.enforce(x, x, 9, name="sq")
    v = cs.variable("slot0.x")
    assert v.single_var() == x.single_var() and cs.value(v) == 3
    cs.set_value(v, 4)
    assert cs.which_is_unsatisfied() == "slot0.sq"
    with pytest.raises(KeyError):
        cs.variable("x")                 # the name without its namespace is another name


def test_strict_mode_raises_at_the_failing_enforce():
    cs = ConstraintSystem(strict=True)
    x = cs.witness("x", 2)
    with cs.namespace("g"):
        with pytest.raises(UnsatisfiedConstraint, match="g.bad"):
            cs.enforce(x, x, 5, name="bad")


def test_compile_mode_never_calls_values_or_hints():
    def boom(*_):
        raise AssertionError("called while compiling")

    cs = ConstraintSystem(solve=False)
    x = cs.public("x", boom)
    w = cs.witness("w", boom)
    h = cs.hint(boom, x, w, n_out=2, name="h")
    assert len(h) == 2
    cs.enforce(h[0], h[1], x + w)
    assert not cs.solving and cs.num_constraints == 1
    with pytest.raises(RuntimeError):
        cs.value(x)
    with pytest.raises(RuntimeError):
        cs.witness_values()


def test_solving_requires_values():
    cs = ConstraintSystem()
    with pytest.raises(ValueError, match="needs a value"):
        cs.witness("w")


def test_hint_gets_values_lists_and_passes_other_args():
    cs = ConstraintSystem()
    a, b = cs.witness("a", 6), cs.witness("b", 7)
    q, r = cs.hint(lambda xs, m: divmod(sum(xs), m), [a, b, 1], 5, n_out=2, name="divmod")
    assert (cs.value(q), cs.value(r)) == (2, 4)
    one = cs.hint(lambda v: v + 1, a)
    assert isinstance(one, LC) and cs.value(one) == 7
    with pytest.raises(ValueError, match="returned 1 values"):
        cs.hint(lambda v: [v], a, n_out=2)
    with pytest.raises(ValueError, match="returned 1 values"):
        cs.hint(lambda v: v, a, n_out=2)


def test_mul_and_constants():
    cs = ConstraintSystem()
    a, b = cs.witness("a", 6), cs.witness("b", 7)
    p = cs.mul(a, b)
    assert cs.value(p) == 42 and cs.num_constraints == 1
    q = cs.mul(a, 5)            # constant operand: free
    r = cs.mul(cs.constant(3), b)
    assert cs.value(q) == 30 and cs.value(r) == 21 and cs.num_constraints == 1
    cs.assert_equal(p, 42)
    cs.assert_zero(p - 42)
    assert cs.which_is_unsatisfied() is None
    assert as_lc(R + 2).constant_value() == 2


def _mixed_circuit(cs, x=None, y=None, s=None):
    w = cs.witness("w", lambda: x * x % R)
    px = cs.public("x", x)                 # a public allocated after a private
    cs.enforce(px, px, w, name="square")
    py = cs.public("y", y)
    with cs.namespace("sum"):
        ws = cs.witness("s", s)
        cs.enforce(w + py, 1, ws, name="add")


def test_publics_renumbered_first_and_witness_in_wire_order():
    r1cs = compile_circuit(_mixed_circuit)
    assert r1cs.n_public == 2 and r1cs.n_wires == 5 and r1cs.n_constraints == 2
    assert r1cs.wire_names == ["one", "x", "y", "w", "sum.s"]
    assert r1cs.constraint_names == ["square", "sum.add"]
    r1cs2, wit = solve_circuit(_mixed_circuit, 3, 4, 13)
    assert wit == [1, 3, 4, 9, 13]
    assert r1cs2.is_satisfied(wit)
    # compile and solve give the same matrices
    for m in "ABC":
        a, b = getattr(r1cs, m), getattr(r1cs2, m)
        assert a.rows() == b.rows()
    with pytest.raises(UnsatisfiedConstraint, match="sum.add"):
        solve_circuit(_mixed_circuit, 3, 4, 14)
    bad = solve_circuit(_mixed_circuit, 3, 4, 14, check=False)[1]
    assert r1cs.which_is_unsatisfied(bad) == "#1 sum.add"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.booleans(), felt), min_size=1, max_size=12))
def test_r1cs_agrees_with_cs_on_random_circuits(spec):
    """Random interleavings of publics/privates and product constraints: R1CS and cs agree."""
    cs = ConstraintSystem()
    vs = [cs.public(f"p{i}", v) if pub else cs.witness(f"w{i}", v) for i, (pub, v) in enumerate(spec)]
    for i in range(len(vs) - 1):
        cs.mul(vs[i] + 1, 2 * vs[i + 1] - 7, name=f"m{i}")
    r1cs, wit = cs.to_r1cs(), cs.witness_values()
    assert r1cs.n_public == sum(p for p, _ in spec)
    assert wit[1:1 + r1cs.n_public] == [v for p, v in spec if p] == cs.public_values()
    assert r1cs.is_satisfied(wit) and cs.is_satisfied()


@settings(max_examples=30, deadline=None)
@given(st.lists(felt, min_size=2, max_size=8), st.lists(st.integers(0, 7), max_size=4), felt)
def test_eager_failure_record_agrees_with_full_evaluation(vals, wrong, delta):
    """Where enforce records the first failure while solving is where the R1CS fails."""
    cs = ConstraintSystem()
    vs = [cs.witness(f"w{i}", v) for i, v in enumerate(vals)]
    for i in range(len(vs) - 1):
        p = cs.mul(vs[i], vs[i + 1], name=f"p{i}")
        off = delta if i in wrong else 0
        cs.enforce(vs[i], vs[i + 1], p + off, name=f"c{i}")
    r1cs, wit = cs.to_r1cs(), cs.witness_values()
    expect = r1cs.first_unsatisfied(wit)
    assert cs.first_unsatisfied() == expect
    cs.set_value(vs[0], vals[0])  # forces the full re-evaluation path
    assert cs.first_unsatisfied() == expect


def test_set_value_rejects_non_variables():
    cs = ConstraintSystem()
    a = cs.witness("a", 1)
    with pytest.raises(ValueError):
        cs.set_value(a + 1, 3)
    with pytest.raises(ValueError):
        cs.set_value(2 * a, 3)


def test_namespace_rejects_dotted_or_empty_names():
    cs = ConstraintSystem()
    with pytest.raises(ValueError):
        with cs.namespace("a.b"):
            pass
    with pytest.raises(ValueError):
        with cs.namespace(""):
            pass


def _export(tmp_path):
    cs = ConstraintSystem()
    _mixed_circuit(cs, 3, 4, 13)
    from circuits.gadgets import bits_le, is_zero
    with cs.namespace("g"):
        bits_le(cs, cs.witness("v", 200), 8)
        is_zero(cs, cs.witness("z", 0))
    r1cs_path, wtns_path = tmp_path / "c.r1cs", tmp_path / "c.wtns"
    cs.export_circom(r1cs_path, wtns_path)
    return cs, r1cs_path, wtns_path


def test_export_circom_round_trips(tmp_path):
    from circuits.circom_io import read_r1cs, read_wtns
    cs, r1cs_path, wtns_path = _export(tmp_path)
    r1cs, wit = read_r1cs(r1cs_path), read_wtns(wtns_path)
    ours = cs.to_r1cs()
    assert wit == cs.witness_values() and r1cs.n_public == ours.n_public == 2
    assert r1cs.n_wires == ours.n_wires and r1cs.is_satisfied(wit)
    for m in "ABC":
        assert getattr(r1cs, m).rows() == getattr(ours, m).rows()


@pytest.mark.node
def test_exported_circuit_passes_snarkjs_wtns_check(tmp_path, snarkjs):
    """Needs snarkjs (see tests/conftest.py); skipped otherwise."""
    import subprocess
    cs, r1cs_path, wtns_path = _export(tmp_path)

    def check(wtns):
        res = subprocess.run(snarkjs + ["wtns", "check", str(r1cs_path), str(wtns)],
                             capture_output=True, text=True, timeout=120)
        return res.returncode, res.stdout + res.stderr

    rc, out = check(wtns_path)
    assert rc == 0 and "WITNESS IS CORRECT" in out, out
    from circuits.circom_io import write_wtns
    bad = cs.witness_values()
    bad[-1] = (bad[-1] + 1) % R
    write_wtns(bad, tmp_path / "bad.wtns")
    rc, out = check(tmp_path / "bad.wtns")
    assert "WITNESS IS NOT CORRECT" in out, out


def _two_squares(cs, x=3, y=9, z=5):
    xv, yv = cs.witness("x", x), cs.public("y", y)
    with cs.namespace("sq"):
        cs.enforce(xv, xv, yv, name="xx")
        zv = cs.witness("z", z)
        cs.enforce(zv, zv, cs.mul(zv, zv, name="zz"), name="again")


@pytest.mark.parametrize("x, y, failing", [(3, 9, None), (3, 10, "sq.xx"), (4, 9, "sq.xx")])
def test_unrecorded_solve_gives_the_same_witness_count_and_first_failure(x, y, failing):
    full, bare = ConstraintSystem(solve=True), ConstraintSystem(solve=True, record=False)
    _two_squares(full, x, y)
    _two_squares(bare, x, y)
    assert bare.witness_values() == full.witness_values()
    assert bare.num_constraints == full.num_constraints == 3
    assert bare.which_is_unsatisfied() == full.which_is_unsatisfied() == failing


def test_unrecorded_solve_refuses_what_needs_the_rows():
    cs = ConstraintSystem(solve=True, record=False)
    _two_squares(cs)
    for call in (cs.to_r1cs, cs.wire_names, cs.constraint_names, lambda: cs.set_value(1, 2),
                 lambda: cs.variable("x"), lambda: cs.constraint_name(0)):
        with pytest.raises(RuntimeError, match="record"):
            call()
    with pytest.raises(ValueError, match="only while solving"):
        ConstraintSystem(solve=False, record=False)
