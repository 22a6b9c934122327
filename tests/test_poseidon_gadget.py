"""In-circuit Poseidon: known answers, equality with the native hash, cost, tampering."""
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuits import poseidon as native
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets.poseidon import cost, poseidon, poseidon_permute, poseidon_sponge

VECTORS = json.loads((Path(__file__).parent / "vectors" / "poseidon.json").read_text())["vectors"]
felt = st.integers(min_value=0, max_value=R - 1)
element = st.one_of(felt, st.sampled_from([0, 1, R - 1, 2 ** 253, 2 ** 64 - 1]))

# circomlib's Poseidon(n) constraint counts, n = 1..16 (2 inputs: 240)
EXPECTED_COST = [213, 240, 261, 297, 321, 354, 381, 402, 417, 459, 465, 504, 543, 537, 573, 609]


def _hash_circuit(values, solve=True):
    cs = ConstraintSystem(solve=solve)
    xs = [cs.witness(f"in{i}", v) for i, v in enumerate(values)]
    out = poseidon(cs, xs)
    return cs, out


def _var(cs, name):
    """Internal index of a private variable by full name (no publics: wire order = allocation order)."""
    assert cs.num_public == 0
    return cs.wire_names().index(name)


@pytest.mark.parametrize("vec", VECTORS, ids=lambda v: f"{len(v['inputs'])}in-{v['inputs'][0][:6]}")
def test_gadget_equals_circomlibjs_known_answer(vec):
    inputs = [int(x) for x in vec["inputs"]]
    cs, out = _hash_circuit(inputs)
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == int(vec["output"])
    assert cs.num_constraints == cost(len(inputs)) == EXPECTED_COST[len(inputs) - 1]


@settings(max_examples=25, deadline=None)
@given(st.lists(element, min_size=1, max_size=16))
def test_gadget_equals_native_poseidon(values):
    cs, out = _hash_circuit(values)
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == native.poseidon(values)


@pytest.mark.parametrize("n", [1, 2, 5, 16])
def test_compiled_shape_equals_solved_shape_and_witness_satisfies_r1cs(n):
    solved, _ = _hash_circuit(list(range(1, n + 1)))
    shaped, _ = _hash_circuit([None] * n, solve=False)
    a, b = solved.to_r1cs(), shaped.to_r1cs()
    for m in "ABC":
        ma, mb = getattr(a, m), getattr(b, m)
        assert np.array_equal(ma.indptr, mb.indptr) and np.array_equal(ma.indices, mb.indices)
        assert np.array_equal(ma.coeffs, mb.coeffs)
    assert a.is_satisfied(solved.witness_values())


def test_two_input_hash_is_as_sparse_as_circom():
    cs, _ = _hash_circuit([None, None], solve=False)
    r1cs = cs.to_r1cs(names=False)
    nnz = r1cs.A.nnz + r1cs.B.nnz + r1cs.C.nnz
    # circom 2.2.3 --O2 on circomlib's Poseidon(2): about 3,040 nonzeros
    assert nnz <= 3300


@pytest.mark.parametrize("name, first_failing", [
    ("poseidon.round0.sbox1.x4", "poseidon.round0.sbox1.x4"),        # full round
    ("poseidon.round3.sbox2.x5", "poseidon.round3.sbox2.x5"),
    ("poseidon.round10.sbox0.in", "poseidon.round9.sbox0.x5"),       # partial round input
    ("poseidon.round30.sbox0.x2", "poseidon.round30.sbox0.x2"),
    ("poseidon.round64.sbox0.x5", "poseidon.round64.sbox0.x5"),      # last round
])
def test_tampered_witness_fails_at_named_constraint(name, first_failing):
    cs, _ = _hash_circuit([3, 4])
    v = _var(cs, name)
    cs.set_value(v, cs.witness_values()[v] + 1)
    assert cs.which_is_unsatisfied() == first_failing


def test_constant_inputs_cost_less_and_all_constant_costs_nothing():
    cs = ConstraintSystem()
    x = cs.witness("x", 5)
    out = poseidon(cs, [x, 7])
    assert cs.value(out) == native.poseidon([5, 7])
    assert cs.num_constraints == cost(2) - 3
    cs = ConstraintSystem()
    out = poseidon(cs, [5, 7])
    assert cs.num_constraints == 0 and out.constant_value() == native.poseidon([5, 7])


def test_namespaces_prefix_constraint_names():
    cs = ConstraintSystem()
    with cs.namespace("merkle"):
        poseidon(cs, [cs.witness("a", 1), cs.witness("b", 2)], name="h")
    assert cs.constraint_name(0) == "merkle.h.round0.sbox1.x2"


@pytest.mark.parametrize("bad", [[], list(range(17))])
def test_gadget_rejects_wrong_input_count(bad):
    cs = ConstraintSystem()
    with pytest.raises(ValueError, match="1..16 inputs"):
        poseidon(cs, [cs.witness(f"x{i}", v) for i, v in enumerate(bad)])


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=2, max_value=17).flatmap(
    lambda t: st.lists(element, min_size=t, max_size=t)))
def test_permutation_gadget_equals_native_permutation(state):
    cs = ConstraintSystem()
    out = poseidon_permute(cs, [cs.witness(f"s{i}", v) for i, v in enumerate(state)])
    assert cs.which_is_unsatisfied() is None
    assert [cs.value(o) for o in out] == native.permute_reference(state)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 15, 16, 17, 33])
def test_sponge_gadget_equals_native_sponge(n):
    values = [(i * 0x9E3779B97F4A7C15 + 1) % R for i in range(n)]
    cs = ConstraintSystem()
    out = poseidon_sponge(cs, [cs.witness(f"v{i}", v) for i, v in enumerate(values)])
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == native.poseidon_sponge(values)
    blocks = max(1, -(-n // native.SPONGE_RATE))
    assert cs.num_constraints <= blocks * (cost(native.SPONGE_WIDTH - 1) + 3)   # a full-width block
