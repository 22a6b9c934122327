"""Native twin of the Merkle path gadgets: the root of a binary Poseidon tree from one path.

Tree: node = poseidon([left, right]). A path for leaf number `index` in a tree of depth
d = len(siblings) lists the siblings from the leaf level upwards; bit k of `index`
(least significant first) is 1 when the running node is the right child at level k,
i.e. node = poseidon([sibling_k, node]), else poseidon([node, sibling_k]).
The tree itself (storage, default empty subtrees) lives with the native state.
"""
from __future__ import annotations

from typing import Sequence

from .field import check_elements
from .poseidon import poseidon


def merkle_root_from_path(leaf: int, index: int, siblings: Sequence[int]) -> int:
    """Root reached from `leaf` at position `index` (0 <= index < 2^len(siblings))."""
    depth = len(siblings)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (1 << depth):
        raise ValueError(f"leaf index must be an int in [0, 2^{depth}), got {index!r}")
    check_elements([leaf], "leaf")
    check_elements(siblings, "sibling")
    node = leaf
    for k, sib in enumerate(siblings):
        node = poseidon([sib, node] if (index >> k) & 1 else [node, sib])
    return node
