"""The batch's public input in the circuit (definition and native twin:
`circuits.spec.public_input`).

    public_input = uint256(sha256(HEADER || RECORDS)) >> 3
    HEADER = old_root || new_root || oracle_hash || prio_old || prio_new

Each header field is decomposed strictly (254 bits whose value is below r, so the 32
bytes are the canonical encoding L1 writes), the records are the slots' record bits
(`circuits.batch.records`), and one SHA-256 (`circuits.gadgets.data_hash`) hashes them.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand
from ..gadgets.data_hash import FIELD_WIDTH, data_digest, pack_record
from ..gadgets.sha256 import BLOCK_BITS, block_cost, pad_bits
from ..spec.public_input import HEADER_FIELDS

def header_bits(cs: ConstraintSystem, values: dict[str, Operand], name: str = "header") -> list[LC]:
    """The header's message bits from the five field elements (`HEADER_FIELDS` order),
    each strictly decomposed into its canonical 254 bits (bytes as `header_bytes` writes
    them); a prover decomposing the alias x + r fails at '<name>.f<i>.lt_r*'.

    Cost: 5 * 332 = 1,660 constraints.
    """
    if set(values) != set(HEADER_FIELDS):
        raise ValueError(f"header fields are {HEADER_FIELDS}")
    return pack_record(cs, [(values[n], FIELD_WIDTH) for n in HEADER_FIELDS], name=name)


def public_input_gadget(cs: ConstraintSystem, header: list[LC], records: Sequence[Sequence[LC]],
                        trailer: Sequence[LC], name: str = "data_hash") -> LC:
    """uint256(sha256(header || records || trailer)) >> 3 of the header's, the records' and
    the trailer's bits (all boolean already: decompositions and sums of bits of exclusive
    operations; the trailer is the solvency outputs, `circuits.batch.solvency`).

    Cost: `data_hash_cost(bit_pattern(header + records))` (SHA-256, about 25,600 per 64
    bytes; constant bits cost a little less).
    """
    bits = list(header)
    for r in records:
        bits += list(r)
    bits += list(trailer)
    return data_digest(cs, bits, check_bits=False, name=name)


def bit_pattern(bits: Sequence[LC]) -> tuple:
    """The message's shape for costing: each bit's constant value, or None if variable."""
    return tuple(b.constant_value() if b.is_constant() else None for b in bits)


def data_hash_cost(pattern: Sequence) -> int:
    """Constraints of `public_input_gadget` on a message of this `bit_pattern` (the
    compressions of SHA-256, one distinct block at a time; constant bits are cheaper)."""
    padded = list(pattern) + pad_bits(len(pattern))
    return sum(block_cost(k == 0, tuple(padded[k:k + BLOCK_BITS])) for k in range(0, len(padded), BLOCK_BITS))
