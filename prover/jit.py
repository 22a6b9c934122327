"""Which Numba kernels a fresh machine still has to compile, so the first run can say so.

The prover's kernels are compiled on first use and cached on disk (`cache=True`, in the
package's __pycache__ or $NUMBA_CACHE_DIR); later processes load them in well under a
second. A first proof on a fresh machine instead spends tens of seconds in LLVM; the CLI
and `prover.groth16.prove` announce it (`announce`, or the progress callback's stage name)
rather than leave the user looking at a silent terminal.

`missing(group)` looks at each top-level kernel's cache index (Numba's own files; anything
unexpected counts as "not cached", so the worst case is an announcement too many).

`skip_blas_probe()` spares a CLI process the ~0.6 s import of scipy.linalg that Numba makes
on its first dispatch only to learn whether it could compile np.dot (the prover never does).
"""
from __future__ import annotations

import importlib
from typing import Callable, Optional

# The top-level kernels (the ones Python calls) of each job; their callees compile with them.
KERNELS = {
    "prove": ["prover.convert:_k_first_not_below", "prover.fr_vec:_k_ew", "prover.fr_vec:_k_spmv",
              "prover.ntt:_k_ntt", "prover.msm:_k_classify", "prover.msm:_k_digits",
              "prover.msm:_k_sum_points", "prover.msm:_thread_windows", "prover.msm:_k_combine"],
    "setup": ["prover.fixed_base:_k_fb_table", "prover.fixed_base:_fb_chunks"],
    "keys": ["prover.group:_k_on_curve"],
}
FIRST_RUN_S = {"prove": 50, "setup": 15, "keys": 5}
_JOB = {"prove": "proving", "setup": "the Groth16 setup", "keys": "key validation"}
"""Measured CPU seconds of a cold compile on the development machine (order of magnitude)."""


def _cached(spec: str) -> bool:
    """The kernel's cache index exists and is newer than its source file (Numba keys the
    index on the source's mtime and size; unpickling it to compare costs ~10 ms a kernel)."""
    import os
    mod, name = spec.split(":")
    try:
        m = importlib.import_module(mod)
        index = getattr(m, name)._cache._cache_file._index_path
        return os.path.getmtime(index) >= os.path.getmtime(m.__file__)
    except Exception:   # noqa: BLE001 -- private Numba API: unknown means "not cached"
        return False


def missing(group: str) -> list[str]:
    """The kernels of `group` ("prove", "setup", "keys") with no usable on-disk cache."""
    return [k for k in KERNELS[group] if not _cached(k)]


def message(group: str) -> Optional[str]:
    """One line announcing the compilation of `group`'s kernels, or None when they are cached."""
    todo = missing(group)
    if not todo:
        return None
    what = ", ".join(sorted({k.split(":")[0].split(".")[-1] for k in todo}))
    return (f"compiling the Numba kernels for {_JOB[group]} ({what}; first run only, about "
            f"{FIRST_RUN_S[group]} s of CPU time, spread over the cores)...")




# --- compiling on every core at once ------------------------------------------------------------
#
# Numba compiles one function at a time, and a cold prove is ~50 s of CPU in LLVM. The
# kernels fall into independent parts (Fr vectors and NTTs; G1 MSM; G2 MSM; the fixed-base
# multiplications of the setup); `precompile` runs each part's warm-up (the public functions
# on tiny inputs, so the very signatures of real use are compiled) in its own process, which
# writes Numba's on-disk cache; the caller then loads instead of compiling.

PARTS = {"prove": ("fr", "g1", "g2"), "setup": ("fb1", "fb2"), "keys": ("g1", "g2")}
PART_COST_S = {"g2": 18, "g1": 14, "fb2": 9, "fb1": 6, "fr": 6}
"""Measured CPU seconds of each part's cold compile: the longest start first, so that the
parallel processes finish together."""


def register(group: str, job: str, first_run_s: int, kernels, parts) -> None:
    """Add a group of kernels that lives outside the prover (e.g. the native state's Poseidon
    and EdDSA): `kernels` as "module:function" names of top-level kernels, `parts` as
    {"module:function": cost_s} of zero-argument warm-ups, each run in its own process by
    `precompile` (so the prover names no module of the packages above it)."""
    KERNELS[group] = list(kernels)
    PARTS[group] = tuple(parts)
    PART_COST_S.update(parts)
    FIRST_RUN_S[group] = first_run_s
    _JOB[group] = job


def warm(part: str) -> None:
    """Compile (or load) the kernels of one part by calling them on tiny inputs; a registered
    part "module:function" by calling that function."""
    if ":" in part:
        mod, fn = part.split(":", 1)
        getattr(importlib.import_module(mod), fn)()
        return
    import numpy as np
    from circuits.field import R
    if part == "fr":
        from circuits.r1cs import SparseMatrix
        from prover import fr_vec, qap
        from prover.zkey import fr_mont_reduce
        w = fr_vec.limbs_from_ints([1, 2, 3, R - 1])
        wm = fr_vec.to_montgomery(w, check=False)
        csr = fr_vec.MontCSR.from_sparse(SparseMatrix.from_rows([{0: 1}, {1: R - 1}, {2: 5, 3: 1}]))
        a = np.zeros((4, 4), dtype=np.uint64)
        csr.matvec(wm, a)
        fr_vec.mul(a, wm)
        fr_mont_reduce(w)
        qap.h_snarkjs(a, wm, None, canonical=True)
        return
    from prover import fixed_base
    from prover.convert import int_limbs
    if part in ("g1", "g2"):
        from prover import group, msm
        base = fixed_base.G1_GEN if part == "g1" else fixed_base.G2_GEN
        pts = np.ascontiguousarray(np.repeat(base[None], 4, axis=0))
        sc = np.stack([int_limbs(v) for v in (5, 1, 0, R - 2)])
        (msm.msm_g1 if part == "g1" else msm.msm_g2)(pts, sc)
        group.first_invalid_point(pts)
        return
    if part in ("fb1", "fb2"):
        sc = np.stack([int_limbs(v) for v in (5, 7)])
        if part == "fb1":
            fixed_base.g1_batch_mul(fixed_base.G1_GEN, sc)
        else:
            fixed_base.g2_batch_mul(fixed_base.G2_GEN, sc)
        return
    raise ValueError(f"unknown kernel part {part!r}")


def precompile(groups, jobs: Optional[int] = None) -> None:
    """Warm every part of `groups` in parallel processes (one per part, at most `jobs` at a
    time, default the CPU count). Failures are ignored: the caller compiles what is missing."""
    import os
    import subprocess
    import sys
    parts = sorted({p for g in groups for p in PARTS[g]}, key=lambda p: (-PART_COST_S.get(p, 5), p))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    jobs = max(1, jobs or os.cpu_count() or 1)
    running: list = []
    for part in parts:
        while len(running) >= jobs:
            running.pop(0).wait()
        running.append(subprocess.Popen([sys.executable, "-c", f"from prover.jit import warm; warm({part!r})"],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for p in running:
        p.wait()


_background: list = []


def wait() -> None:
    """Wait for a background `ensure` to finish its compilation."""
    while _background:
        _background.pop().join()


def ensure(groups, report: Optional[Callable[[str], None]] = None, background: bool = False) -> bool:
    """If any kernel of `groups` is not cached: say so through `report`, then precompile all
    of `groups` in parallel processes (unless ZKROLLUP_PARALLEL_COMPILE=0). background=True
    returns at once, so that the caller's own work (e.g. compiling a circuit in Python, one
    core) overlaps the compilation; the next `ensure` or `wait()` waits for it. True when
    anything needed compiling."""
    import os
    import threading
    wait()
    msgs = [m for m in (message(g) for g in groups) if m]
    if not msgs:
        return False
    if report is not None:
        for m in msgs:
            report(m)
    if os.environ.get("ZKROLLUP_PARALLEL_COMPILE", "1") != "0":
        if background:
            th = threading.Thread(target=precompile, args=(tuple(groups),), daemon=True)
            th.start()
            _background.append(th)
        else:
            precompile(groups)
    return True


def skip_blas_probe() -> None:
    """Make Numba's BLAS probe fail fast in this process (scipy.linalg cannot be imported
    afterwards): for short-lived CLI processes that run the prover and nothing else."""
    import sys
    if "scipy.linalg" not in sys.modules and "numba.np.arraymath" not in sys.modules:
        sys.modules["scipy.linalg"] = None      # type: ignore[assignment]
