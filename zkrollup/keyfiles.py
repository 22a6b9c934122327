"""Glue between the prover's keys and the verifier's formats, for the CLI and the operator.

The prover and the verifier share no code (a shared bug must not let a bad proof pass);
this module, in the application layer, converts between them.
"""
from __future__ import annotations

from typing import Optional

from prover.groth16 import Proof as ProverProof
from prover.convert import g1_point, g1_to_ints, g2_point
from prover.keys import ProvingKey
from verifier.groth16 import Proof, VerifyingKey


class WitnessMismatch(ValueError):
    """The witness does not satisfy (or does not fit) the key's circuit."""


def load_any_proving_key(path: str, r1cs_path: Optional[str] = None) -> ProvingKey:
    """Our msgpack proving key, or a snarkjs Groth16 .zkey (told apart by the magic bytes),
    validated once and cached by content hash (`prover.key_store`)."""
    from prover.key_store import load_key
    return load_key(path, r1cs_path)


def vk_from_pk(pk: ProvingKey) -> VerifyingKey:
    return VerifyingKey(alpha1=g1_point(pk.alpha1), beta2=g2_point(pk.beta2),
                        gamma2=g2_point(pk.gamma2), delta2=g2_point(pk.delta2),
                        ic=tuple(g1_to_ints(pk.IC)))


def proof_for_verifier(p: ProverProof) -> Proof:
    return Proof(a=p.a, b=p.b, c=p.c)


def self_check(pk: ProvingKey, proof: ProverProof) -> None:
    """Verify a fresh proof with the independent verifier before anyone sees it (the EVM's
    pairing precompile, `verifier.fast_groth16`: ~10 ms). A satisfying witness is not
    enough: a key whose H, C or A points were changed (still on the curve, so it validates)
    proves wrong, and only the pairing check sees it."""
    from verifier import fast_groth16
    if not fast_groth16.verify(vk_from_pk(pk), proof.public, proof_for_verifier(proof)):
        raise WitnessMismatch("the proof does not verify: the proving key does not match its verifying key, "
                              "or the witness does not satisfy the circuit (pass --r1cs CIRCUIT.r1cs to "
                              "check it constraint by constraint)")
