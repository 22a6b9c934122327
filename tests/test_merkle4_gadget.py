"""The 4-ary tree: its spec (digits, sibling order, defaults, root from a path) against an
independently built full tree, and the path gadgets against the spec (roots, membership,
update, cost, tampering, edges)."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import bits as bits_mod
from circuits.gadgets.merkle4 import (LEVEL_COST, merkle4_root, merkle4_root_unchecked, merkle4_update,
                                      merkle4_update_cost, merkle4_verify, path_cost, place)
from circuits.poseidon import poseidon
from circuits.spec import tree

felt = st.integers(min_value=0, max_value=R - 1)
element = st.one_of(felt, st.sampled_from([0, 1, R - 1]))


def _full_tree(leaves, depth):
    """Every level of the complete 4-ary tree over `leaves` padded with 0 to 4^levels,
    built node by node from the definition (parent p = Poseidon of children 4p..4p+3)."""
    n = 4 ** tree.levels(depth)
    levels = [list(leaves) + [0] * (n - len(leaves))]
    while len(levels[-1]) > 1:
        lv = levels[-1]
        levels.append([poseidon(lv[i:i + 4]) for i in range(0, len(lv), 4)])
    return levels


def _path(levels, index):
    """The flat path of `index`: per level the partner in its pair, then the other pair."""
    out = []
    for k in range(len(levels) - 1):
        p = index >> (2 * k)
        base = p & ~3
        d = p & 3
        out += [levels[k][base + (d ^ 1)], levels[k][base + ((d & 2) ^ 2)], levels[k][base + ((d & 2) ^ 2) + 1]]
    return out


def _tamper(cs, name, delta=1):
    v = cs.wire_names().index(name)
    cs.set_value(v, cs.witness_values()[v] + delta)


LEAVES = [(i * 7919 + 3) % R for i in range(16)]
LEVELS = _full_tree(LEAVES, 4)
ROOT = LEVELS[-1][0]
LEAVES3 = LEAVES[:8]                          # odd depth 3: leaves 8..15 stay empty
LEVELS3 = _full_tree(LEAVES3, 3)


# ---- spec ---------------------------------------------------------------------------------

@pytest.mark.parametrize("index", range(16))
def test_spec_root_from_path_equals_full_tree_root_for_every_digit(index):
    assert tree.root_from_path(LEAVES[index], index, _path(LEVELS, index)) == ROOT
    assert tree.path_nodes(LEAVES[index], index, _path(LEVELS, index)) == [
        LEVELS[1][index >> 2], ROOT]


@pytest.mark.parametrize("index", range(8))
def test_spec_odd_depth_is_the_even_tree_with_high_leaves_empty(index):
    path = _path(LEVELS3, index)
    # top level: the partner, then the other pair, which holds empty subtrees
    assert path[3] == LEVELS3[1][(index >> 2) ^ 1] and path[4:] == [tree.default_node(1)] * 2
    assert tree.root_from_path(LEAVES3[index], index, path, depth=3) == LEVELS3[-1][0]
    with pytest.raises(ValueError, match="index"):
        tree.root_from_path(0, 8 + index, path, depth=3)


@pytest.mark.parametrize("d", range(4))
def test_children_places_node_at_digit_and_siblings_by_pair(d):
    kids = tree.children(100, d, [1, 2, 3])
    assert kids[d] == 100 and sorted(kids) == [1, 2, 3, 100]
    assert kids[d ^ 1] == 1                            # s0: the partner in the pair
    other = [kids[i] for i in range(4) if i // 2 != d // 2]
    assert other == [2, 3]                             # s1, s2: the other pair, left to right
    assert tree.siblings_of(kids, d) == [1, 2, 3]


def test_digits_are_base4_least_significant_first():
    index = 0b11_10_01_00
    assert [tree.digit(index, k) for k in range(4)] == [0, 1, 2, 3]


def test_default_nodes_and_empty_root():
    assert tree.default_node(0) == 0
    assert tree.default_node(1) == poseidon([0, 0, 0, 0])
    assert tree.default_node(2) == poseidon([tree.default_node(1)] * 4)
    assert tree.empty_root(4) == _full_tree([], 4)[-1][0] == tree.empty_root(3)
    assert tree.empty_root(0) == 0
    assert [tree.levels(d) for d in (0, 1, 2, 3, 8, 23, 24, 32)] == [0, 1, 1, 2, 4, 12, 12, 16]
    assert tree.path_length(24) == 36
    with pytest.raises(ValueError, match="height"):
        tree.default_node(tree.MAX_LEVELS + 1)


@pytest.mark.parametrize("leaf, index, siblings, depth, match", [
    (1, 4, [0, 0, 0], None, "index"), (1, -1, [0, 0, 0], None, "index"),
    (1, 2, [0, 0, 0], 1, "index"), (1, True, [0, 0, 0], None, "index"),
    (1, 0, [0, 0], None, "3 siblings per level"), (1, 0, [0, 0, 0], 3, "paths of 6 siblings"),
    (1, 0, [0] * 3, 33, "depth"), (R, 0, [0, 0, 0], None, "leaf"), (1, 0, [0, R, 0], None, "sibling"),
])
def test_spec_rejects_bad_path(leaf, index, siblings, depth, match):
    with pytest.raises(ValueError, match=match):
        tree.root_from_path(leaf, index, siblings, depth)


# ---- gadget: placement ----------------------------------------------------------------------

@pytest.mark.parametrize("d", range(4))
def test_place_equals_spec_children_for_every_digit(d):
    cs = ConstraintSystem()
    b0, b1 = cs.witness("b0", d & 1), cs.witness("b1", d >> 1)
    kids = place(cs, cs.witness("x", 100), b0, b1, [cs.witness(f"s{j}", j + 1) for j in range(3)])
    assert [cs.value(c) for c in kids] == tree.children(100, d, [1, 2, 3])
    assert cs.num_constraints == 3 and cs.which_is_unsatisfied() is None


def test_place_costs_one_on_a_half_level_and_none_with_constant_bits():
    cs = ConstraintSystem()
    kids = place(cs, cs.witness("x", 100), cs.witness("b0", 1), 0, [cs.witness(f"s{j}", j + 1) for j in range(3)])
    assert [cs.value(c) for c in kids] == tree.children(100, 1, [1, 2, 3]) and cs.num_constraints == 1
    cs = ConstraintSystem()
    kids = place(cs, cs.witness("x", 100), 0, 1, [cs.witness(f"s{j}", j + 1) for j in range(3)])
    assert [cs.value(c) for c in kids] == tree.children(100, 2, [1, 2, 3]) and cs.num_constraints == 0


# ---- gadget: roots, membership, update ---------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=7).flatmap(lambda d: st.tuples(
    st.just(d), element, st.integers(min_value=0, max_value=2 ** d - 1),
    st.lists(element, min_size=tree.path_length(d), max_size=tree.path_length(d)))))
def test_gadget_root_equals_native_twin_at_even_and_odd_depths(case):
    depth, leaf, index, siblings = case
    cs = ConstraintSystem()
    root = merkle4_root(cs, cs.witness("leaf", leaf), cs.witness("index", index),
                        [cs.witness(f"s{k}", s) for k, s in enumerate(siblings)], depth=depth)
    assert cs.which_is_unsatisfied() is None
    assert cs.value(root) == tree.root_from_path(leaf, index, siblings, depth)
    assert cs.num_constraints == depth + 1 + path_cost(depth)


def _verify_circuit(index=6, leaf=None, root=ROOT, sib=None, levels=LEVELS, leaves=LEAVES, depth=4, at=None):
    """Membership of leaf `index` (its value and path) claimed at `at` (default: index),
    with one thing changed."""
    cs = ConstraintSystem()
    path = _path(levels, index)
    if sib is not None:
        path[sib] = (path[sib] + 1) % R
    merkle4_verify(cs, cs.witness("leaf", leaves[index] if leaf is None else leaf),
                   cs.witness("index", index if at is None else at),
                   [cs.witness(f"s{k}", s) for k, s in enumerate(path)], cs.witness("root", root), depth=depth)
    return cs


@pytest.mark.parametrize("index", range(16))
def test_verify_accepts_every_member_of_full_tree(index):
    cs = _verify_circuit(index)
    assert cs.which_is_unsatisfied() is None
    assert cs.num_constraints == 2 * LEVEL_COST + 4 + 2


@pytest.mark.parametrize("index", range(8))
def test_verify_accepts_every_member_of_odd_depth_tree(index):
    cs = _verify_circuit(index, levels=LEVELS3, leaves=LEAVES3, root=LEVELS3[-1][0], depth=3)
    assert cs.which_is_unsatisfied() is None
    assert cs.num_constraints == LEVEL_COST + (LEVEL_COST - 2) + 3 + 2


@pytest.mark.parametrize("kwargs", [dict(leaf=12345), dict(root=ROOT + 1), dict(at=7), dict(at=2)]
                         + [dict(sib=j) for j in range(6)])
def test_verify_rejects_wrong_leaf_root_index_or_any_sibling(kwargs):
    assert _verify_circuit(**kwargs).which_is_unsatisfied() == "merkle4.root"


def test_index_outside_tree_fails_at_index_sum():
    # 22 = 16 + 6: the low 4 bits give leaf 6's valid path, but 22 >= 2^4
    assert _verify_circuit(at=16 + 6).which_is_unsatisfied() == "merkle4.index.sum"
    assert _verify_circuit(at=R - 1).which_is_unsatisfied() == "merkle4.index.sum"
    # odd depth: 13 = 8 + 5 is a valid 2-level path (digit 3 on top) but outside the 2^3 tree
    assert _verify_circuit(index=5, at=8 + 5, levels=LEVELS3, leaves=LEAVES3, root=LEVELS3[-1][0],
                           depth=3).which_is_unsatisfied() == "merkle4.index.sum"


@pytest.mark.parametrize("name, delta, first_failing", [
    ("merkle4.index.b[0]", 1, "merkle4.index.sum"),    # bit flipped 0 -> 1: another index
    ("merkle4.index.b[1]", 1, "merkle4.index.bool1"),  # 1 -> 2: not a bit
    ("merkle4.index.b[2]", 2, "merkle4.index.bool2"),  # not a bit
    ("merkle4.path.level1.pair", 1, "merkle4.path.level1.pair"),
    ("merkle4.path.level0.left", 1, "merkle4.path.level0.left"),
    ("merkle4.path.level1.right", 1, "merkle4.path.level1.right"),
    ("merkle4.path.level0.poseidon.round2.sbox1.x5", 1, "merkle4.path.level0.poseidon.round2.sbox1.x5"),
])
def test_tampered_witness_fails_at_named_constraint(name, delta, first_failing):
    cs = _verify_circuit()                    # index 6 = digits (2, 1)
    assert cs.which_is_unsatisfied() is None
    _tamper(cs, name, delta)
    assert cs.which_is_unsatisfied() == first_failing


def test_non_boolean_bits_with_the_right_sum_fail_at_bool(monkeypatch):
    # a cheating prover decomposes 6 as (2, 2, 0, 0) (2 + 2*2 = 6): the digits would mix children
    monkeypatch.setattr(bits_mod, "_low_bits", lambda v, n: [2, 2] + [0] * (n - 2))
    assert _verify_circuit().which_is_unsatisfied() == "merkle4.index.bool0"


def test_unchecked_variant_trusts_boolean_bits_and_checks_shapes():
    cs = ConstraintSystem()
    bits = [cs.witness(f"b{k}", (9 >> k) & 1) for k in range(4)]
    root = merkle4_root_unchecked(cs, cs.witness("leaf", LEAVES[9]), bits,
                                  [cs.witness(f"s{k}", s) for k, s in enumerate(_path(LEVELS, 9))])
    assert cs.value(root) == ROOT and cs.which_is_unsatisfied() is None
    assert cs.num_constraints == 2 * LEVEL_COST
    with pytest.raises(ValueError, match="2 index bits per level"):
        merkle4_root_unchecked(cs, 1, bits[:2], [0] * 6)
    with pytest.raises(ValueError, match="3 siblings per level"):
        merkle4_root_unchecked(cs, 1, bits, [0] * 5)


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=15), element)
def test_update_returns_native_root_with_new_leaf(index, new_leaf):
    cs = ConstraintSystem()
    new_root = merkle4_update(cs, cs.witness("old", LEAVES[index]), cs.witness("new", new_leaf),
                              cs.witness("index", index),
                              [cs.witness(f"s{k}", s) for k, s in enumerate(_path(LEVELS, index))],
                              cs.witness("root", ROOT))
    assert cs.which_is_unsatisfied() is None
    leaves = list(LEAVES)
    leaves[index] = new_leaf
    assert cs.value(new_root) == _full_tree(leaves, 4)[-1][0]
    assert cs.num_constraints == merkle4_update_cost(4)


def test_update_with_wrong_old_leaf_fails_at_old_root():
    cs = ConstraintSystem()
    merkle4_update(cs, cs.witness("old", LEAVES[15] + 1), cs.witness("new", 0), cs.witness("index", 15),
                   [cs.witness(f"s{k}", s) for k, s in enumerate(_path(LEVELS, 15))], cs.witness("root", ROOT))
    assert cs.which_is_unsatisfied() == "merkle4_update.old_root"


def test_depth_zero_tree_is_its_leaf():
    cs = ConstraintSystem()
    merkle4_verify(cs, cs.witness("leaf", 42), cs.witness("index", 0), [], cs.witness("root", 42))
    assert cs.which_is_unsatisfied() is None
    cs = ConstraintSystem()
    merkle4_verify(cs, cs.witness("leaf", 42), cs.witness("index", 1), [], cs.witness("root", 42))
    assert cs.which_is_unsatisfied() == "merkle4.index.sum"


def test_costs_at_depth_8_16_24():
    assert LEVEL_COST == 300
    assert [path_cost(d) for d in (8, 16, 23, 24)] == [1200, 2400, 3598, 3600]
    cs = ConstraintSystem(solve=False)
    merkle4_update(cs, cs.witness("old"), cs.witness("new"), cs.witness("index"),
                   [cs.witness(f"s{k}") for k in range(36)], cs.witness("root"))
    assert cs.num_constraints == merkle4_update_cost(24) == 7_226
