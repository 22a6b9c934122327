"""prover.jit: first-run compile announcements and the parallel warm-up."""
import subprocess
import sys

import pytest

from prover import jit


def test_warm_parts_leave_their_kernels_cached():
    for part in ("fr", "g1", "fb1"):
        jit.warm(part)
    assert jit.missing("setup") == [] or "prover.fixed_base:_fb_chunks" not in jit.missing("setup")
    assert jit.message("keys") is None or "keys" in jit.message("keys")
    with pytest.raises(ValueError, match="unknown kernel part"):
        jit.warm("g3")


def test_uncached_kernels_are_announced(monkeypatch):
    monkeypatch.setattr(jit, "_cached", lambda spec: "msm" not in spec)
    msg = jit.message("prove")
    assert msg.startswith("compiling the Numba kernels for proving (msm; first run only")
    said = []
    monkeypatch.setenv("ZKROLLUP_PARALLEL_COMPILE", "0")
    assert jit.ensure(("prove",), said.append) and said == [msg]
    monkeypatch.setattr(jit, "_cached", lambda spec: True)
    assert not jit.ensure(("prove", "setup"), said.append) and len(said) == 1


def test_skip_blas_probe_keeps_the_prover_working():
    code = ("from prover import jit; jit.skip_blas_probe(); from prover import fr_vec; "
            "a = fr_vec.from_ints([3, 5]); print(fr_vec.to_ints(fr_vec.mul(a, a)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "[9, 25]", out.stderr


def test_a_registered_group_is_announced_and_warmed_by_its_functions(monkeypatch):
    from zkrollup import kernels  # noqa: F401 -- registers "native"
    assert set(jit.PARTS["native"]) == {"zkrollup.kernels:warm_eddsa", "zkrollup.kernels:warm_poseidon"}
    monkeypatch.setattr(jit, "_cached", lambda spec: "eddsa" not in spec)
    assert jit.message("native") == ("compiling the Numba kernels for the native state (Poseidon, EdDSA) "
                                     "(eddsa_fast; first run only, about 15 s of CPU time, spread over the cores)...")
    jit.warm("zkrollup.kernels:warm_poseidon")      # a registered part is a function to call


def test_precompile_starts_the_longest_parts_first(monkeypatch):
    started = []

    class FakePopen:
        def __init__(self, cmd, **kw):
            started.append(cmd[-1].split("warm(")[1].rstrip(")"))

        def wait(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    jit.precompile(("prove", "setup"), jobs=8)
    assert started == ["'g2'", "'g1'", "'fb2'", "'fb1'", "'fr'"]
