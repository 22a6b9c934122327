"""Running the prover's kernels on several cores: Python threads over nogil Numba kernels.

A parallel kernel here is a serial `@njit(nogil=True)` function `kernel(t, nt, *args)` doing
its share t of nt (tasks t, t + nt, ...); `run(kernel, n_tasks, n_elems, *args)` calls it on
min(threads, n_tasks) threads (the caller's plus a persistent pool), or on the calling
thread alone below PARALLEL_MIN elements.

Why not Numba's prange: each parallel region cost ~2 s of first-run compile time per
specialisation (13 s for the MSM's G1 and G2 drivers), and the first parallel call of a
process spends ~0.4 s of CPU starting the threading layer, on every CLI call. Threads over
nogil kernels run the same machine code with neither cost.

`count()` is NUMBA_NUM_THREADS (default: the CPU count), read without starting Numba's
threading layer.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Optional

PARALLEL_MIN = 1 << 14
"""Below this many elements a kernel runs on the calling thread alone: waking another
thread costs tens of microseconds on an idle machine and milliseconds when the other core
is busy (measured on the shared 2-core host), more than the work it saves."""

_pool: Optional[ThreadPoolExecutor] = None
_pool_size = 0


def count() -> int:
    from numba.core import config
    return max(1, int(config.NUMBA_NUM_THREADS))


def _executor(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size < n:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool, _pool_size = ThreadPoolExecutor(max_workers=n, thread_name_prefix="prover"), n
    return _pool


def run(kernel, n_tasks: int, n_elems: int, *args) -> None:
    """kernel(t, nt, *args) for t < nt, nt = min(count(), n_tasks) (1 below PARALLEL_MIN)."""
    nt = 1 if n_elems < PARALLEL_MIN else max(1, min(count(), n_tasks))
    if nt == 1:
        kernel(0, 1, *args)
        return
    futs = [_executor(nt - 1).submit(kernel, t, nt, *args) for t in range(1, nt)]
    kernel(0, nt, *args)
    for f in futs:
        f.result()
