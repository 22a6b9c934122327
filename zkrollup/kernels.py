"""The native state's Numba kernels (Poseidon, EdDSA) as a first-run compile group.

`prover.jit` compiles the prover's kernels in parallel processes while a first run does
other work and says what it compiles; this module registers the native state's kernels
there as the group "native" (importing it is enough), so that `jit.ensure(("native",))`
announces them and compiles them beside the rest instead of on the operator's path (the
first signed order would otherwise wait seconds for the EdDSA kernel).
"""
from __future__ import annotations

from prover import jit


def warm_poseidon() -> None:
    """Compile (or load) the Poseidon kernels: a hash and a 4-ary path."""
    from . import poseidon_fast
    poseidon_fast.merkle4_path(poseidon_fast.poseidon([1, 2]), 3, [0] * 3, 2)


def warm_eddsa() -> None:
    """Compile (or load) the EdDSA verification kernel on one valid signature."""
    from circuits import eddsa
    from . import eddsa_fast
    sk = bytes(range(32))
    if eddsa_fast.verify_many([(eddsa.public_key(sk), 7, eddsa.sign(sk, 7))]) != [True]:
        raise RuntimeError("the EdDSA kernel refused a valid signature")


jit.register("native", "the native state (Poseidon, EdDSA)", 15,
             ["zkrollup.poseidon_fast:_hash_rows", "zkrollup.poseidon_fast:_path4",
              "zkrollup.eddsa_fast:_verify_kernel"],
             {"zkrollup.kernels:warm_eddsa": 7, "zkrollup.kernels:warm_poseidon": 7})
