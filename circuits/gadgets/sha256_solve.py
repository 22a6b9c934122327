"""The witness of one SHA-256 compression computed on integers, for systems that only solve.

`sha256._compress` builds an LC for every bit, sum and product, which is most of a batch
witness's time (about half of the demo batch's) when all a solver keeps is the wire values
(`ConstraintSystem(record=False)`). `compress_values` replays the same gadget sequence
(`sha256_words`: the same folding of constant bits, the same intervals, the same hints and
products in the same order) on (value, constant?) pairs and appends the wires in one go:
the same witness, several times faster.

It declines (returns None, and the caller builds the gadget) unless the system solves
without recording and every input bit is 0 or 1. Each hinted value is checked here against
the constraint that pins it (bits boolean and recomposing their sum, q = (s^2 - s)/2), so
a wrong hint (a test impersonating a cheating prover) also declines and the gadget names
the failing constraint as before; products and constant folds hold by construction. With
boolean inputs and honest hints every constraint of the compression holds, which is why
counting them is enough. Tests compare it with the gadget on random blocks with random
constant bits (`tests/test_sha256_solve.py`).

Constants decide the gadget's shape (a product with a constant folds, a constant sum needs
no decomposition), so the replay must know exactly which LCs are constant. For the Maj and
Ch bits, whose LCs do cancel with constant inputs (Maj(1, 1, c) = c + (1 - c)), it computes
them on LCs as the gadget does. Everywhere else no cancellation is possible provided the
variable input bits are linearly independent (checked on entry: each then acts as a
symbol of its own; every linear form here gives an input bit a nonzero net coefficient, a
sum of distinct signed powers of two, and product wires are new), so "constant" is "built
from constants only"; with dependent input bits it declines.

A bit is (value, constant, symbol): the symbol is a negative number per variable input bit,
or the wire of a bit `reduce32` made, None for a constant. A
sum is (value, lo, hi, constant): its exact integer value (possibly negative), the bounds
of `sha256_words.Sum`, and whether its LC would be constant.
"""
from __future__ import annotations

import operator
from typing import Optional, Sequence

from ..cs import LC, ConstraintSystem, folded_product
from ..field import R
from . import sha256_words as sw

WORD, MOD = sw.WORD, sw.MOD


class _Decline(Exception):
    """A hint does not satisfy its constraint: let the gadget build (and name) it."""


class _Wires:
    """The values of the wires the replay allocates, and the constraints it counts."""

    def __init__(self, base: int):
        self.base, self.values, self.constraints = base, [], 0

    def new(self, v: int) -> int:
        self.values.append(v % R)
        return self.base + len(self.values) - 1

    def product(self, x: int, y: int) -> int:
        """cs.mul of two variable operands (values x, y): one wire."""
        self.new(x * y)
        self.constraints += 1
        return x * y

    def mul(self, x: LC, y: LC) -> LC:
        """cs.mul: a constant operand folds, else one wire."""
        folded = folded_product(x, y)
        if folded is not None:
            return folded
        self.constraints += 1
        return LC({self.new(x.val * y.val): 1}, x.val * y.val % R)

    def pairs(self, s: int) -> int:
        """`sha256_words._pairs_sum`: the hinted q, checked."""
        q = _hinted(sw._pairs, s)
        if (s * s - s - 2 * q) % R:
            raise _Decline
        self.new(q)
        self.constraints += 1
        return q


def _hinted(fn, *args):
    """A hint's value(s) reduced as the system stores them (`cs.hint` takes any integer,
    numpy's included); anything unexpected declines, and the gadget then does what it does."""
    try:
        out = fn(*args)
        if isinstance(out, (list, tuple)):
            return [operator.index(v) % R for v in out]
        return operator.index(out) % R
    except Exception:   # noqa: BLE001 -- a hint that misbehaves is the gadget's to report
        raise _Decline from None


def _term(v: int, const: bool) -> tuple:
    return (v, v, v, True) if const else (v, 0, 1, False)


def _xor_bit(W: _Wires, ins: Sequence[tuple], need: int) -> tuple:
    k, vs = 0, []
    for v, c, *_ in ins:
        if c:
            k ^= v
        else:
            vs.append(v)
    if len(vs) <= 1:
        if not vs:
            return _term(k, True)
        return (1 - vs[0] if k else vs[0], 0, 1, False)
    s = sum(vs)
    if need == 1:
        return (s + k, k, len(vs) + k, False)
    if len(vs) == 2:
        x = s - 2 * W.product(vs[0], vs[1])
    elif need == 2:
        return (s - 2 * W.pairs(s), -3, 1, False)
    else:           # a + b - 2ab is never a constant: a and b are variables, ab a new wire
        a, b, c = vs
        p = W.product(a, b)
        x = s - 2 * p - 2 * W.product(a + b - 2 * p, c)
    return (1 - x if k else x, 0, 1, False)


def _lc(bit: tuple) -> LC:
    return LC.constant(bit[0]) if bit[1] else LC({bit[2]: 1}, bit[0])


def _lc_term(x: LC) -> tuple:
    k = x.constant_value()
    return (k, k, k, True) if k is not None else (x.val, 0, 1, False)


def _maj_bit(W: _Wires, a: tuple, b: tuple, c: tuple, need: int) -> tuple:
    # with constant inputs the gadget's LCs may cancel (Maj(1, 1, c) = c + (1 - c) = 1),
    # so this one is replayed on LCs of the bits' wires, exactly as the gadget computes
    if need == 1 and not (a[1] or b[1] or c[1]):
        return (W.pairs(a[0] + b[0] + c[0]), 0, 3, False)
    la, lb, lc_ = _lc(a), _lc(b), _lc(c)
    bc = W.mul(lb, lc_)
    return _lc_term(bc + W.mul(la, lb + lc_ - 2 * bc))


def _ch_bit(W: _Wires, e: tuple, f: tuple, g: tuple) -> tuple:
    lg = _lc(g)
    return _lc_term(lg + W.mul(_lc(e), _lc(f) - lg))


def _pack(terms: Sequence[tuple]) -> tuple:
    v = lo = hi = 0
    const = True
    for i, t in enumerate(terms):
        v += t[0] << i
        lo += t[1] << i
        hi += t[2] << i
        const = const and t[3]
    return v, lo, hi, const


def _packed(bits: Sequence[tuple]) -> tuple:
    return _pack([(b[0], b[0], b[0], True) if b[1] else (b[0], 0, 1, False) for b in bits])


def _as_sum(x) -> tuple:
    return x if isinstance(x, tuple) else _packed(x)


def _add(*xs) -> tuple:
    v = lo = hi = 0
    const = True
    for x in xs:
        if isinstance(x, int):
            v, lo, hi = v + x, lo + x, hi + x
        else:
            v, lo, hi, const = v + x[0], lo + x[1], hi + x[2], const and x[3]
    return v, lo, hi, const


def _sub(x: tuple, y: tuple) -> tuple:
    return x[0] - y[0], x[1] - y[2], x[2] - y[1], x[3] and y[3]


def _bits_needed(s: tuple) -> int:
    return sw.reduce_bits(sw.Sum(None, s[1], s[2]))


def _reduce32(W: _Wires, s: tuple) -> list:
    v, lo, hi, const = s
    if const:
        w = v % MOD
        return [((w >> i) & 1, True, None) for i in range(WORD)]
    off = -(lo // MOD) * MOD if lo < 0 else 0
    n = _bits_needed(s)
    if n > 250:
        raise _Decline                  # the gadget raises its ValueError
    x = v + off
    m = n if n == WORD else n - 1       # hinted bits; above WORD the msb is no wire
    bits = _hinted(sw._bits_of, x, m)
    if not isinstance(bits, list) or len(bits) != m or any(b > 1 for b in bits):
        raise _Decline
    low = sum(b << i for i, b in enumerate(bits))
    if (n == WORD and low != x) or (n > WORD and (x - low) not in (0, 1 << (n - 1))):
        raise _Decline
    out = [(b, False, W.new(b)) for b in bits]
    W.constraints += m + 1              # booleanity, then the sum (n == 32) or the msb's
    return out[:WORD]


def _xor_rot(W: _Wires, x: list, rots: Sequence[int], shr: int = 0) -> tuple:
    terms = []
    for i in range(WORD):
        ins = [x[(i + r) % WORD] for r in rots]
        if shr and i + shr < WORD:
            ins.append(x[i + shr])
        terms.append(_xor_bit(W, ins, WORD - i))
    return _pack(terms)


def _schedule(W: _Wires, words: list) -> list:
    w = list(words)
    for t in range(16, 64):
        s = _add(_xor_rot(W, w[t - 2], (17, 19), 10), _as_sum(w[t - 7]),
                 _xor_rot(W, w[t - 15], (7, 18), 3), _as_sum(w[t - 16]))
        w.append(_reduce32(W, s) if t + 2 < 64 else s)
    return w


def _round(W: _Wires, v: list, wt, kt: int, last: bool) -> list:
    a, b, c, d, e, f, g, h = v
    t1 = _add(_as_sum(h), _xor_rot(W, e, (6, 11, 25)), _pack([_ch_bit(W, e[i], f[i], g[i]) for i in range(WORD)]),
              kt, _as_sum(wt))
    t2 = _add(_xor_rot(W, a, (2, 13, 22)),
              _pack([_maj_bit(W, a[i], b[i], c[i], WORD - i) for i in range(WORD)]))
    e_new = _add(_as_sum(d), t1)
    if last:
        return [_add(t1, t2), a, b, c, e_new, e, f, g]
    e_new = _reduce32(W, e_new)
    a_new = min(_add(_sub(_packed(e_new), _as_sum(d)), t2), _add(t1, t2), key=_bits_needed)
    return [_reduce32(W, a_new), a, b, c, e_new, e, f, g]


def _independent(lcs: Sequence[LC]) -> bool:
    """The LCs' variable parts are linearly independent: bits sharing no wire are; the few
    that share wires (e.g. an operation code's bits, sums of one-hot flags) are eliminated
    group by group."""
    owner: dict[int, int] = {}
    parent = list(range(len(lcs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, x in enumerate(lcs):
        for v in x.terms:
            if v:
                j = owner.setdefault(v, i)
                if j != i:
                    parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(lcs)):
        groups.setdefault(root(i), []).append(i)
    return all(len(g) == 1 or _rank(lcs[i] for i in g) == len(g) for g in groups.values())


def _rank(lcs) -> int:
    """Rank over F_r of the LCs' variable parts (Gaussian elimination on dicts)."""
    pivots: dict[int, dict[int, int]] = {}
    rank = 0
    for x in lcs:
        row = {v: c for v, c in x.terms.items() if v}
        while row:
            v = min(row)
            if v not in pivots:
                pivots[v] = row
                rank += 1
                break
            p = pivots[v]
            f = row[v] * pow(p[v], -1, R) % R
            for w, c in p.items():
                row[w] = (row.get(w, 0) - f * c) % R
                if not row[w]:
                    del row[w]
    return rank


def compress_values(cs: ConstraintSystem, state: list, block: list, round_constants: Sequence[int]
                    ) -> Optional[list]:
    """`sha256._compress(cs, state, block)` for a system that solves without recording: the
    eight output words (bits as LCs: constants or the new wires), the same wires and the
    same count of constraints; None when it declines (module docstring)."""
    if not cs.solving or cs.recording:
        return None
    bits, variables, symbol = [], [], 0
    for word in (*state, *block):
        row = []
        for x in word:
            if x.val > 1:
                return None
            if x.constant_value() is not None:
                row.append((x.val, True, None))
                continue
            variables.append(x)
            symbol -= 1                 # a variable bit stands for itself (module docstring)
            row.append((x.val, False, symbol))
        bits.append(row)
    if not _independent(variables):
        return None
    W = _Wires(cs.num_variables)
    try:
        st, w = bits[:8], _schedule(W, bits[8:])
        v = list(st)
        for t in range(64):
            v = _round(W, v, w[t], round_constants[t], t == 63)
        out = [_reduce32(W, _add(_packed(s), _as_sum(x))) for s, x in zip(st, v)]
    except _Decline:
        return None
    if cs.append_solved(W.values, W.constraints) != W.base:
        raise AssertionError("wires were allocated during the replay")
    return [[LC.constant(b) if wire is None else LC({wire: 1}, b) for b, _, wire in word] for word in out]
