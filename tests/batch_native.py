"""Test adapter over the operator's witness builder (`zkrollup.batch_builder`).

`BatchRecorder(state)` is `BatchBuilder` whose `finish(n_slots)` returns the pair the batch
tests use: (circuit input, natively computed commitment fields).
"""
from __future__ import annotations

from zkrollup.batch_builder import BatchBuilder, CommitmentFields, shape_of

__all__ = ["BatchRecorder", "Expected", "shape_of"]

Expected = CommitmentFields


class BatchRecorder(BatchBuilder):
    def finish(self, n_slots: int):
        sealed = super().finish(n_slots)
        return sealed.circuit_input, sealed.fields
