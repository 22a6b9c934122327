"""Poseidon parameters compatible with circomlib, generated here from the Grain LFSR.

For a state width t (t = 2..17, i.e. 1..16 inputs) over Fr of BN254, circomlib's
Poseidon uses the x^5 S-box, R_F = 8 full rounds and R_P = N_ROUNDS_P[t - 2] partial
rounds. Its round constants and MDS matrix come from the Poseidon authors' reference
parameter script (Grain LFSR in self-shrinking mode), which this module reimplements:

1. An 80-bit LFSR is seeded with the bits (most significant first) of
   field = 1 (2 bits, prime field), sbox = 0 (4 bits, x^alpha), n = 254 (12 bits,
   the field size in bits), t (12 bits), R_F (10 bits), R_P (10 bits), then 30 ones.
   The recurrence is s[k+80] = s[k+62] ^ s[k+51] ^ s[k+38] ^ s[k+23] ^ s[k+13] ^ s[k].
2. The first 160 bits after the seed are discarded; after that bits are read in pairs (a, b) and
   b is output only when a = 1 (self-shrinking).
3. Round constants: (R_F + R_P) * t field elements, each 254 output bits read as a
   big-endian integer, redrawn while >= r.
4. MDS: 2t further 254-bit draws (reduced mod r, not redrawn) x_0..x_{t-1},
   y_0..y_{t-1}; mds[i][j] = 1 / (x_i + y_j) (a Cauchy matrix), applied to the
   state as a column vector: new[i] = sum_j mds[i][j] * old[j]. The matrix is not
   symmetric; the 64 circomlibjs vectors confirm this orientation (the transpose
   fails them).
   The reference script would redraw a matrix that fails its security tests (or has
   repeated or cancelling draws); for these 16 widths the first draw is the one
   circomlib uses, which the known answers confirm.

Only numbers and the algorithm are taken from the reference; the code is ours.
Generation is memoised per width, and the LFSR runs on whole machine words: the
recurrence's taps at offsets (80, 62, 51, 38, 23, 13, 0) are multiplied by 2^j in
GF(2)[x] (p(x)^(2^j) = p(x^(2^j))), so 18 * 2^j new bits come out of one step of
Python big-int shifts.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .field import R, inv

FIELD_BITS = 254
N_ROUNDS_F = 8
N_ROUNDS_P = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)
"""Partial rounds for t = 2..17 (circomlib)."""

MIN_WIDTH = 2
MAX_WIDTH = 17

_TAPS = (62, 51, 38, 23, 13, 0)
_SEED_LEN = 80
_SCALE = 64                      # steps of 18 * 64 = 1152 bits once warmed up
_WINDOW = _SEED_LEN * _SCALE     # state bits needed for a scaled step
_CHUNK = 18 * _SCALE


def _self_shrink_table() -> list[str]:
    """Byte (4 raw bit pairs, first pair in bits 0-1) -> the bits it outputs, in order."""
    table = []
    for byte in range(256):
        out = []
        for pair in range(4):
            a = (byte >> (2 * pair)) & 1
            b = (byte >> (2 * pair + 1)) & 1
            if a:
                out.append("1" if b else "0")
        table.append("".join(out))
    return table


_SHRINK = _self_shrink_table()


class Grain:
    """The reference script's Grain LFSR in self-shrinking mode, as a bit stream."""

    def __init__(self, t: int, r_f: int, r_p: int, n: int = FIELD_BITS):
        seed = f"{1:02b}{0:04b}{n:012b}{t:012b}{r_f:010b}{r_p:010b}" + "1" * 30
        assert len(seed) == _SEED_LEN
        # Raw sequence as an int with bit k = s[k]; first extended bit by bit-words.
        raw = int(seed[::-1], 2)
        length = _SEED_LEN
        mask18 = (1 << 18) - 1
        while length < _WINDOW:
            tail = raw >> (length - _SEED_LEN)
            new = 0
            for tap in _TAPS:
                new ^= tail >> tap
            raw |= (new & mask18) << length
            length += 18
        self._raw_tail = raw >> (length - _WINDOW)  # last _WINDOW raw bits
        # The seed and the next 160 bits are never output (240 = 30 whole bytes).
        self._bits = self._shrink(raw >> 240, length - 240)
        self._pos = 0

    @staticmethod
    def _shrink(raw: int, n_bits: int) -> str:
        """Self-shrink n_bits raw bits (n_bits a multiple of 8, bit 0 first)."""
        data = raw.to_bytes((n_bits + 7) // 8, "little")
        return "".join([_SHRINK[b] for b in data])

    def _extend(self) -> None:
        new_raw = 0
        state = self._raw_tail
        mask = (1 << _CHUNK) - 1
        produced = 0
        for _ in range(32):  # 32 scaled steps per refill, ~37k raw bits
            new = 0
            for tap in _TAPS:
                new ^= state >> (tap * _SCALE)
            new &= mask
            state = (state >> _CHUNK) | (new << (_WINDOW - _CHUNK))
            new_raw |= new << produced
            produced += _CHUNK
        self._raw_tail = state
        self._bits = self._bits[self._pos:] + self._shrink(new_raw, produced)
        self._pos = 0

    def bits(self, n: int) -> int:
        """The next n output bits as a big-endian integer."""
        while len(self._bits) - self._pos < n:
            self._extend()
        value = int(self._bits[self._pos:self._pos + n], 2)
        self._pos += n
        return value

    def field_element(self) -> int:
        """A uniform element of Fr by rejection (round constants)."""
        while True:
            v = self.bits(FIELD_BITS)
            if v < R:
                return v


@dataclass(frozen=True)
class PoseidonParams:
    """Parameters for one width: constants[round][i] and mds[i][j] (new_i = sum_j mds[i][j] old_j)."""

    t: int
    n_rounds_f: int
    n_rounds_p: int
    constants: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]

    @property
    def n_rounds(self) -> int:
        return self.n_rounds_f + self.n_rounds_p


def _check_width(t: int) -> None:
    if not isinstance(t, int) or not MIN_WIDTH <= t <= MAX_WIDTH:
        raise ValueError(f"Poseidon width t must be in {MIN_WIDTH}..{MAX_WIDTH} (1..16 inputs), got {t!r}")


@lru_cache(maxsize=None)
def params(t: int) -> PoseidonParams:
    """circomlib's Poseidon parameters for state width t (2..17), generated by Grain."""
    _check_width(t)
    r_f, r_p = N_ROUNDS_F, N_ROUNDS_P[t - 2]
    grain = Grain(t, r_f, r_p)
    flat = [grain.field_element() for _ in range((r_f + r_p) * t)]
    constants = tuple(tuple(flat[k * t:(k + 1) * t]) for k in range(r_f + r_p))
    draws = [grain.bits(FIELD_BITS) % R for _ in range(2 * t)]
    xs, ys = draws[:t], draws[t:]
    mds = tuple(tuple(inv(xs[i] + ys[j]) for j in range(t)) for i in range(t))
    return PoseidonParams(t, r_f, r_p, constants, mds)
