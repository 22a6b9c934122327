"""SHA-256 (FIPS 180-4) in the circuit, equal to hashlib.sha256.

Messages are lists of boolean LCs in SHA-256's own bit order: bytes in order, each byte
most significant bit first (``bytes_to_bits_be``). The length is a compile-time
constant, so the padding is constant bits and costs nothing; so do constant message
bits, the IV and the round constants (they fold into linear combinations). The word
arithmetic and its cost tricks are in `sha256_words`.

Cost of one compression with variable state and block: 25,603 constraints (message
schedule 7,034, rounds 18,299, final additions 270). Constant inputs are cheaper: the
first block (state = IV) costs 25,257, and a block of constant words (the padding block
of a message that fills its last block) has a free schedule: 18,568. For comparison,
bellman's gadget costs 27,904 per compression and circomlib's ~29,380.
`message_cost` gives the exact count of a message length; `tests/constraint_counts.json`
pins these counts.

Native twins: `sha256_native` (hashlib), `compress_native` (a plain reference of one
compression), `bytes_to_bits_be`, `bits_be_to_bytes`, `pad_bits`.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Optional, Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc
from .sha256_solve import compress_values
from .sha256_words import (MOD, WORD, Sum, Word, as_sum, ch_word, constant_word, maj_word,
                           packed, reduce32, reduce_bits, xor_rot)

BLOCK_BITS = 512
DIGEST_BITS = 256


# ---- constants (FIPS 180-4 section 4.2.2 and 5.3.3), computed from their definition -------

def _first_primes(n: int) -> list[int]:
    out, k = [], 2
    while len(out) < n:
        if all(k % p for p in out):
            out.append(k)
        k += 1
    return out


def _iroot(x: int, e: int) -> int:
    """floor(x ** (1/e)) for integers (Newton's method)."""
    y = 1 << (x.bit_length() // e + 1)
    while True:
        z = ((e - 1) * y + x // y ** (e - 1)) // e
        if z >= y:
            return y
        y = z


# fractional parts of the square roots of the first 8 primes, of the cube roots of the first 64
IV = [_iroot(p << 64, 2) % MOD for p in _first_primes(8)]
K = [_iroot(p << 96, 3) % MOD for p in _first_primes(64)]


# ---- native twins --------------------------------------------------------------------------

def sha256_native(data: bytes) -> bytes:
    """SHA-256 of ``data`` (hashlib)."""
    return hashlib.sha256(bytes(data)).digest()


def bytes_to_bits_be(data: bytes) -> list[int]:
    """Bytes as SHA-256 reads them: bytes in order, most significant bit first."""
    return [(byte >> (7 - j)) & 1 for byte in data for j in range(8)]


def bits_be_to_bytes(bits: Sequence[int]) -> bytes:
    """Inverse of `bytes_to_bits_be` (len(bits) a multiple of 8)."""
    if len(bits) % 8:
        raise ValueError(f"{len(bits)} bits is not a whole number of bytes")
    return bytes(sum(b << (7 - j) for j, b in enumerate(bits[i:i + 8]))
                 for i in range(0, len(bits), 8))


def pad_bits(n_bits: int) -> list[int]:
    """The padding appended to a message of n_bits: a 1, zeros up to 448 modulo 512,
    then n_bits as a 64-bit big-endian integer."""
    if not 0 <= n_bits < 1 << 64:
        raise ValueError(f"message length must be in [0, 2^64) bits, got {n_bits}")
    zeros = (447 - n_bits) % BLOCK_BITS
    return [1] + [0] * zeros + [(n_bits >> (63 - j)) & 1 for j in range(64)]


def n_blocks(n_bytes: int) -> int:
    """Compressions SHA-256 runs on a message of n_bytes."""
    return (8 * n_bytes + 1 + 64 + BLOCK_BITS - 1) // BLOCK_BITS


def _rotr(x: int, r: int) -> int:
    return ((x >> r) | (x << (WORD - r))) % MOD


def compress_native(state: Sequence[int], block: bytes) -> list[int]:
    """One SHA-256 compression: 8 state words and a 64-byte block -> 8 words (reference)."""
    if len(state) != 8 or len(block) != BLOCK_BITS // 8:
        raise ValueError("compress_native takes 8 state words and a 64-byte block")
    w = [int.from_bytes(block[4 * j:4 * j + 4], "big") for j in range(16)]
    for t in range(16, 64):
        s0 = _rotr(w[t - 15], 7) ^ _rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
        s1 = _rotr(w[t - 2], 17) ^ _rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
        w.append((s1 + w[t - 7] + s0 + w[t - 16]) % MOD)
    a, b, c, d, e, f, g, h = state
    for t in range(64):
        t1 = h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]
        t2 = (_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
        h, g, f, e, d, c, b, a = g, f, e, (d + t1) % MOD, c, b, a, (t1 + t2) % MOD
    return [(x + y) % MOD for x, y in zip(state, [a, b, c, d, e, f, g, h])]


# ---- the circuit ---------------------------------------------------------------------------

def _schedule(cs: ConstraintSystem, words: list[Word]) -> list[Word | Sum]:
    """W_0..W_63. W_t is reduced to bits only if a sigma needs them (t <= 61); W_62 and
    W_63 stay unreduced sums, which the round additions reduce anyway."""
    w: list[Word | Sum] = list(words)
    for t in range(16, 64):
        with cs.namespace(f"w{t}"):
            s = (xor_rot(cs, w[t - 2], (17, 19), 10, "s1") + as_sum(w[t - 7])
                 + xor_rot(cs, w[t - 15], (7, 18), 3, "s0") + as_sum(w[t - 16]))
            w.append(reduce32(cs, s) if t + 2 < 64 else s)
    return w


def _round(cs: ConstraintSystem, v: list, wt: Word | Sum, kt: int, last: bool) -> list:
    """One round on the working variables v = [a..h]; the new a and e are reduced to bits,
    except in the last round, whose sums go straight into the final additions."""
    a, b, c, d, e, f, g, h = v
    t1 = (as_sum(h) + xor_rot(cs, e, (6, 11, 25), name="S1") + ch_word(cs, e, f, g) + kt
          + as_sum(wt))
    t2 = xor_rot(cs, a, (2, 13, 22), name="S0") + maj_word(cs, a, b, c)
    e_new = as_sum(d) + t1
    if last:
        return [t1 + t2, a, b, c, e_new, e, f, g]
    e_new = reduce32(cs, e_new, "e")
    # a' = t1 + t2 = e' - d + t2 (mod 2^32): the second form has a narrower interval
    a_new = min(packed(e_new) - as_sum(d) + t2, t1 + t2, key=reduce_bits)
    return [reduce32(cs, a_new, "a"), a, b, c, e_new, e, f, g]


def _compress(cs: ConstraintSystem, state: list[Word], block: list[Word]) -> list[Word]:
    fast = compress_values(cs, state, block, K)     # a solve-only system: the same wires, on ints
    if fast is not None:
        return fast
    with cs.namespace("schedule"):
        w = _schedule(cs, block)
    v = list(state)
    for t in range(64):
        with cs.namespace(f"round{t}"):
            v = _round(cs, v, w[t], K[t], t == 63)
    with cs.namespace("final"):
        return [reduce32(cs, packed(s) + as_sum(x), f"h{i}") for i, (s, x) in enumerate(zip(state, v))]


def _words(bits_be: Sequence[LC]) -> list[Word]:
    """Big-endian bits -> little-endian 32-bit words."""
    return [list(reversed(bits_be[j:j + WORD])) for j in range(0, len(bits_be), WORD)]


def _bits_be(words: Sequence[Word]) -> list[LC]:
    return [b for w in words for b in reversed(w)]


def sha256_compress(cs: ConstraintSystem, state_bits: Sequence[Operand],
                    block_bits: Sequence[Operand], name: str = "sha256_compress") -> list[LC]:
    """One SHA-256 compression: a 256-bit state and a 512-bit block, both as big-endian
    bits (the digest's and the message's bit order), to the new 256-bit state.

    Enforces out == compress(state, block), provided every input bit is boolean: the
    caller must ensure it (outputs of `sha256_compress` and `sha256_bits` are). The
    output bits are constrained boolean.

    Cost: 25,603 constraints with every input bit variable; less with constant bits.
    """
    if len(state_bits) != DIGEST_BITS or len(block_bits) != BLOCK_BITS:
        raise ValueError(f"need {DIGEST_BITS} state bits and {BLOCK_BITS} block bits, "
                         f"got {len(state_bits)} and {len(block_bits)}")
    with cs.namespace(name):
        out = _compress(cs, _words([as_lc(b) for b in state_bits]),
                        _words([as_lc(b) for b in block_bits]))
    return _bits_be(out)


def _message_bits(cs: ConstraintSystem, bits: Sequence[Operand], check_bits: bool) -> list[LC]:
    out = []
    for i, x in enumerate(bits):
        b = as_lc(x)
        k = b.constant_value()
        if k is not None:
            if k not in (0, 1):
                raise ValueError(f"message bit {i} is the constant {k}, not a bit")
        elif check_bits:
            cs.enforce(b, b - 1, 0, name=f"bool{i}")
        out.append(b)
    return out


def sha256_bits(cs: ConstraintSystem, bits_be: Sequence[Operand], check_bits: bool = True,
                name: str = "sha256") -> list[LC]:
    """SHA-256 of a message of len(bits_be) bits (any length, fixed when compiling), given
    bytes in order, each most significant bit first; returns the 256 digest bits in the
    same order (``bits_be_to_bytes`` of their values is hashlib's digest).

    Enforces the digest; with ``check_bits`` (default) also that every non-constant
    message bit is boolean ('<name>.bool<i>', 1 constraint each). Pass check_bits=False
    only for bits already constrained boolean (a decomposition's, a comparator's).
    Constant bits must be 0 or 1 (ValueError otherwise).

    Cost: the compressions (25,603 each with variable inputs; the first is cheaper since
    its state is the IV, and constant message bits, padding included, cost nothing) plus
    one per non-constant message bit when check_bits.
    """
    state = [constant_word(v) for v in IV]
    with cs.namespace(name):
        msg = _message_bits(cs, bits_be, check_bits)
        padded = msg + [LC.constant(b) for b in pad_bits(len(msg))]
        for k in range(0, len(padded), BLOCK_BITS):
            with cs.namespace(f"block{k // BLOCK_BITS}"):
                state = _compress(cs, state, _words(padded[k:k + BLOCK_BITS]))
    return _bits_be(state)


# ---- cost without building the whole message --------------------------------------------

@lru_cache(maxsize=64)
def block_cost(first: bool, pattern: tuple[Optional[int], ...]) -> int:
    """Constraints of one compression: state IV (first) or variable; block bits constant
    (0/1) or variable (None)."""
    cs = ConstraintSystem(solve=False)
    state = ([constant_word(v) for v in IV] if first else
             _words([cs.witness(f"s{i}") for i in range(DIGEST_BITS)]))
    block = [cs.witness(f"m{i}") if b is None else LC.constant(b) for i, b in enumerate(pattern)]
    _compress(cs, state, _words(block))
    return cs.num_constraints


def message_cost(n_bits: int, check_bits: bool = True) -> int:
    """Constraints of `sha256_bits` on a message of n_bits variable bits, computed one
    distinct block at a time (middle blocks are all alike), so a long message costs no
    more memory than one block. Equal to building it (tests check this)."""
    padded = [None] * n_bits + pad_bits(n_bits)
    total = n_bits if check_bits else 0
    for k in range(0, len(padded), BLOCK_BITS):
        total += block_cost(k == 0, tuple(padded[k:k + BLOCK_BITS]))
    return total
