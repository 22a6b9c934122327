"""32-bit word arithmetic for SHA-256 in R1CS: words as bits, additions reduced lazily.

A word is 32 boolean LCs, little-endian (``w[i]`` has weight 2^i); rotations and shifts
only reorder that list, so they are free, and so are constant bits (round constants, IV,
padding), which fold into the linear combinations.

SHA-256 consumes its bitwise functions (Sigma0/1, sigma0/1, Ch, Maj) only through
additions modulo 2^32. They are therefore returned packed, as a `Sum`: an LC whose
integer value lies in a compile-time interval [lo, hi] and is congruent to the right
word modulo 2^32. `reduce32` turns a `Sum` back into the 32 bits of its value modulo
2^32 with one decomposition, whose carry bits it sizes from the interval.

Since only the value modulo 2^32 matters, bit i of a bitwise result needs to be right
only modulo 2^(32-i). With s = a + b + c, xor3 = s - 2 maj and maj = q - 2abc where
q = ab + bc + ca = (s^2 - s)/2 (one constraint: s * s = s + 2q):

* bit 31 needs parity only: xor is replaced by s (free), maj by q (1 constraint, not 2);
* bit 30 needs the value modulo 4: xor3 is replaced by s - 2q (1 constraint, not 2).

Costs, all inputs variable: xor of three bits 2 constraints (p = ab, u = (a xor b) c),
of two bits 1, Ch 1 (g + e (f - g)), Maj 2 (bc, then a (b + c - 2bc)); with the
exceptions above, Sigma costs 61 per word, sigma0 60, sigma1 53, Maj 63, Ch 32.
Constant inputs cost nothing: every product with a constant folds.

Soundness: every hinted variable is pinned by its constraints to one value (products,
q; decomposition bits are unique because 2^n < r), so each `Sum` evaluates to an integer
in [lo, hi] whenever the input bits are boolean. `reduce32` adds a multiple of 2^32 to
make that interval non-negative and decomposes into n = bitlen(hi + offset) bits, so the
decomposition is exact and its low 32 bits are the value modulo 2^32. A `Sum` must never
be used as an exact integer: it is right only modulo 2^32.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

from ..cs import LC, ConstraintSystem, lc_sum, weighted_sum
from ..field import R, inv

WORD = 32
MOD = 1 << WORD
_POW2 = [1 << i for i in range(256)]
_INV_POW2 = [inv(1 << i) for i in range(256)]


@dataclass(frozen=True)
class Sum:
    """An LC whose integer value lies in [lo, hi]; congruent to a word modulo 2^32."""

    lc: LC
    lo: int
    hi: int

    def __add__(self, other: Union["Sum", int]) -> "Sum":
        if isinstance(other, int):
            return Sum(self.lc + other, self.lo + other, self.hi + other)
        return Sum(self.lc + other.lc, self.lo + other.lo, self.hi + other.hi)

    __radd__ = __add__

    def __sub__(self, other: "Sum") -> "Sum":
        return Sum(self.lc - other.lc, self.lo - other.hi, self.hi - other.lo)


Word = list[LC]
"""32 boolean LCs, little-endian."""


def packed(bits: Sequence[LC]) -> Sum:
    """A word's bits as a `Sum` (exact; bounds tightened by constant bits). Cost: 0."""
    lo = hi = 0
    for i, b in enumerate(bits):
        k = b.constant_value()
        if k is None:
            hi += _POW2[i]
        else:
            lo += k << i
            hi += k << i
    return Sum(weighted_sum(_POW2[:len(bits)], bits), lo, hi)


def as_sum(x: Union[Word, Sum]) -> Sum:
    """A `Sum` as it is, or a word's bits packed."""
    return x if isinstance(x, Sum) else packed(x)


def constant_word(v: int) -> Word:
    """The constant word v (v < 2^32) as constant bits. Cost: 0."""
    return [LC.constant((v >> i) & 1) for i in range(WORD)]


def _offset(s: Sum) -> int:
    # the multiple of 2^32 that makes the interval non-negative
    return -(s.lo // MOD) * MOD if s.lo < 0 else 0


def reduce_bits(s: Sum) -> int:
    """How many bits `reduce32` decomposes ``s`` into (32 plus the carry bits)."""
    return max(WORD, (s.hi + _offset(s)).bit_length())


def _bits_of(v: int, n: int) -> list[int]:
    # the hint of every decomposition (module level so tests can impersonate a cheating prover)
    return [(v >> i) & 1 for i in range(n)]


def reduce32(cs: ConstraintSystem, s: Sum, name: str = "sum") -> Word:
    """The 32 bits of s modulo 2^32, s's integer value being in [s.lo, s.hi].

    Enforces: n hinted bits boolean with s + offset == sum(bits[i] 2^i), where offset is
    the multiple of 2^32 that makes the interval non-negative and n = bitlen(hi + offset)
    (at least 32); so bits 32.. are the carry. The most significant bit is not a variable:
    it is the linear combination (s + offset - lower bits) / 2^(n-1), whose booleanity
    constraint '<name>.msb' also states the sum. Constraints '<name>.bool<i>' check the
    others. A constant s costs nothing.

    Cost: n constraints (n + 1 when n == 32: then the sum is its own constraint '<name>.sum').
    """
    k = s.lc.constant_value()
    if k is not None:
        v = k if k <= s.hi else k - R  # the integer in [lo, hi] (|value| < 2^64)
        return constant_word(v % MOD)
    off = _offset(s)
    n = reduce_bits(s)
    if n > 250:
        raise ValueError(f"sum interval [{s.lo}, {s.hi}] too wide to reduce")
    x = s.lc + off
    with cs.namespace(name):
        if n == WORD:
            bits = cs.hint(_bits_of, x, WORD, n_out=WORD, name="b")
            for i, b in enumerate(bits):
                cs.enforce(b, b - 1, 0, name=f"bool{i}")
            cs.enforce(weighted_sum(_POW2[:WORD], bits), 1, x, name="sum")
            return bits
        low = cs.hint(_bits_of, x, n - 1, n_out=n - 1, name="b")
        msb = (x - weighted_sum(_POW2[:n - 1], low)) * _INV_POW2[n - 1]
        for i, b in enumerate(low):
            cs.enforce(b, b - 1, 0, name=f"bool{i}")
        cs.enforce(msb, msb - 1, 0, name="msb")
    return (low + [msb])[:WORD]


# ---- bitwise functions, one output bit, packed ---------------------------------------------
# Each returns (lc, lo, hi); `need` is how many low bits of the output bit's value matter
# (32 - i for bit i): 1 = parity, 2 = modulo 4, more = exact.

Term = tuple[LC, int, int]


def _term(x: LC, lo: int, hi: int) -> Term:
    k = x.constant_value()
    return (x, k, k) if k is not None else (x, lo, hi)


def _pairs(v: int) -> int:
    # ab + bc + ca of three bits from s = a + b + c (module level: tests impersonate a cheat)
    return (v * v - v) // 2


def _pairs_sum(cs: ConstraintSystem, s: LC, name: str) -> LC:
    """q = (s^2 - s)/2 for s = a + b + c (= ab + bc + ca). Cost: 1 constraint."""
    q = cs.hint(_pairs, s, name=name)
    cs.enforce(s, s, s + 2 * q, name=name)
    return q


def xor_bit(cs: ConstraintSystem, ins: Sequence[LC], need: int, name: str) -> Term:
    """XOR of 1..3 bits (constants folded), right modulo 2^need."""
    k, vs = 0, []
    for x in ins:
        c = x.constant_value()
        if c is None:
            vs.append(x)
        else:
            k ^= c
    if len(vs) <= 1:
        x = vs[0] if vs else LC.constant(0)
        return _term(1 - x if k else x, 0, 1)
    s = lc_sum(vs)
    if need == 1:
        return (s + k, k, len(vs) + k)
    if len(vs) == 2:
        x = s - 2 * cs.mul(vs[0], vs[1], name=f"{name}.ab")
    elif need == 2:
        return (s - 2 * _pairs_sum(cs, s, f"{name}.q"), -3, 1)
    else:
        a, b, c = vs
        p = cs.mul(a, b, name=f"{name}.ab")
        x = s - 2 * p - 2 * cs.mul(a + b - 2 * p, c, name=f"{name}.abc")
    return (1 - x if k else x, 0, 1)


def maj_bit(cs: ConstraintSystem, a: LC, b: LC, c: LC, need: int, name: str) -> Term:
    """Maj(a, b, c) = bc + a (b + c - 2bc) (constants folded), right modulo 2^need."""
    if need == 1 and all(x.constant_value() is None for x in (a, b, c)):
        return (_pairs_sum(cs, a + b + c, f"{name}.q"), 0, 3)
    bc = cs.mul(b, c, name=f"{name}.bc")
    return _term(bc + cs.mul(a, b + c - 2 * bc, name=f"{name}.m"), 0, 1)


def ch_bit(cs: ConstraintSystem, e: LC, f: LC, g: LC, name: str) -> Term:
    """Ch(e, f, g) = g + e (f - g) (constants folded): exact."""
    return _term(g + cs.mul(e, f - g, name=name), 0, 1)


def _pack_terms(terms: Sequence[Term]) -> Sum:
    return Sum(weighted_sum(_POW2[:len(terms)], [t[0] for t in terms]),
               sum(t[1] << i for i, t in enumerate(terms)),
               sum(t[2] << i for i, t in enumerate(terms)))


# ---- word functions --------------------------------------------------------------------------

def xor_rot(cs: ConstraintSystem, x: Word, rots: Sequence[int], shr: int = 0,
            name: str = "sigma") -> Sum:
    """XOR of rotations right of x by ``rots`` and, if shr > 0, of x shifted right by shr:
    Sigma0/1 (three rotations) and sigma0/1 (two rotations and a shift), packed.

    Cost (no constant bits): 2 per bit of three variable inputs, 1 per bit of two, less 2
    at bit 31 and 1 at bit 30 (see the module docstring): Sigma 61, sigma0 60, sigma1 53.
    """
    terms = []
    for i in range(WORD):
        ins = [x[(i + r) % WORD] for r in rots]
        if shr and i + shr < WORD:
            ins.append(x[i + shr])
        terms.append(xor_bit(cs, ins, WORD - i, f"{name}[{i}]"))
    return _pack_terms(terms)


def maj_word(cs: ConstraintSystem, a: Word, b: Word, c: Word, name: str = "maj") -> Sum:
    """Maj(a, b, c) bitwise, packed. Cost: 63 constraints (no constant bits)."""
    return _pack_terms([maj_bit(cs, a[i], b[i], c[i], WORD - i, f"{name}[{i}]") for i in range(WORD)])


def ch_word(cs: ConstraintSystem, e: Word, f: Word, g: Word, name: str = "ch") -> Sum:
    """Ch(e, f, g) bitwise, packed. Cost: 32 constraints (no constant bits)."""
    return _pack_terms([ch_bit(cs, e[i], f[i], g[i], f"{name}[{i}]") for i in range(WORD)])
