"""circomlib's Poseidon on L1: EVM bytecode generated from Python, per width.

Each deployment answers `hash(uint256[N]) -> uint256` (N = 1..6 inputs, width t = N + 1)
with circuits.poseidon.poseidon's value; an input >= r reverts with
Error("poseidon: input not below r") (an L1 contract must refuse such calldata, never reduce
it); a wrong selector, calldata size or attached ETH reverts without data.

Why bytecode and not Vyper: the permutation is ~70 rounds of a few mulmods each, and the gas
is in how the state is kept. Here it lives on the EVM stack (DUP/SWAP, 3 gas) with the
constants as PUSH32 (3 gas) and lazily reduced sums (verifier/poseidon_codegen.py); plain
Vyper spends several times more (benchmarks/bench_l1.py measures both). The rounds are the
fast form of circuits.poseidon (verifier/poseidon_plan.py).

Size: the sparse partial rounds need 2t - 1 constants each, so only t <= 4 fits in one
contract (EIP-170: 24,576 bytes). Wider hashes ship as two contracts (CONFIG): a head that
runs up to partial round m, then STATICCALLs a tail with the state (t words, each < r, no
selector) that runs the rest. The extra call and cold account cost about 3,000 gas, far
less than the dense partial rounds a single contract would need (T7: 38k against 76k gas);
`generate(..., sparse=k)` still builds that single-contract form (dense rounds in a loop).

    deploy(chain, n_inputs, sender) -> verifier.abi.Contract
    runtime_codes(n_inputs, tail_address) -> (head or whole, tail or None)
    generate(n_inputs, sparse, mem_full, part, split, tail), abi(n), selector(n)
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from circuits.field import R
from circuits.poseidon import fast_params

from .evm import keccak256
from .evm_asm import MAX_CODE_SIZE, Asm, initcode as _wrap
from .poseidon_codegen import emit_loop, first_full_round, Gen, matrix_in_memory, Stack
from .poseidon_plan import plan

MAX_INPUTS = 6
REVERT_MESSAGE = b"poseidon: input not below r"


def _revert_with_message(a: Asm) -> None:
    msg = REVERT_MESSAGE
    assert len(msg) <= 32
    a.push(int.from_bytes(bytes.fromhex("08c379a0") + bytes(28), "big"))
    a.op("PUSH0", "MSTORE")
    a.push(32)
    a.push(4)
    a.op("MSTORE")
    a.push(len(msg))
    a.push(36)
    a.op("MSTORE")
    a.push(int.from_bytes(msg.ljust(32, b"\0"), "big"))
    a.push(68)
    a.op("MSTORE")
    a.push(100)
    a.op("PUSH0", "REVERT")


def selector(n_inputs: int) -> bytes:
    return keccak256(f"hash(uint256[{n_inputs}])".encode())[:4]


def abi(n_inputs: int) -> list:
    return [{"type": "function", "name": "hash", "stateMutability": "pure",
             "inputs": [{"name": "inputs", "type": f"uint{256}[{n_inputs}]"}],
             "outputs": [{"name": "", "type": "uint256"}]}]


def _return_word_at_0(a: Asm) -> bytes:
    """The common ending: return the word at memory 0; then the "fail" (empty revert) and
    "too_big" (revert with REVERT_MESSAGE) labels. Returns the assembled code."""
    a.push(32)
    a.op("PUSH0", "RETURN")
    a.label("fail")
    a.op("PUSH0", "PUSH0", "REVERT")
    a.label("too_big")
    _revert_with_message(a)
    return a.assemble()


def _dispatch(a: Asm, n_inputs: int) -> None:
    """Jump to "fail" unless: the selector of hash(uint256[n]), exact calldata size, no ETH."""
    a.push(4 + 32 * n_inputs)
    a.op("CALLDATASIZE", "EQ")
    a.op("PUSH0", "CALLDATALOAD")
    a.push(224)
    a.op("SHR")
    a.push(int.from_bytes(selector(n_inputs), "big"))
    a.op("EQ", "AND", "CALLVALUE", "ISZERO", "AND", "ISZERO")
    a.push_label("fail")
    a.op("JUMPI")


def _load_checked(st: Stack, offset: int, key) -> None:
    """key <- calldata word at offset; jump to "too_big" unless it is below r."""
    st.a.push(offset)
    st.a.op("CALLDATALOAD")
    st.s.append([key, 1])
    st._dup(1)
    st.push_r()
    st.binop("GT", 0)               # r > x
    st.binop("ISZERO", 0, 1)
    st.a.push_label("too_big")
    st.a.op("JUMPI")
    st.s.pop()


@lru_cache(maxsize=None)
def generate(n_inputs: int, sparse: Optional[int] = None, mem_full: bool = False,
             part: str = "whole", split: Optional[int] = None, tail: Optional[bytes] = None) -> bytes:
    """Runtime code of the width-(n_inputs + 1) contract (see the module docstring).

    sparse: how many of the last partial rounds are sparse (default all); mem_full: read the
    full rounds' MDS from memory (smaller code, 3 gas more per coefficient). part "whole"
    is one contract; "head" runs up to partial round `split` and hands the state to the
    contract at address `tail` (20 bytes) with STATICCALL, returning its answer; "tail"
    takes the state (t words, each < r, no selector) and runs the rest."""
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"n_inputs must be 1..{MAX_INPUTS}, got {n_inputs}")
    if part not in ("whole", "head", "tail"):
        raise ValueError(f"part must be whole, head or tail, got {part!r}")
    t = n_inputs + 1
    p = plan(t, sparse)
    P, dense = p.n_partial, p.n_partial - p.sparse
    cut = P if part == "whole" else split
    if part != "whole" and not (dense <= cut <= P and (part == "tail" or len(tail or b"") == 20)):
        raise ValueError("head/tail need dense <= split <= R_P (and the tail's 20-byte address)")
    words = [x for row in p.mds for x in row]
    if dense:
        words += [x for row in p.dense_last for x in row] + list(p.partial_constants[:dense - 1])
    a = Asm()
    g = Gen(p, a, {})
    st = g.st
    if part == "tail":
        a.push(32 * t)
        a.op("CALLDATASIZE", "EQ", "CALLVALUE", "ISZERO", "AND", "ISZERO")
        a.push_label("fail")
        a.op("JUMPI")
    else:
        _dispatch(a, n_inputs)
    if (dense and part != "tail") or mem_full:
        a.push(32 * len(words))
        a.push_data("table")
        a.op("PUSH0", "CODECOPY")
        a.data("table", b"".join(w.to_bytes(32, "big") for w in words))
    st.push(R, 0)
    st.name("r")
    mds_mem = matrix_in_memory(p.mds, 0)
    full_m = mds_mem if mem_full else p.mds
    if part == "tail":
        for i in range(t):
            _load_checked(st, 32 * i, ("s", i))
    else:
        for j in range(1, t):
            _load_checked(st, 4 + 32 * (j - 1), ("s", j))
        first_full_round(g, p.pre_matrix if p.half == 1 else full_m)
        for k in range(1, p.half):
            g.full_round(p.full_constants[k], p.pre_matrix if k == p.half - 1 else full_m)
        if dense > 1:
            consts_at = 64 * t * t
            emit_loop(g, a, consts_at, consts_at + 32 * (dense - 1), mds_mem)
        if dense:
            g.dense_round(p.partial_constants[dense - 1], matrix_in_memory(p.dense_last, 32 * t * t))
    first = cut if part == "tail" else dense
    last = cut if part == "head" else P
    for i in range(first, last):
        g.sparse_round(p.partial_constants[i], p.sparse_rows[i - dense], p.sparse_cols[i - dense])
    if part == "head":
        _call_tail(g, tail)
    else:
        for k in range(p.half, 2 * p.half):
            g.full_round(p.full_constants[k], full_m, rows=[0] if k == 2 * p.half - 1 else None)
        st.bring(("s", 0))
        st.reduce_top()
        a.op("PUSH0", "MSTORE")
    return _return_word_at_0(a)


def _call_tail(g: Gen, tail: bytes) -> None:
    """Store the reduced state at memory[0:32t], STATICCALL the tail, leave its word at 0."""
    st, a, t = g.st, g.st.a, g.p.t
    for i in range(t):
        st.bring(("s", i))
        st.reduce_top()
        st.push(32 * i, 0)
        st.binop("MSTORE", 0, 2)
        st.s.pop()
    a.push(32)
    a.op("PUSH0")
    a.push(32 * t)
    a.op("PUSH0")
    a.push(int.from_bytes(tail, "big"))
    a.op("GAS", "STATICCALL", "ISZERO")
    a.push_label("fail")
    a.op("JUMPI")


# How each width is shipped, chosen by measured gas (benchmarks/bench_l1.py prints the
# alternatives): ("whole",) = one contract, all partial rounds sparse; ("split", m,
# mem_head, mem_tail) = head (rounds up to partial round m) + tail contract, mem_* = that
# part reads its full rounds' MDS from memory (needed to fit for T7).
CONFIG = {1: ("whole",), 2: ("whole",), 3: ("whole",),
          4: ("split", 8, False, False), 5: ("split", 25, False, False),
          6: ("split", 32, True, False)}


def runtime_codes(n_inputs: int, tail_address: Optional[str] = None) -> tuple[bytes, Optional[bytes]]:
    """(head or whole code, tail code or None) of the shipped configuration. A split
    head embeds its tail's address, so it needs `tail_address`."""
    cfg = CONFIG[n_inputs]
    if cfg[0] == "whole":
        return generate(n_inputs), None
    _, m, mem_head, mem_tail = cfg
    tail = generate(n_inputs, None, mem_tail, "tail", m)
    if tail_address is None:
        return b"", tail
    head = generate(n_inputs, None, mem_head, "head", m, bytes.fromhex(tail_address[2:]))
    return head, tail


def deploy(chain, n_inputs: int, sender: str):
    """Deploy the Poseidon contract(s) for n_inputs on a verifier.evm.Chain; returns the
    verifier.abi.Contract to call (hash(uint256[n]))."""
    from .abi import Contract
    head, tail = runtime_codes(n_inputs)
    if tail is not None:
        tail_address = chain.deploy(sender, _wrap(tail)).contract_address
        head, _ = runtime_codes(n_inputs, tail_address)
    for code in (head, tail):
        if code is not None and len(code) > MAX_CODE_SIZE:
            raise ValueError(f"Poseidon T{n_inputs + 1}: {len(code)} bytes, over the {MAX_CODE_SIZE} limit")
    return Contract(chain, chain.deploy(sender, _wrap(head)).contract_address, abi(n_inputs))


def largest_fitting_sparse(n_inputs: int, mem_full: bool) -> Optional[int]:
    """The most sparse partial rounds whose whole-contract code fits EIP-170 (None if none)."""
    P = fast_params(n_inputs + 1).n_rounds_p
    lo, hi = 0, P
    if len(generate(n_inputs, 0, mem_full)) > MAX_CODE_SIZE:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(generate(n_inputs, mid, mem_full)) <= MAX_CODE_SIZE:
            lo = mid
        else:
            hi = mid - 1
    return lo
