"""Glue between the prover's keys and the verifier's formats, for the CLI and the operator.

The prover and the verifier share no code (a shared bug must not let a bad proof pass);
this module, in the application layer, converts between them.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence

from circuits.circom_io import read_r1cs
from prover.groth16 import Proof as ProverProof
from prover.convert import g1_point, g1_to_ints, g2_point
from prover.keys import ProvingKey, load_proving_key
from verifier.groth16 import Proof, VerifyingKey, verify


class WitnessMismatch(ValueError):
    """The witness does not satisfy (or does not fit) the key's circuit."""


def is_zkey(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"zkey"


def load_any_proving_key(path: str) -> ProvingKey:
    """Our msgpack proving key, or a snarkjs Groth16 .zkey (told apart by the magic bytes)."""
    if is_zkey(path):
        from prover.zkey import read_zkey
        return read_zkey(path).to_proving_key()
    return load_proving_key(path)


def vk_from_pk(pk: ProvingKey) -> VerifyingKey:
    return VerifyingKey(alpha1=g1_point(pk.alpha1), beta2=g2_point(pk.beta2),
                        gamma2=g2_point(pk.gamma2), delta2=g2_point(pk.delta2),
                        ic=tuple(g1_to_ints(pk.IC)))


def proof_for_verifier(p: ProverProof) -> Proof:
    return Proof(a=p.a, b=p.b, c=p.c)


def check_witness(pk: ProvingKey, witness: Sequence[int], key_path: str = "",
                  r1cs_path: Optional[str] = None) -> None:
    """Refuse a witness that does not fit or does not satisfy the circuit, naming the first
    failing constraint. A .zkey has no C matrix: its circuit is taken from `r1cs_path`, or
    CIRCUIT.r1cs beside CIRCUIT.zkey; without either, `self_check` catches it after proving."""
    from prover.groth16 import first_unsatisfied_r1cs
    if len(witness) != pk.n_vars:
        raise WitnessMismatch(f"witness has {len(witness)} values, the key's circuit has {pk.n_vars} wires")
    r1cs = pk.r1cs()
    if r1cs is None:
        if r1cs_path is None and key_path.endswith(".zkey"):
            guess = key_path[:-5] + ".r1cs"
            r1cs_path = guess if os.path.exists(guess) else None
        if r1cs_path is None:
            return
        r1cs = read_r1cs(r1cs_path)
        if r1cs.n_wires != pk.n_vars or r1cs.n_public != pk.n_public:
            raise WitnessMismatch(f"{r1cs_path} ({r1cs.n_wires} wires, {r1cs.n_public} public) "
                                  f"is not the circuit of {key_path}")
    bad = first_unsatisfied_r1cs(r1cs, witness)
    if bad is not None:
        raise WitnessMismatch(f"the witness does not satisfy the circuit: constraint "
                              f"{r1cs.constraint_name(bad)} fails")


def self_check(pk: ProvingKey, proof: ProverProof) -> None:
    """Verify a fresh proof with the independent verifier before anyone sees it."""
    if not verify(vk_from_pk(pk), proof.public, proof_for_verifier(proof)):
        raise WitnessMismatch("the proof does not verify: the witness does not satisfy the circuit "
                              "(pass --r1cs CIRCUIT.r1cs to name the failing constraint)")
