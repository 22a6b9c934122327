"""Binding the posted data in the proof: SHA-256 in the circuit vs L1 gas, per slot.

Circuit side (exact counts, circuits.gadgets.sha256): constraints of one compression
(variable; first block, state = IV; a block of constant words), per byte of a long
message, and for the posted data of N slots with a fixed-size record of B bytes each
(N * B bytes hashed once, Loopring style), amortised per slot, padding included. Record
bits are taken as already constrained boolean (check_bits=False: the slot circuit has
range-checked its fields) and all variable (an upper bound: the zero high bits of
byte-aligned fields are constants and cost nothing).

L1 side, MODEL FIGURES from verifier/gas.py (not EVM measurements): the SHA-256
precompile, 60 + 12 * ceil(D / 32) gas for D bytes; the data's calldata, 16 gas per
non-zero byte and 4 per zero byte, priced on random-looking bytes (almost all non-zero:
an upper bound) with its ABI length word and padding; the Groth16 verification's share
per slot; and the whole modelled batch per trade (verifier.gas.per_trade_gas with that
data). For comparison, Poseidon on both sides: the data as 31-byte field elements
through the width-17 sponge (circuits.gadgets.poseidon.poseidon_sponge) and its L1 gas
(verifier.gas.sponge_gas).

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
from verifier import gas

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


def sha_row(n_slots: int, record: int) -> dict:
    d = n_slots * record
    constraints = sha256.message_cost(8 * d, check_bits=False)
    data = gas.synthetic_data(d)
    sha_gas, cd_gas = gas.data_hash_gas(data), gas.data_calldata_gas(data)
    verify = gas.groth16_verify_gas(1)
    batch = gas.per_trade_gas(n_slots, data_per_trade=record)
    return {
        "n_slots": n_slots, "record_bytes": record, "data_bytes": d,
        "blocks": sha256.n_blocks(d),
        "constraints": constraints,
        "constraints_per_slot": round(constraints / n_slots),
        "constraints_per_byte": round(constraints / d, 1),
        "gas_model": {
            "sha256_precompile": sha_gas,
            "data_calldata": cd_gas,
            "data_binding_per_slot": round((sha_gas + cd_gas) / n_slots),
            "groth16_verify_per_slot": round(verify / n_slots),
            "modelled_batch_per_trade": batch["gas_per_trade"],
            "modelled_batch_items_per_trade": {k: round(v / n_slots)
                                               for k, v in batch["items"].items() if k != "total"},
        },
    }


def poseidon_row(n_slots: int, record: int) -> dict:
    n_felts = n_slots * -(-record // FELT_BYTES)
    cs = ConstraintSystem(solve=False)
    poseidon_gadget.poseidon_sponge(cs, [cs.witness(f"x{i}") for i in range(n_felts)])
    l1 = gas.sponge_gas(n_felts)
    return {"n_slots": n_slots, "record_bytes": record, "field_elements": n_felts,
            "constraints_per_slot": round(cs.num_constraints / n_slots),
            "l1_sponge_gas_per_slot": round(l1 / n_slots)}


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
    out = {
        "gas_model": "MODEL FIGURES (verifier/gas.py), not EVM measurements",
        "formulas": {
            "sha256_precompile": f"{gas.SHA256_BASE} + {gas.SHA256_WORD} * ceil(D / 32)",
            "calldata": f"{gas.CALLDATA_NONZERO} * nonzero_bytes + {gas.CALLDATA_ZERO} * zero_bytes "
                        "(+ ABI length word and padding to 32)",
            "groth16_verify": gas.groth16_verify_gas(1),
            "digest_to_field": "uint256(sha256(data)) >> 3",
        },
        "circuit": circuit_costs(),
        "sha256_records": [sha_row(n, b) for n in slots for b in records],
        "poseidon_alternative": [poseidon_row(n, b) for n in slots for b in records],
        "timing": timing(args.time_slots, args.time_record),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
