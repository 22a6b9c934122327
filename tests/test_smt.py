"""Sparse 4-ary Poseidon Merkle tree and its Numba kernels: fast vs the spec's pure-Python
definition (`circuits.spec.tree`), proofs, defaults, odd depths, edges."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R, ints_to_limbs, limbs_to_ints
from circuits.poseidon import poseidon
from circuits.spec import tree
from zkrollup import poseidon_fast as pf
from zkrollup.smt import MAX_DEPTH, SparseMerkleTree, default_node, root_from_path

value = st.one_of(st.just(0), st.integers(1, R - 1), st.sampled_from([1, R - 1]))
element = st.one_of(st.integers(0, R - 1), st.sampled_from([0, 1, R - 1]))


def updates(depth):
    return st.lists(st.tuples(st.integers(0, 2 ** depth - 1), value), max_size=12)


def _full_root(leaves: dict, depth: int) -> int:
    """Root of the complete tree, every node hashed from its 4 children (no sparse storage)."""
    level = [leaves.get(i, 0) for i in range(4 ** tree.levels(depth))]
    while len(level) > 1:
        level = [poseidon(level[i:i + 4]) for i in range(0, len(level), 4)]
    return level[0]


# ---- kernels vs spec -------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.integers(0, 9).flatmap(lambda d: st.tuples(
    st.just(d), element, st.integers(0, 2 ** d - 1),
    st.lists(element, min_size=tree.path_length(d), max_size=tree.path_length(d)))))
def test_merkle4_path_kernel_equals_spec(case):
    depth, leaf, index, sibs = case
    assert pf.merkle4_path(leaf, index, sibs, depth) == tree.path_nodes(leaf, index, sibs, depth)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.lists(element, min_size=4, max_size=4), min_size=1, max_size=6))
def test_hash_quads_kernel_equals_reference(rows):
    kids = ints_to_limbs([v for r in rows for v in r]).reshape(-1, 4, 4)
    assert limbs_to_ints(pf.hash_quads_limbs(kids)) == [poseidon(r) for r in rows]


@pytest.mark.parametrize("args, match", [
    ((R, 0, [0, 0, 0]), "leaf"), ((0, 0, [0, R, 0]), "sibling"), ((0, 4, [0, 0, 0]), "index"),
    ((0, 0, [0, 0]), "3 siblings"), ((0, 2, [0, 0, 0], 1), "index"),
])
def test_merkle4_path_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        pf.merkle4_path(*args)


# ---- the tree --------------------------------------------------------------------------------

def test_default_nodes_are_the_specs():
    assert default_node(0) == 0
    assert default_node(1) == poseidon([0, 0, 0, 0])
    assert default_node(3) == poseidon([default_node(2)] * 4)
    assert SparseMerkleTree(32).root == default_node(16) == tree.empty_root(32)
    assert SparseMerkleTree(31).root == default_node(16)


@pytest.mark.parametrize("depth", [5, 6])
def test_fast_tree_equals_reference_tree_and_full_tree(depth):
    @settings(max_examples=15, deadline=None)
    @given(updates(depth))
    def check(ups):
        fast, ref = SparseMerkleTree(depth), SparseMerkleTree(depth, hasher="reference")
        for i, v in ups:
            assert fast.update(i, v) == ref.update(i, v)
        assert dict(fast.items()) == dict(ref.items())
        assert fast.root == _full_root(dict(fast.items()), depth)
    check()


@pytest.mark.parametrize("depth", [5, 6])
def test_update_many_equals_sequential_updates(depth):
    @settings(max_examples=15, deadline=None)
    @given(updates(depth))
    def check(ups):
        seq, batch, batch_ref = (SparseMerkleTree(depth), SparseMerkleTree(depth),
                                 SparseMerkleTree(depth, hasher="reference"))
        for i, v in ups:
            seq.update(i, v)
        assert batch.update_many(ups) == seq.root
        assert batch_ref.update_many(ups) == seq.root
        for lvl in range(seq.levels + 1):
            assert batch._levels[lvl] == seq._levels[lvl]
    check()


@pytest.mark.parametrize("depth", [5, 6])
def test_membership_proof_verifies_against_root(depth):
    @settings(max_examples=15, deadline=None)
    @given(updates(depth), st.integers(0, 2 ** depth - 1))
    def check(ups, index):
        t = SparseMerkleTree(depth)
        t.update_many(ups)
        sibs = t.proof(index)
        assert len(sibs) == tree.path_length(depth)
        assert tree.root_from_path(t.get(index), index, sibs, depth) == t.root
        assert SparseMerkleTree.verify_proof(t.root, index, t.get(index), sibs, depth)
        assert not SparseMerkleTree.verify_proof(t.root, index, (t.get(index) + 1) % R, sibs, depth)
    check()


def test_digits_place_the_leaf_among_its_siblings():
    t = SparseMerkleTree(4)
    t.update(6, 5)      # digits (2, 1): third child of the level-1 node, second child of the root
    d1 = default_node(1)
    assert t.root == poseidon([d1, poseidon([0, 0, 5, 0]), d1, d1])
    assert t.proof(6) == [0, 0, 0, d1, d1, d1]
    t.update(7, 9)      # the partner in the pair is s0
    assert t.proof(6)[0] == 9 and t.proof(4)[1:3] == [5, 9]


def test_odd_depth_keeps_the_top_levels_upper_pair_empty():
    t = SparseMerkleTree(3)
    assert t.capacity == 8 and t.levels == 2
    t.update_many({7: 1, 0: 2})
    assert t.proof(7)[4:] == [default_node(1)] * 2
    assert t.root == _full_root({7: 1, 0: 2}, 3)
    with pytest.raises(ValueError, match="index"):
        t.update(8, 1)


def test_clearing_every_leaf_restores_the_empty_tree_and_storage():
    t = SparseMerkleTree(8)
    t.update_many({3: 7, 200: 9, 201: 11})
    assert t.root != tree.empty_root(8)
    t.update_many({3: 0, 200: 0})
    t.update(201, 0)
    assert t.root == tree.empty_root(8)
    assert all(not level for level in t._levels)


def test_depth_32_sparse_tree_edges():
    t = SparseMerkleTree(MAX_DEPTH)
    t.update(2 ** 32 - 1, 1)
    t.update(0, R - 1)
    assert root_from_path(1, 2 ** 32 - 1, t.proof(2 ** 32 - 1)) == t.root
    assert t.node(16, 0) == t.root and len(t) == 2
    assert [(i, v) for i, v in t.items()] == [(0, R - 1), (2 ** 32 - 1, 1)]


@pytest.mark.parametrize("depth", [0, 33, "4", True])
def test_bad_depth_rejected(depth):
    with pytest.raises(ValueError):
        SparseMerkleTree(depth)


@pytest.mark.parametrize("index,val", [(-1, 1), (16, 1), (0, R), (0, -1), (True, 1)])
def test_bad_index_or_value_rejected(index, val):
    t = SparseMerkleTree(4)
    with pytest.raises(ValueError):
        t.update(index, val)
    with pytest.raises(ValueError):
        t.update_many([(index, val)])
    assert t.root == tree.empty_root(4)


def test_copy_is_independent():
    t = SparseMerkleTree(4)
    t.update(1, 2)
    c = t.copy()
    c.update(1, 3)
    assert t.get(1) == 2 and c.get(1) == 3 and t.root != c.root
