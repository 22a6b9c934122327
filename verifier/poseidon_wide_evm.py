"""circomlib's Poseidon of 1..16 inputs on L1 (any width t = 2..17): a small loop contract
whose constants live in data contracts.

For t >= 8 the state no longer fits the EVM stack's reach (DUP16) and the sparse rounds'
constants (up to ~3,000 words at t = 17) no longer fit a contract, so this form keeps the
state in memory and the constants of the fast form (verifier/poseidon_plan.py with every
partial round sparse) in "data contracts" (code = STOP + the words), which the hash copies
into memory with EXTCODECOPY at each call. Code and gas grow only with t; exits are its
users (the account leaf has 7 inputs, the positions hash K), where gas is secondary:
about 75k gas at t = 8 and 230k at t = 17 (benchmarks/bench_l1.py), against 38k for the
stack-resident T7 of verifier/poseidon_evm.py.

The interface is verifier/poseidon_evm.py's: `hash(uint256[n]) -> uint256`, an input >= r
reverts with Error("poseidon: input not below r"), a wrong selector, calldata size or
attached ETH reverts without data.

    deploy_wide(chain, n_inputs, sender) -> verifier.abi.Contract
    constant_words(t) -> the words the data contracts hold, in memory order
"""
from __future__ import annotations

from circuits.field import R

from .evm_asm import MAX_CODE_SIZE, Asm, initcode as _wrap
from .poseidon_evm import _dispatch, _revert_with_message, abi
from .poseidon_plan import plan

MAX_INPUTS = 16
WORDS_PER_DATA_CONTRACT = (MAX_CODE_SIZE - 1) // 32


def _layout(t: int) -> dict:
    """Memory offsets: state S, S-box outputs X, then the constants (constant_words order)."""
    p = plan(t)
    P = p.n_partial
    o = {"S": 0, "X": 32 * t, "C": 64 * t}
    o["MDS"] = o["C"]
    o["PRE"] = o["MDS"] + 32 * t * t
    o["FULL"] = o["PRE"] + 32 * t * t
    o["PART"] = o["FULL"] + 32 * t * 2 * p.half
    o["ROWS"] = o["PART"] + 32 * P
    o["COLS"] = o["ROWS"] + 32 * t * P
    o["END"] = o["COLS"] + 32 * (t - 1) * P
    return o


def constant_words(t: int) -> list[int]:
    p = plan(t)
    words = [x for row in p.mds for x in row] + [x for row in p.pre_matrix for x in row]
    words += [x for row in p.full_constants for x in row] + list(p.partial_constants)
    words += [x for row in p.sparse_rows for x in row] + [x for row in p.sparse_cols for x in row]
    assert len(words) * 32 == _layout(t)["END"] - _layout(t)["C"]
    return words


def data_chunks(t: int) -> list[bytes]:
    """The runtime codes of the data contracts: a STOP byte, then up to 767 words each."""
    words = constant_words(t)
    n = WORDS_PER_DATA_CONTRACT
    return [b"\x00" + b"".join(w.to_bytes(32, "big") for w in words[i:i + n])
            for i in range(0, len(words), n)]


class _Code:
    """An Asm with the stack height above the modulus r tracked by hand (r sits at the
    bottom of the stack for the whole run; `dup_r` reaches it)."""

    def __init__(self):
        self.a = Asm()
        self.h = 0

    def op(self, name: str, delta: int) -> None:
        self.a.op(name)
        self.h += delta

    def push(self, v: int) -> None:
        self.a.push(v)
        self.h += 1

    def dup(self, d: int) -> None:
        if not 1 <= d <= 16:
            raise ValueError("stack too deep")
        self.op(f"DUP{d}", 1)

    def dup_r(self) -> None:
        self.dup(self.h + 1)

    def mload_at(self, offset: int) -> None:
        self.push(offset)
        self.op("MLOAD", 0)

    def mload_ptr(self, depth: int, offset: int) -> None:
        """memory[(value at `depth`) + offset]."""
        self.dup(depth)
        if offset:
            self.push(offset)
            self.op("ADD", -1)
        self.op("MLOAD", 0)

    def pow5(self) -> None:
        """[x] -> [x^5 mod r] (x any 256-bit value)."""
        self.dup_r(); self.dup(2); self.dup(1); self.op("MULMOD", -2)       # [x, x2]
        self.dup_r(); self.dup(2); self.dup(1); self.op("MULMOD", -2)       # [x, x2, x4]
        self.op("SWAP1", 0); self.op("POP", -1)                              # [x, x4]
        self.dup_r(); self.op("SWAP2", 0); self.op("MULMOD", -2)             # [x5]

    def reduce(self) -> None:
        self.dup_r(); self.op("SWAP1", 0); self.op("MOD", -1)

    def accumulate(self, n_terms: int, term) -> None:
        """Push sum_k term(k) mod r; `term(k)` pushes one product (< r). Sums are plain ADDs,
        reduced every 4 (5r < 2^256)."""
        term(0)
        for k in range(1, n_terms):
            term(k)
            self.op("ADD", -1)
            if k % 4 == 0:
                self.reduce()
        self.reduce()


def _full_round_routine(c: _Code, t: int, o: dict) -> None:
    """Subroutine "full": stack [ret, cp, mp] (round constants at memory cp, matrix at mp);
    S <- matrix . (S + constants)^5."""
    c.a.label("full")
    base = c.h                                          # cp at depth 2, mp at depth 1 (from base)
    for i in range(t):
        c.mload_at(o["S"] + 32 * i)
        c.mload_ptr(c.h - base + 2, 32 * i)
        c.op("ADD", -1)
        c.pow5()
        c.push(o["X"] + 32 * i)
        c.op("MSTORE", -2)
    for j in range(t):
        def term(i, j=j):
            c.dup_r()
            c.mload_at(o["X"] + 32 * i)
            c.mload_ptr(c.h - base + 1, 32 * (j * t + i))
            c.op("MULMOD", -2)
        c.accumulate(t, term)
        c.push(o["S"] + 32 * j)
        c.op("MSTORE", -2)
    c.op("POP", -1)
    c.op("POP", -1)
    c.op("JUMP", -1)


def _partial_rounds(c: _Code, t: int, o: dict) -> None:
    """Every partial round, sparse, in a loop: stack [pc, pr, pcol] pointers."""
    c.push(o["PART"])
    c.push(o["ROWS"])
    c.push(o["COLS"])
    base = c.h                                          # pc depth 3, pr 2, pcol 1 (from base)
    c.a.label("partial")
    c.mload_at(o["S"])
    c.mload_ptr(c.h - base + 3, 0)
    c.op("ADD", -1)
    c.pow5()                                            # [x0]
    x0 = c.h

    def row_term(j):
        c.dup_r()
        if j == 0:
            c.dup(c.h - x0 + 1)
        else:
            c.mload_at(o["S"] + 32 * j)
        c.mload_ptr(c.h - base + 2, 32 * j)
        c.op("MULMOD", -2)
    c.accumulate(t, row_term)                           # [x0, new0]
    for j in range(1, t):
        c.mload_at(o["S"] + 32 * j)
        c.dup_r()
        c.dup(c.h - x0 + 1)
        c.mload_ptr(c.h - base + 1, 32 * (j - 1))
        c.op("MULMOD", -2)
        c.op("ADD", -1)
        c.reduce()
        c.push(o["S"] + 32 * j)
        c.op("MSTORE", -2)
    c.push(o["S"])
    c.op("MSTORE", -2)
    c.op("POP", -1)                                     # x0
    # advance: pcol += 32(t-1), pr += 32t, pc += 32
    c.push(32 * (t - 1)); c.op("ADD", -1)
    c.op("SWAP1", 0); c.push(32 * t); c.op("ADD", -1); c.op("SWAP1", 0)
    c.op("SWAP2", 0); c.push(32); c.op("ADD", -1); c.op("SWAP2", 0)
    c.dup(3)
    c.push(o["ROWS"])
    c.op("GT", -1)                                      # ROWS > pc: another round
    c.a.push_label("partial")
    c.op("JUMPI", -1)
    for _ in range(3):
        c.op("POP", -1)


def _call_full(c: _Code, k: int, matrix: str, o: dict, t: int) -> None:
    ret = f"ret{k}"
    c.a.push_label(ret)
    c.h += 1
    c.push(o["FULL"] + 32 * t * k)
    c.push(o[matrix])
    c.a.push_label("full")
    c.a.op("JUMP")
    c.h -= 3
    c.a.label(ret)


def generate_wide(n_inputs: int, data_addresses: list[str]) -> bytes:
    """Runtime code of the width-(n_inputs + 1) hash reading its constants from the data
    contracts at `data_addresses` (in data_chunks order)."""
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"n_inputs must be 1..{MAX_INPUTS}, got {n_inputs}")
    t = n_inputs + 1
    o, p = _layout(t), plan(t)
    chunks = data_chunks(t)
    if len(data_addresses) != len(chunks):
        raise ValueError(f"T{t} needs {len(chunks)} data contracts, got {len(data_addresses)}")
    c = _Code()
    a = c.a
    _dispatch(a, n_inputs)
    a.push(R)                                           # r at the bottom: h counts above it
    dest = o["C"]
    for addr, chunk in zip(data_addresses, chunks):
        n = len(chunk) - 1
        c.push(n); c.push(1); c.push(dest); c.push(int(addr, 16))
        c.op("EXTCODECOPY", -4)
        dest += n
    for j in range(1, t):
        c.push(4 + 32 * (j - 1))
        c.op("CALLDATALOAD", 0)
        c.dup(1)
        c.dup_r()
        c.op("GT", -1)                                  # r > x
        c.op("ISZERO", 0)
        a.push_label("too_big")
        c.op("JUMPI", -1)
        c.push(o["S"] + 32 * j)
        c.op("MSTORE", -2)
    for k in range(p.half):
        _call_full(c, k, "PRE" if k == p.half - 1 else "MDS", o, t)
    _partial_rounds(c, t, o)
    for k in range(p.half, 2 * p.half):
        _call_full(c, k, "MDS", o, t)
    c.mload_at(o["S"])
    a.op("PUSH0", "MSTORE")
    a.push(32)
    a.op("PUSH0", "RETURN")
    c.h = 3                                             # inside "full": [r, ret, cp, mp]
    _full_round_routine(c, t, o)
    a.label("fail")
    a.op("PUSH0", "PUSH0", "REVERT")
    a.label("too_big")
    _revert_with_message(a)
    return a.assemble()


def deploy_wide(chain, n_inputs: int, sender: str):
    """Deploy the data contracts and the hash for n_inputs (1..16) on a verifier.evm.Chain;
    returns the verifier.abi.Contract to call (hash(uint256[n]))."""
    from .abi import Contract
    t = n_inputs + 1
    addrs = [chain.deploy(sender, _wrap(chunk)).contract_address for chunk in data_chunks(t)]
    code = generate_wide(n_inputs, addrs)
    if len(code) > MAX_CODE_SIZE:
        raise ValueError(f"Poseidon T{t} (wide): {len(code)} bytes, over the {MAX_CODE_SIZE} limit")
    return Contract(chain, chain.deploy(sender, _wrap(code)).contract_address, abi(n_inputs))
