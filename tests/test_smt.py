"""Sparse Poseidon Merkle tree: fast (Numba) vs reference (pure Python), proofs, defaults."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.merkle_native import merkle_root_from_path
from circuits.poseidon import poseidon
from zkrollup.smt import MAX_DEPTH, SparseMerkleTree, default_node

DEPTH = 5
value = st.one_of(st.just(0), st.integers(1, R - 1), st.sampled_from([1, R - 1]))
updates = st.lists(st.tuples(st.integers(0, 2 ** DEPTH - 1), value), max_size=12)


def test_default_nodes_hash_up_from_zero():
    assert default_node(0) == 0
    assert default_node(1) == poseidon([0, 0])
    assert default_node(3) == poseidon([default_node(2), default_node(2)])
    assert SparseMerkleTree(32).root == default_node(32)


@settings(max_examples=20, deadline=None)
@given(updates)
def test_fast_tree_equals_reference_tree(ups):
    fast, ref = SparseMerkleTree(DEPTH), SparseMerkleTree(DEPTH, hasher="reference")
    for i, v in ups:
        assert fast.update(i, v) == ref.update(i, v)
    assert dict(fast.items()) == dict(ref.items())


@settings(max_examples=20, deadline=None)
@given(updates)
def test_update_many_equals_sequential_updates(ups):
    seq, batch, batch_ref = (SparseMerkleTree(DEPTH), SparseMerkleTree(DEPTH),
                             SparseMerkleTree(DEPTH, hasher="reference"))
    for i, v in ups:
        seq.update(i, v)
    assert batch.update_many(ups) == seq.root
    assert batch_ref.update_many(ups) == seq.root
    for lvl in range(DEPTH + 1):
        assert batch._levels[lvl] == seq._levels[lvl]


@settings(max_examples=20, deadline=None)
@given(updates, st.integers(0, 2 ** DEPTH - 1))
def test_membership_proof_verifies_against_root(ups, index):
    t = SparseMerkleTree(DEPTH)
    t.update_many(ups)
    sibs = t.proof(index)
    assert len(sibs) == DEPTH
    assert merkle_root_from_path(t.get(index), index, sibs) == t.root
    assert SparseMerkleTree.verify_proof(t.root, index, t.get(index), sibs)
    assert not SparseMerkleTree.verify_proof(t.root, index, (t.get(index) + 1) % R, sibs)


def test_clearing_every_leaf_restores_the_empty_tree_and_storage():
    t = SparseMerkleTree(8)
    t.update_many({3: 7, 200: 9, 201: 11})
    assert t.root != default_node(8)
    t.update_many({3: 0, 200: 0})
    t.update(201, 0)
    assert t.root == default_node(8)
    assert all(not level for level in t._levels)


def test_index_bits_lsb_first_choose_left_or_right():
    t = SparseMerkleTree(2)
    t.update(1, 5)   # index 1 = binary 01: right child at level 0, left at level 1
    assert t.root == poseidon([poseidon([0, 5]), default_node(1)])
    t2 = SparseMerkleTree(2)
    t2.update(2, 5)  # binary 10: left at level 0, right at level 1
    assert t2.root == poseidon([default_node(1), poseidon([5, 0])])


def test_depth_32_sparse_tree_edges():
    t = SparseMerkleTree(MAX_DEPTH)
    t.update(2 ** 32 - 1, 1)
    t.update(0, R - 1)
    assert merkle_root_from_path(1, 2 ** 32 - 1, t.proof(2 ** 32 - 1)) == t.root
    assert len(t) == 2


@pytest.mark.parametrize("depth", [0, 33, "4"])
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
    assert t.root == default_node(4)


def test_copy_is_independent():
    t = SparseMerkleTree(4)
    t.update(1, 2)
    c = t.copy()
    c.update(1, 3)
    assert t.get(1) == 2 and c.get(1) == 3 and t.root != c.root
