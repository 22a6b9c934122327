"""Posted data bound by the proof: the byte layout of data records and their SHA-256
digest as a field element. One definition for the circuit and the L1 side (native twins).

* A record is a sequence of fields (value, width in bits). Each field takes
  ceil(width / 8) bytes, big-endian, its unused high bits zero; a record is its fields
  in order, and the posted data is records concatenated. `field_bits_be` is the layout;
  `pack_record_native` (bytes) and `pack_record` (message bits in the circuit) both
  build on it. Width 1..253 is an unsigned integer below 2^width; width 254
  (`FIELD_WIDTH`) is a field element, canonical (below r), in 32 bytes.
* The digest enters the public input as uint256(sha256(data)) >> 3: the top 253 bits of
  the digest, below 2^253 < r, so no reduction is needed on either side, and a contract
  computes it with one shift of the precompile's output. (253 bits leave 126 bits of
  collision resistance.)

In the circuit the zero high bits of a field are constant bits: they cost nothing in
SHA-256. Native twins: `pack_record_native`, `digest_to_field_native`,
`data_digest_native`.
"""
from __future__ import annotations

from typing import Sequence, TypeVar, Union

from ..cs import LC, ConstraintSystem, Operand, as_lc, weighted_sum
from ..field import R, R_BITS
from .bits import bits_le, bits_le_native, bits_le_strict, bits_le_strict_native
from .sha256 import bits_be_to_bytes, sha256_bits, sha256_native

FIELD_WIDTH = R_BITS
"""Width that denotes a whole field element (canonical, < r), written in 32 bytes."""
DIGEST_SHIFT = 3
DIGEST_FIELD_BITS = 256 - DIGEST_SHIFT

T = TypeVar("T")
FieldIn = tuple[Union[Operand, Sequence[LC]], int]
"""A record field in the circuit: (value LC, width) or (its little-endian bits, width)."""


def _check_width(width: int) -> None:
    if not isinstance(width, int) or not 1 <= width <= FIELD_WIDTH:
        raise ValueError(f"field width must be an int in 1..{FIELD_WIDTH}, got {width!r}")


def field_bytes(width: int) -> int:
    """Bytes a field of `width` bits takes in a record."""
    _check_width(width)
    return (width + 7) // 8


def record_size(widths: Sequence[int]) -> int:
    """Bytes of a record with fields of these widths."""
    return sum(field_bytes(w) for w in widths)


def field_bits_be(bits_le: Sequence[T], width: int, zero: T) -> list[T]:
    """THE layout of one field: its width little-endian bits as the record's bits, big-endian
    and byte-aligned (leading zeros up to a whole number of bytes)."""
    if len(bits_le) != width:
        raise ValueError(f"a field of width {width} needs {width} bits, got {len(bits_le)}")
    return [zero] * (8 * field_bytes(width) - width) + list(reversed(bits_le))


# ---- native twins --------------------------------------------------------------------------

def pack_record_native(fields: Sequence[tuple[int, int]]) -> bytes:
    """The bytes of a record of (value, width) fields; ValueError if a value does not fit
    its width (or, for width 254, is not below r)."""
    bits: list[int] = []
    for value, width in fields:
        _check_width(width)
        if width == FIELD_WIDTH:
            if not 0 <= value < R:
                raise ValueError(f"{value} is not a canonical field element")
            le = bits_le_strict_native(value)
        else:
            le = bits_le_native(value, width)
        bits += field_bits_be(le, width, 0)
    return bits_be_to_bytes(bits)


def digest_to_field_native(digest: bytes) -> int:
    """uint256(digest) >> 3: the field element a 32-byte digest enters the commitment as."""
    if len(digest) != 32:
        raise ValueError(f"a SHA-256 digest has 32 bytes, got {len(digest)}")
    return int.from_bytes(digest, "big") >> DIGEST_SHIFT


def data_digest_native(data: bytes) -> int:
    """The field element binding ``data``: uint256(sha256(data)) >> 3."""
    return digest_to_field_native(sha256_native(data))


# ---- the circuit ---------------------------------------------------------------------------

def pack_record(cs: ConstraintSystem, fields: Sequence[FieldIn], name: str = "record") -> list[LC]:
    """A record's message bits (for `sha256_bits`, with check_bits=False): the same bytes
    as `pack_record_native`.

    Each field is (value, width) or (bits, width). A value is decomposed here, which also
    range-checks it: width <= 253 by `bits_le` (fails at '<name>.f<i>.sum' when the value
    does not fit; width + 1 constraints), width 254 by `bits_le_strict` (332). Bits are
    the caller's little-endian bits of the field, already constrained boolean with their
    weighted sum equal to the value (e.g. kept from the range check the circuit does
    anyway): 0 constraints, the decomposition is not paid twice.

    Cost: the decompositions of the fields given as values; 0 for fields given as bits.
    """
    out: list[LC] = []
    zero = LC.constant(0)
    with cs.namespace(name):
        for i, (x, width) in enumerate(fields):
            _check_width(width)
            if isinstance(x, (list, tuple)):
                bits = [as_lc(b) for b in x]
            elif width == FIELD_WIDTH:
                bits = bits_le_strict(cs, x, name=f"f{i}")
            else:
                bits = bits_le(cs, x, width, name=f"f{i}")
            out += field_bits_be(bits, width, zero)
    return out


def digest_to_field(digest_bits: Sequence[LC]) -> LC:
    """uint256(digest) >> 3 from the 256 digest bits (big-endian, as `sha256_bits` returns
    them): the top 253 bits packed. Below 2^253 < r: no wrap.

    Cost: 0 constraints.
    """
    if len(digest_bits) != 256:
        raise ValueError(f"a SHA-256 digest has 256 bits, got {len(digest_bits)}")
    return weighted_sum([1 << (DIGEST_FIELD_BITS - 1 - k) for k in range(DIGEST_FIELD_BITS)],
                        digest_bits[:DIGEST_FIELD_BITS])


def data_digest(cs: ConstraintSystem, bits_be: Sequence[Operand], check_bits: bool = True,
                name: str = "data_hash") -> LC:
    """The field element binding the data whose message bits are ``bits_be``:
    uint256(sha256(data)) >> 3, as `data_digest_native`.

    Cost: `sha256_bits` of the message (0 for the truncation).
    """
    return digest_to_field(sha256_bits(cs, bits_be, check_bits=check_bits, name=name))

