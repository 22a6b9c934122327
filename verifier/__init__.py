"""Groth16 verification over BN254 with py_ecc; never imports `prover`.

    from verifier import verify, VerifyingKey, Proof, VerifierInputError
    from verifier.snarkjs_json import read_vk, read_proof, read_public, verify_files
"""
from .errors import VerifierInputError
from .groth16 import Proof, VerifyingKey, verify

__all__ = ["Proof", "VerifierInputError", "VerifyingKey", "verify"]
