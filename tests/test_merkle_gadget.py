"""Merkle path gadgets and their native twin: roots, membership, update, cost, tampering."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets.merkle import (LEVEL_COST, merkle_root, merkle_root_unchecked,
                                     merkle_update, merkle_update_cost, merkle_verify)
from circuits.merkle_native import merkle_root_from_path
from circuits.poseidon import poseidon

felt = st.integers(min_value=0, max_value=R - 1)
element = st.one_of(felt, st.sampled_from([0, 1, R - 1]))


def _full_tree(leaves):
    """All levels of a complete tree, leaves first (independent of the path code)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        lv = levels[-1]
        levels.append([poseidon([lv[i], lv[i + 1]]) for i in range(0, len(lv), 2)])
    return levels


def _path(levels, index):
    return [levels[k][(index >> k) ^ 1] for k in range(len(levels) - 1)]


def _var(cs, name):
    assert cs.num_public == 0
    return cs.wire_names().index(name)


def _tamper(cs, name, delta=1):
    v = _var(cs, name)
    cs.set_value(v, cs.witness_values()[v] + delta)


LEAVES = [(i * 7919 + 3) % R for i in range(8)]
LEVELS = _full_tree(LEAVES)
ROOT = LEVELS[-1][0]


@pytest.mark.parametrize("index", range(8))
def test_native_root_from_path_equals_full_tree_root(index):
    assert merkle_root_from_path(LEAVES[index], index, _path(LEVELS, index)) == ROOT


def test_index_bit_one_means_right_child():
    assert merkle_root_from_path(5, 1, [9]) == poseidon([9, 5])
    assert merkle_root_from_path(5, 0, [9]) == poseidon([5, 9])
    assert merkle_root_from_path(5, 0, []) == 5


@pytest.mark.parametrize("leaf, index, siblings, match", [
    (1, 2, [0], "index"), (1, -1, [0], "index"), (1, 1.0, [0], "index"),
    (R, 0, [0], "leaf"), (1, 0, [R], "sibling"),
])
def test_native_rejects_bad_path(leaf, index, siblings, match):
    with pytest.raises(ValueError, match=match):
        merkle_root_from_path(leaf, index, siblings)


@pytest.mark.parametrize("index", [0, 5, 7])
def test_verify_accepts_member_of_full_tree(index):
    cs = ConstraintSystem()
    sib = [cs.witness(f"sib{k}", s) for k, s in enumerate(_path(LEVELS, index))]
    merkle_verify(cs, cs.witness("leaf", LEAVES[index]), cs.witness("index", index), sib,
                  cs.witness("root", ROOT))
    assert cs.which_is_unsatisfied() is None
    assert cs.num_constraints == 242 * 3 + 2


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=6).flatmap(lambda d: st.tuples(
    element, st.integers(min_value=0, max_value=2 ** d - 1),
    st.lists(element, min_size=d, max_size=d))))
def test_gadget_root_equals_native_twin(case):
    leaf, index, siblings = case
    cs = ConstraintSystem()
    root = merkle_root(cs, cs.witness("leaf", leaf), cs.witness("index", index),
                       [cs.witness(f"s{k}", s) for k, s in enumerate(siblings)])
    assert cs.which_is_unsatisfied() is None
    assert cs.value(root) == merkle_root_from_path(leaf, index, siblings)
    assert cs.num_constraints == len(siblings) * (LEVEL_COST + 1) + 1


def _verify_circuit(index=5, leaf=None, root=ROOT, sib_delta=0):
    """Membership of leaf 5 (its value and path), with one thing changed."""
    cs = ConstraintSystem()
    path = _path(LEVELS, 5)
    path[1] = (path[1] + sib_delta) % R
    merkle_verify(cs, cs.witness("leaf", LEAVES[5] if leaf is None else leaf),
                  cs.witness("index", index), [cs.witness(f"s{k}", s) for k, s in enumerate(path)],
                  cs.witness("root", root))
    return cs


@pytest.mark.parametrize("kwargs", [dict(leaf=12345), dict(root=ROOT + 1), dict(sib_delta=1),
                                    dict(index=4)])
def test_verify_rejects_wrong_leaf_root_sibling_or_index(kwargs):
    assert _verify_circuit(**kwargs).which_is_unsatisfied() == "merkle.root"


def test_index_outside_tree_fails_at_index_sum():
    # 13 = 8 + 5: the low 3 bits give a valid path, but 13 >= 2^3
    assert _verify_circuit(index=13).which_is_unsatisfied() == "merkle.index.sum"
    assert _verify_circuit(index=R - 1).which_is_unsatisfied() == "merkle.index.sum"


@pytest.mark.parametrize("name, delta, first_failing", [
    ("merkle.index.b[1]", 1, "merkle.index.sum"),      # bit flipped 0 -> 1: other index
    ("merkle.index.b[1]", 2, "merkle.index.bool1"),    # not a bit
    ("merkle.path.level2.swap", 1, "merkle.path.level2.swap"),
    ("merkle.path.level0.poseidon.round2.sbox1.x5", 1, "merkle.path.level0.poseidon.round2.sbox1.x5"),
])
def test_tampered_witness_fails_at_named_constraint(name, delta, first_failing):
    cs = _verify_circuit()
    assert cs.which_is_unsatisfied() is None
    _tamper(cs, name, delta)
    assert cs.which_is_unsatisfied() == first_failing


def test_unchecked_variant_trusts_boolean_bits():
    cs = ConstraintSystem()
    bits = [cs.witness(f"b{k}", (6 >> k) & 1) for k in range(3)]
    root = merkle_root_unchecked(cs, LEAVES[6], bits, _path(LEVELS, 6))
    assert cs.value(root) == ROOT and cs.which_is_unsatisfied() is None
    with pytest.raises(ValueError, match="one index bit per level"):
        merkle_root_unchecked(cs, 1, bits[:2], [0, 0, 0])


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=7), element)
def test_update_returns_native_root_with_new_leaf(index, new_leaf):
    cs = ConstraintSystem()
    path = _path(LEVELS, index)
    new_root = merkle_update(cs, cs.witness("old", LEAVES[index]), cs.witness("new", new_leaf),
                             cs.witness("index", index),
                             [cs.witness(f"s{k}", s) for k, s in enumerate(path)],
                             cs.witness("root", ROOT))
    assert cs.which_is_unsatisfied() is None
    leaves = list(LEAVES)
    leaves[index] = new_leaf
    assert cs.value(new_root) == _full_tree(leaves)[-1][0]
    assert cs.num_constraints == merkle_update_cost(3)


def test_update_with_wrong_old_leaf_fails_at_old_root():
    cs = ConstraintSystem()
    merkle_update(cs, cs.witness("old", LEAVES[2] + 1), cs.witness("new", 0), cs.witness("index", 2),
                  [cs.witness(f"s{k}", s) for k, s in enumerate(_path(LEVELS, 2))],
                  cs.witness("root", ROOT))
    assert cs.which_is_unsatisfied() == "merkle_update.old_root"


def test_depth_zero_tree_is_its_leaf():
    cs = ConstraintSystem()
    merkle_verify(cs, cs.witness("leaf", 42), cs.witness("index", 0), [], cs.witness("root", 42))
    assert cs.which_is_unsatisfied() is None
    cs = ConstraintSystem()
    merkle_verify(cs, cs.witness("leaf", 42), cs.witness("index", 1), [], cs.witness("root", 42))
    assert cs.which_is_unsatisfied() == "merkle.index.sum"


def test_depth_24_update_cost():
    cs = ConstraintSystem(solve=False)
    merkle_update(cs, cs.witness("old"), cs.witness("new"), cs.witness("index"),
                  [cs.witness(f"s{k}") for k in range(24)], cs.witness("root"))
    assert cs.num_constraints == merkle_update_cost(24) == 11_594
