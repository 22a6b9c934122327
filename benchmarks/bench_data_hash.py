"""Binding the posted data in the proof: SHA-256 in the circuit vs L1 gas, per slot.

Circuit side (exact counts, circuits.gadgets.sha256): constraints of one compression
(variable; first block, state = IV; a block of constant words), per byte of a long
message, and for the posted data of N slots with a fixed-size record of B bytes each
(N * B bytes hashed once, Loopring style), amortised per slot, padding included. Record
bits are taken as already constrained boolean (check_bits=False: the slot circuit has
range-checked its fields) and all variable (an upper bound: the zero high bits of
byte-aligned fields are constants and cost nothing).

L1 side, measured on the embedded EVM (verifier/evm.py): the SHA-256 precompile's gas for
D bytes of random-looking data (a transaction to 0x02, less its intrinsic part), the
data's calldata gas (the intrinsic part less 21,000: 16 per non-zero byte, 4 per zero
byte), and the Groth16 verification's share per slot (the batch verifier contract with
one public input). The whole batch per trade, with the spec's record, is
benchmarks/bench_gas.py's. For comparison, Poseidon on both sides: the data as 31-byte
field elements through circuits.poseidon_sponge (width 4) in the circuit and through the
sponge contract (verifier/poseidon_sponge_evm.py) on L1.

Prints JSON. Usage: python benchmarks/bench_data_hash.py [--slots 16,64]
    [--record-bytes 32,48,60,64] [--time-slots 16] [--time-record 48]
"""
from __future__ import annotations

import argparse
import json
import random
import time

from circuits.cs import ConstraintSystem
from circuits.gadgets import poseidon as poseidon_gadget
from circuits.gadgets import sha256
from circuits.gadgets.data_hash import data_digest, data_digest_native
from verifier.evm import Chain, address_of

FELT_BYTES = 31  # bytes per field element when the data is packed for a Poseidon sponge


def circuit_costs() -> dict:
    pad_block = tuple(sha256.pad_bits(sha256.BLOCK_BITS)[-sha256.BLOCK_BITS:])
    variable = sha256.block_cost(False, (None,) * sha256.BLOCK_BITS)
    return {
        "compress_variable": variable,
        "compress_first_block_iv": sha256.block_cost(True, (None,) * sha256.BLOCK_BITS),
        "compress_constant_words": sha256.block_cost(False, pad_block),
        "per_byte_long_message": round(variable / 64, 1),
        "message_bytes": {str(n): sha256.message_cost(8 * n) for n in (32, 55, 64, 128, 256)},
    }


class L1:
    """The embedded EVM with the SHA-256 precompile, a batch verifier and the sponge."""

    def __init__(self):
        import os
        import sys
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
        from groth16_forge import forge, snarkjs_calldata, trapdoor_key
        from circuits.poseidon import SPONGE_WIDTH
        from verifier.l1_deploy import deploy_batch_verifier
        from verifier.poseidon_sponge_evm import deploy_sponge
        self.user = address_of("bench data hash")
        self.chain = Chain()
        vk, t = trapdoor_key(1, seed=5)
        v = deploy_batch_verifier(self.chain, vk, self.user)
        x = random.Random(2).randrange(2**250)
        self.verify = v.transact("verifyProof", *snarkjs_calldata(forge(t, [x], 3, 5)), [x], sender=self.user).gas_used
        self.sponge = deploy_sponge(self.chain, SPONGE_WIDTH, self.user)

    @staticmethod
    def calldata_gas(data: bytes) -> int:
        return sum(16 if b else 4 for b in data)

    def sha256_gas(self, data: bytes) -> int:
        r = self.chain.transact(self.user, "0x" + "00" * 19 + "02", data)
        return r.gas_used - 21_000 - self.calldata_gas(data)

    def sponge_gas(self, values: list) -> int:
        data = self.sponge.encode("sponge", values)
        return self.sponge.transact("sponge", values, sender=self.user).gas_used - 21_000 - self.calldata_gas(data)


def sha_row(l1: L1, n_slots: int, record: int) -> dict:
    d = n_slots * record
    constraints = sha256.message_cost(8 * d, check_bits=False)
    data = random.Random(d).randbytes(d)
    sha_gas, cd_gas = l1.sha256_gas(data), l1.calldata_gas(data)
    verify = l1.verify
    return {
        "n_slots": n_slots, "record_bytes": record, "data_bytes": d,
        "blocks": sha256.n_blocks(d),
        "constraints": constraints,
        "constraints_per_slot": round(constraints / n_slots),
        "constraints_per_byte": round(constraints / d, 1),
        "gas_measured": {
            "sha256_precompile": sha_gas,
            "data_calldata": cd_gas,
            "data_binding_per_slot": round((sha_gas + cd_gas) / n_slots),
            "groth16_verify_per_slot": round(verify / n_slots),
        },
    }


def poseidon_row(l1: L1, n_slots: int, record: int) -> dict:
    n_felts = n_slots * -(-record // FELT_BYTES)
    cs = ConstraintSystem(solve=False)
    poseidon_gadget.poseidon_sponge(cs, [cs.witness(f"x{i}") for i in range(n_felts)])
    rng = random.Random(n_felts)
    gas = l1.sponge_gas([rng.randrange(1 << 248) for _ in range(n_felts)])
    return {"n_slots": n_slots, "record_bytes": record, "field_elements": n_felts,
            "constraints_per_slot": round(cs.num_constraints / n_slots),
            "l1_sponge_gas_per_slot": round(gas / n_slots)}


def timing(n_slots: int, record: int) -> dict:
    """Compile (shape only) and solve the hash of N records of random bytes."""
    rng = random.Random(1)
    data = bytes(rng.randrange(256) for _ in range(n_slots * record))
    bits = sha256.bytes_to_bits_be(data)

    def circuit(cs: ConstraintSystem) -> object:
        msg = [cs.witness(f"m{i}", b) for i, b in enumerate(bits)]
        return data_digest(cs, msg, check_bits=False)

    t0 = time.perf_counter()
    shape = ConstraintSystem(solve=False)
    circuit(shape)
    t1 = time.perf_counter()
    cs = ConstraintSystem(solve=True)
    out = circuit(cs)
    t2 = time.perf_counter()
    if cs.which_is_unsatisfied() is not None or cs.value(out) != data_digest_native(data):
        raise SystemExit("error: the circuit's digest differs from hashlib's")
    return {"n_slots": n_slots, "record_bytes": record, "constraints": shape.num_constraints,
            "compile_s": round(t1 - t0, 2), "solve_s": round(t2 - t1, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slots", default="16,64")
    ap.add_argument("--record-bytes", default="32,48,60,64")
    ap.add_argument("--time-slots", type=int, default=16)
    ap.add_argument("--time-record", type=int, default=48)
    args = ap.parse_args()
    slots = [int(x) for x in args.slots.split(",")]
    records = [int(x) for x in args.record_bytes.split(",")]
    l1 = L1()
    out = {
        "gas": "measured on the embedded EVM (pyrevm, Cancun); the batch per trade: benchmarks/bench_gas.py",
        "groth16_verify": l1.verify,
        "digest_to_field": "uint256(sha256(data)) >> 3",
        "circuit": circuit_costs(),
        "sha256_records": [sha_row(l1, n, b) for n in slots for b in records],
        "poseidon_alternative": [poseidon_row(l1, n, b) for n in slots for b in records],
        "timing": timing(args.time_slots, args.time_record),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
