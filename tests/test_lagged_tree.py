"""zkrollup.lagged_tree: the circuit's account tree kept as an overlay of the native tree
equals its plain twin, a full copy of the tree replayed the way the circuit writes it
(deferred native updates skipped, ports and flushes written), path by path and root by root."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from zkrollup.lagged_tree import LaggedTree
from zkrollup.smt import SparseMerkleTree

LAGGING = (0, 1)
value = st.one_of(st.integers(1, R - 1), st.just(0))


def steps(depth):
    index = st.one_of(st.integers(0, min(5, 2 ** depth - 1)), st.integers(0, 2 ** depth - 1))
    return st.lists(st.one_of(st.tuples(st.just("defer"), st.sampled_from(LAGGING), value),
                              st.tuples(st.just("port"), index, value)), max_size=14)


def _replay(depth, start, ops):
    native = SparseMerkleTree(depth)
    native.update_many(start)
    twin = native.copy()                      # the circuit's tree, replayed in full
    lt = LaggedTree(native, LAGGING)
    assert lt.root == twin.root
    for kind, i, v in ops:
        if kind == "defer":                   # e.g. a trade's fee: the circuit does not write it
            native.update(i, v)
            continue
        sibs, nodes = native.update_path(i, v)
        path = lt.path(i, sibs)
        assert list(path) == twin.proof(i)
        twin.update(i, v)
        lt.write(i, path, v, nodes)
        assert lt.root == twin.root
    for i in LAGGING:                         # the end-of-batch flushes
        path = lt.path(i, native.proof(i))
        assert list(path) == twin.proof(i)
        twin.update(i, native.get(i))
        lt.write(i, path, native.get(i))
    assert lt.root == twin.root == native.root


@pytest.mark.parametrize("depth", [2, 3, 4, 5, 8, 24])
def test_overlay_paths_and_roots_equal_a_replayed_copy_of_the_tree(depth):
    @settings(max_examples=25, deadline=None)
    @given(st.dictionaries(st.integers(0, 2 ** depth - 1), value, max_size=6), steps(depth))
    def check(start, ops):
        _replay(depth, start, ops)
    check()


def test_a_write_below_the_spine_needs_the_native_nodes():
    native = SparseMerkleTree(6)
    lt = LaggedTree(native, LAGGING)
    sibs, nodes = native.update_path(40, 7)
    with pytest.raises(ValueError, match="native tree's nodes"):
        lt.write(40, lt.path(40, sibs), 7)
    lt.write(40, lt.path(40, sibs), 7, nodes)
    assert lt.root == native.root


def test_lagging_leaves_must_share_the_first_parent():
    with pytest.raises(ValueError, match="first parent"):
        LaggedTree(SparseMerkleTree(4), (0, 4))


def test_a_path_of_the_wrong_length_is_refused():
    lt = LaggedTree(SparseMerkleTree(4), LAGGING)
    with pytest.raises(ValueError, match="siblings"):
        lt.path(3, [0] * 5)
