"""The account tree as the batch circuit sees it, kept as a few nodes over the native tree.

The circuit defers the fee account's and the insurance fund's cash changes to the end of
the batch (docs/batch_circuit.md, "aggregated per batch"), so during a batch its account
tree differs from the native one (`RollupState.tree`) only where those two leaves lag
behind: at the lagging leaves themselves and at their ancestors. The lagging leaves are
among the first four leaves (`circuits.spec.tree`: one parent), so their ancestors are the
nodes at position 0 of every level, the tree's left spine. `LaggedTree` stores the
circuit's values of exactly those nodes (2 leaves + L spine nodes) and reads everything
else from the native tree's witness records:

- `path(index, native_siblings)`: the circuit's path of a leaf is the native path at the
  same moment with the siblings that are overlay nodes replaced; only the levels whose
  parent is a spine node can hold one (for most indices at depth 24, the top level).
- `write(index, siblings, leaf, native_nodes)`: the circuit writes a leaf (a port of a
  slot, a flush). Below the first spine ancestor the circuit's new path nodes are the
  native ones (`AccountUpdate.nodes_after`); only from there up does it hash: one
  Poseidon(4) for most indices at depth 24, the whole path for the first four leaves.
- native updates the circuit defers (a trade's fee, a liquidation's insurance flow)
  change only a lagging leaf and spine nodes, all overlaid: nothing to do.

So the batch builder needs no second copy of the account tree and hashes about one node
per port instead of a whole path. `root` is the circuit's account root; when nothing lags
(at the start and after the end-of-batch flushes) it equals the native root, which the
builder checks when it seals.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from circuits.spec import tree

from . import poseidon_fast
from .smt import SparseMerkleTree


class LaggedTree:
    """The circuit's account tree during a batch: ``native`` with the leaves ``lagging``
    (indices below 4) as the circuit last wrote them."""

    def __init__(self, native: SparseMerkleTree, lagging: Iterable[int]):
        self.lagging = frozenset(lagging)
        if not all(0 <= i < tree.ARITY for i in self.lagging):
            raise ValueError("lagging leaves must share the first parent (indices 0..3)")
        self.depth, self.levels = native.depth, native.levels
        self._leaf = {i: native.get(i) for i in self.lagging}
        self._spine = [native.node(h, 0) for h in range(self.levels + 1)]   # [0] unused: leaves are _leaf

    @property
    def root(self) -> int:
        return self._spine[self.levels]

    def leaf(self, index: int) -> int:
        """The circuit's value of a lagging leaf."""
        return self._leaf[index]

    def _first_spine_child(self, index: int) -> int:
        """The lowest level whose parent on the path of ``index`` is a spine node."""
        level = 0
        while index >> (2 * (level + 1)):
            level += 1
        return level

    def _overlay(self, level: int, position: int) -> int | None:
        if level == 0:
            return self._leaf.get(position)
        return self._spine[level] if position == 0 else None

    def path(self, index: int, native_siblings: Sequence[int]) -> tuple[int, ...]:
        """The circuit's path of ``index``, given the native tree's path at this moment."""
        if len(native_siblings) != tree.path_length(self.depth):
            raise ValueError(f"a path of depth {self.depth} has {tree.path_length(self.depth)} siblings")
        out = list(native_siblings)
        for k in range(self._first_spine_child(index), self.levels):
            for t, pos in enumerate(tree.sibling_positions(tree.digit(index, k))):
                v = self._overlay(k, pos)
                if v is not None:
                    out[3 * k + t] = v
        return tuple(out)

    def write(self, index: int, siblings: Sequence[int], leaf: int, native_nodes: Sequence[int] = ()) -> None:
        """The circuit sets leaf ``index`` to ``leaf`` on its path ``siblings`` (from `path`).

        ``native_nodes``: the native tree's nodes at levels 1..L on that path after the
        same write (`AccountUpdate.nodes_after`); needed unless ``index`` is one of the
        first four leaves.
        """
        start = self._first_spine_child(index)
        if start == 0:
            node = leaf
        elif len(native_nodes) == self.levels:
            node = native_nodes[start - 1]      # no lagging leaf below: the circuit's node is the native one
        else:
            raise ValueError(f"writing leaf {index} needs the native tree's nodes on its path")
        nodes = poseidon_fast.merkle4_path(node, index >> (2 * start), list(siblings[3 * start:]))
        for h, v in enumerate(nodes, start=start + 1):
            self._spine[h] = v
        if index in self.lagging:
            self._leaf[index] = leaf
