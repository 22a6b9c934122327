"""Test adapter over the operator's witness builder (`zkrollup.batch_builder`).

`BatchRecorder(state)` is `BatchBuilder` whose `finish(n_slots)` returns the pair the batch
tests use: (circuit input, the `SealedBatch` with the natively computed header fields,
records and public input).
"""
from __future__ import annotations

from zkrollup.batch_builder import BatchBuilder, SealedBatch, shape_of

__all__ = ["BatchRecorder", "Expected", "shape_of"]

Expected = SealedBatch


class BatchRecorder(BatchBuilder):
    def __init__(self, state):
        super().__init__(state)
        self.start_cash = state.total_cash()
        """The accounts' total cash before the batch (what its records' cash flow moves)."""

    def finish(self, n_slots: int):
        sealed = super().finish(n_slots)
        return sealed.circuit_input, sealed
