"""Helpers the Dask workers of the prover-pool tests import (they must live in a module of
their own: a worker imports it by name)."""
from __future__ import annotations

from distributed import get_worker

from zkrollup.operator.pool_worker import prove_task


def lying_prove_task(*args, **kw):
    """A faulty worker: on the first attempt of every batch it returns a proof with A and C
    swapped (well-formed points, wrong proof); later attempts prove honestly."""
    proved = prove_task(*args, **kw)
    if get_worker().get_current_task().endswith("-1"):
        p = proved.proof
        p.a, p.c = p.c, p.a
    return proved
