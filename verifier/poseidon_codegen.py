"""EVM code generation for the Poseidon contracts: the stack, tracked symbolically, and the
rounds emitted onto it.

Every value lives on the EVM stack under a key (("s", i) for state element i, "r" for the
modulus at the bottom, "i" for a loop pointer) with a bound b meaning "below b*r". MULMOD
accepts any 256-bit operand and 5r < 2^256 < 6r, so sums of bounded values are plain ADDs
(3 gas) while their bound stays <= LIMIT, and a MOD is emitted only when it would not.
Each method emits its opcodes into the Asm and updates the model, so the generator can ask
where a key is (DUP/SWAP depth) and never loses track.
"""
from __future__ import annotations

import copy

from circuits.field import R

from .evm_asm import Asm
from .poseidon_plan import Plan, pow5

LIMIT = 5                       # a sum of at most 5 values below r fits in 256 bits
assert 5 * R < 2**256 < 6 * R


class Stack:
    """EVM stack tracked symbolically: entries [key, bound], bottom first. `bound` b means
    the value is below b*r (0 for r itself). Every method emits its opcodes."""

    def __init__(self, asm: Asm):
        self.a, self.s = asm, []

    def depth(self, key) -> int:
        for d, (k, _) in enumerate(reversed(self.s), 1):
            if k == key:
                return d
        raise KeyError(key)

    def bound(self, key) -> int:
        return self.s[-self.depth(key)][1]

    def _dup(self, d: int) -> None:
        if d > 16:
            raise ValueError("stack too deep for DUP")
        self.a.op(f"DUP{d}")
        self.s.append([None, self.s[-d][1]])

    def dup(self, key) -> None:
        self._dup(self.depth(key))

    def swap(self, d: int) -> None:
        if d > 16:
            raise ValueError("stack too deep for SWAP")
        self.a.op(f"SWAP{d}")
        self.s[-1], self.s[-1 - d] = self.s[-1 - d], self.s[-1]

    def pop(self) -> None:
        self.a.op("POP")
        self.s.pop()

    def push(self, value: int, bound: int = 1) -> None:
        self.a.push(value)
        self.s.append([None, bound])

    def push_r(self) -> None:
        d = self.depth("r")
        if d <= 16:
            self._dup(d)
        else:
            self.push(R, 0)

    def mload(self, offset: int) -> None:
        self.push(offset, 0)
        self.a.op("MLOAD")
        self.s[-1][1] = 1

    def binop(self, op: str, bound: int, n_args: int = 2) -> None:
        self.a.op(op)
        del self.s[-n_args:]
        self.s.append([None, bound])

    def name(self, key) -> None:
        self.s[-1][0] = key

    def rename(self, old, new) -> None:
        self.s[-self.depth(old)][0] = new

    def bring(self, key) -> None:
        d = self.depth(key)
        if d > 1:
            self.swap(d - 1)

    def drop(self, key) -> None:
        self.bring(key)
        self.pop()

    def reduce_top(self) -> None:
        if self.s[-1][1] > 1:
            self.push_r()
            self.swap(1)
            self.binop("MOD", 1)

    def arrange(self, keys: list) -> None:
        """Permute the top len(keys) entries into `keys` order (bottom first) with swaps."""
        n = len(keys)
        for pos in range(n):             # fix depth n - pos, deepest first
            want, d = keys[pos], n - pos
            cur = self.depth(want)
            if cur == d:
                continue
            if cur != 1:
                self.swap(cur - 1)
            self.swap(d - 1)




class Gen:
    def __init__(self, p: Plan, asm: Asm, mem: dict):
        self.p, self.st, self.mem = p, Stack(asm), mem

    def coef(self, c) -> None:
        """Push a coefficient: an int inline, or ("mem", offset)."""
        if isinstance(c, tuple):
            self.st.mload(c[1])
        else:
            self.st.push(c)

    def product(self, c, key) -> None:
        """c * key mod r on top."""
        self.st.push_r()
        self.st.dup(key)
        self.coef(c)
        self.st.binop("MULMOD", 1, 3)

    def add_into_top(self) -> None:
        """top2 + top1 with the lazy bound (reduce the lower one first if needed)."""
        s = self.st
        if s.s[-1][1] + s.s[-2][1] > LIMIT:
            s.swap(1)
            s.reduce_top()
        s.binop("ADD", s.s[-1][1] + s.s[-2][1])

    def lincomb(self, terms, out) -> None:
        for n, (c, key) in enumerate(terms):
            self.product(c, key)
            if n:
                self.add_into_top()
        self.st.name(out)

    def sbox(self, key, const) -> None:
        """key <- (key + const)^5 mod r, in place (key ends on top). const: int, or "loop"
        for the constant at memory[loop pointer]."""
        s = self.st
        s.bring(key)
        if s.s[-1][1] + 1 > LIMIT:
            s.reduce_top()
        if const == "loop":
            s.dup("i")
            s.binop("MLOAD", 1, 1)
            s.binop("ADD", s.s[-1][1] + s.s[-2][1])
        elif const:
            s.push(const)
            s.binop("ADD", s.s[-1][1] + s.s[-2][1])
        s.push_r()
        s._dup(2)
        s._dup(1)
        s.binop("MULMOD", 1, 3)            # [v, v^2]
        s.push_r()
        s.swap(1)
        s._dup(1)
        s.binop("MULMOD", 1, 3)            # [v, v^4]
        s.push_r()
        s.swap(2)
        s.binop("MULMOD", 1, 3)            # [v^5]
        s.name(key)

    def full_round(self, consts, matrix, rows=None) -> None:
        t = self.p.t
        for i in sorted(range(t), key=lambda i: self.st.depth(("s", i))):
            self.sbox(("s", i), consts[i])
        for j in (range(t) if rows is None else rows):
            self.lincomb([(matrix[j][i], ("s", i)) for i in range(t)], ("n", j))
        for i in range(t):
            self.st.drop(("s", i))
        for j in (range(t) if rows is None else rows):
            self.st.rename(("n", j), ("s", j))

    def dense_round(self, const, matrix) -> None:
        t = self.p.t
        self.sbox(("s", 0), const)
        for j in range(t):
            self.lincomb([(matrix[j][i], ("s", i)) for i in range(t)], ("n", j))
        for i in range(t):
            self.st.drop(("s", i))
            self.st.rename(("n", i), ("s", i))

    def sparse_round(self, const, row, col) -> None:
        t = self.p.t
        self.sbox(("s", 0), const)
        self.lincomb([(row[i], ("s", i)) for i in range(t)], ("n", 0))
        for j in range(1, t):
            s = self.st
            s.bring(("s", j))
            if s.s[-1][1] + 1 > LIMIT:
                s.reduce_top()
            self.product(col[j - 1], ("s", 0))
            s.binop("ADD", s.s[-1][1] + s.s[-2][1])
            s.name(("s", j))
        self.st.drop(("s", 0))
        self.st.rename(("n", 0), ("s", 0))


def matrix_in_memory(m, base: int):
    return tuple(tuple(("mem", base + 32 * (i * len(m) + j)) for j in range(len(m))) for i in range(len(m)))


def emit_loop(g: Gen, a: Asm, start: int, end: int, matrix) -> None:
    """Dense partial rounds with constants memory[start:end] (one word each), in a loop."""
    st = g.st
    st.push(start, 0)
    st.name("i")
    layout = [k for k, _ in st.s[-(g.p.t + 1):]]
    # the body must accept what it produces: find bounds that are a fixed point
    entry = {k: b for k, b in st.s[-(g.p.t + 1):]}
    for _ in range(4):
        trial = copy.deepcopy(g)
        trial.st.a = Asm()
        for e in trial.st.s:
            if e[0] in entry:
                e[1] = entry[e[0]]
        trial.dense_round("loop", matrix)
        trial.st.arrange(layout)
        exit_ = {k: b for k, b in trial.st.s[-(g.p.t + 1):]}
        if all(exit_[k] <= entry[k] for k in entry):
            break
        entry = {k: max(entry[k], exit_[k]) for k in entry}
    for e in st.s:
        if e[0] in entry:
            e[1] = entry[e[0]]
    a.label("loop")
    g.dense_round("loop", matrix)
    st.arrange(layout)
    a.push(32)
    a.op("ADD", "DUP1")
    a.push(end)
    a.op("GT")                      # end > i + 32: another round
    a.push_label("loop")
    a.op("JUMPI")
    st.pop()                        # the pointer


def first_full_round(g: Gen, matrix) -> None:
    """Round 0 with s0 = 0: its S-box output (0 + c)^5 is a constant."""
    st, p = g.st, g.p
    st.push(pow5(p.full_constants[0][0]))
    st.name(("s", 0))
    for i in sorted(range(1, p.t), key=lambda i: st.depth(("s", i))):
        g.sbox(("s", i), p.full_constants[0][i])
    for j in range(p.t):
        g.lincomb([(matrix[j][i], ("s", i)) for i in range(p.t)], ("n", j))
    for i in range(p.t):
        st.drop(("s", i))
        st.rename(("n", i), ("s", i))
