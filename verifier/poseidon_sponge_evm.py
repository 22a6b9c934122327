"""A Poseidon sponge on L1: EVM bytecode generated from Python, one contract per width.

The contract answers `sponge(uint256[] values) -> uint256`: the state [len(values), 0, ...,
0] of width t absorbs the values t - 1 at a time (added to state[1..t-1], the last block
zero-padded, at least one block) with a permutation after each block, and the digest is
state[1] (`circuits.poseidon.poseidon_sponge` with the rate t - 1). A value >= r reverts
with Error("poseidon: input not below r"); malformed calldata (another selector, an
offset other than 32, calldata shorter than the length says, attached ETH) reverts without
data. Calldata beyond the values is ignored (Vyper sends its whole static buffer) and
never absorbed: the padding of the last block is 0 whatever those bytes hold.

Why a dedicated contract: the state stays on the EVM stack from one block to the next
(verifier/poseidon_codegen.py), so a block costs one permutation and no call. Per absorbed
value a narrow sponge is cheaper on the EVM: a permutation costs about 8(t^2 + 3t) +
R_P(2t + 2) multiply-adds and absorbs t - 1 values, flat at ~255 per value for t = 4..9,
and only t <= 4 keeps the whole state and the sparse rounds in one contract of at most
24,576 bytes (benchmarks/bench_l1.py measures t = 3, 4).

    deploy_sponge(chain, t, sender) -> verifier.abi.Contract
    generate_sponge(t, mem_full=False) -> runtime code
"""
from __future__ import annotations

from functools import lru_cache

from circuits.field import R

from .evm import keccak256
from .evm_asm import MAX_CODE_SIZE, Asm, initcode as _wrap
from .poseidon_codegen import Gen, matrix_in_memory
from .poseidon_evm import _return_word_at_0
from .poseidon_plan import plan

MAX_VALUES = 1 << 16
SIGNATURE = "sponge(uint256[])"


def selector() -> bytes:
    return keccak256(SIGNATURE.encode())[:4]


def abi() -> list:
    return [{"type": "function", "name": "sponge", "stateMutability": "pure",
             "inputs": [{"name": "values", "type": "uint256[]"}],
             "outputs": [{"name": "", "type": "uint256"}]}]


def _dispatch(a: Asm) -> None:
    """Jump to "fail" unless: the selector, offset word 32, length < MAX_VALUES, calldata
    size at least 68 + 32 * length, no ETH. Leaves the length on the stack."""
    a.push(36)
    a.op("CALLDATALOAD")                        # n
    a.op("PUSH0", "CALLDATALOAD")
    a.push(224)
    a.op("SHR")
    a.push(int.from_bytes(selector(), "big"))
    a.op("EQ")                                  # [n, sel_ok]
    a.push(4)
    a.op("CALLDATALOAD")
    a.push(32)
    a.op("EQ", "AND")                           # [n, ok]
    a.push(MAX_VALUES)
    a.op("DUP3", "LT", "AND")                   # n < MAX
    a.op("DUP2")
    a.push(32)
    a.op("MUL")
    a.push(68)
    a.op("ADD", "CALLDATASIZE", "LT", "ISZERO", "AND")   # calldata size >= 68 + 32 n
    a.op("CALLVALUE", "ISZERO", "AND", "ISZERO")
    a.push_label("fail")
    a.op("JUMPI")


def _absorb(g: Gen, t: int) -> None:
    """s[j] += calldata[p + 32 (j - 1)] for j = 1..t-1, a word at or past `end` read as 0,
    each checked < r; p += 32 (t - 1)."""
    st = g.st
    for j in range(1, t):
        st.bring(("s", j))
        st.dup("p")
        if j > 1:
            st.push(32 * (j - 1), 0)
            st.binop("ADD", 0)
        st._dup(1)
        st.dup("end")
        st.binop("GT", 0)                       # end > offset: a value, not padding
        st.swap(1)
        st.binop("CALLDATALOAD", 1, 1)
        st.binop("MUL", 1)
        st._dup(1)
        st.push_r()
        st.binop("GT", 0)                       # r > x
        st.binop("ISZERO", 0, 1)
        st.a.push_label("too_big")
        st.a.op("JUMPI")
        st.s.pop()
        st.binop("ADD", st.s[-1][1] + st.s[-2][1])
        st.name(("s", j))
    st.bring("p")
    st.push(32 * (t - 1), 0)
    st.binop("ADD", 0)
    st.name("p")


def _permute(g: Gen, mem_full: bool) -> None:
    p = g.p
    full_m = matrix_in_memory(p.mds, 0) if mem_full else p.mds
    for k in range(p.half):
        g.full_round(p.full_constants[k], p.pre_matrix if k == p.half - 1 else full_m)
    for i in range(p.n_partial):
        g.sparse_round(p.partial_constants[i], p.sparse_rows[i], p.sparse_cols[i])
    for k in range(p.half, 2 * p.half):
        g.full_round(p.full_constants[k], full_m)


@lru_cache(maxsize=None)
def generate_sponge(t: int, mem_full: bool = False) -> bytes:
    """Runtime code of the width-t sponge contract (module docstring)."""
    if not 2 <= t <= 5:
        raise ValueError(f"the sponge keeps its state on the stack: width 2..5, got {t}")
    p = plan(t)
    a = Asm()
    _dispatch(a)                                # [n]
    if mem_full:
        words = [x for row in p.mds for x in row]
        a.push(32 * len(words))
        a.push_data("table")
        a.op("PUSH0", "CODECOPY")
        a.data("table", b"".join(w.to_bytes(32, "big") for w in words))
    g = Gen(p, a, {})
    st = g.st
    st.s.append(["n", 1])
    st.push(R, 0)
    st.name("r")
    st.swap(1)                                  # [r, n]
    st._dup(1)
    st.push(32, 0)
    st.binop("MUL", 0)
    st.push(68, 0)
    st.binop("ADD", 0)
    st.name("end")                              # [r, n, end]
    st.push(68, 0)
    st.name("p")
    st.a.op("DUP3")                             # s0 = n
    st.s.append([("s", 0), 1])
    for j in range(1, t):
        st.push(0)
        st.name(("s", j))
    layout = ["end", "p"] + [("s", i) for i in range(t)]
    a.label("block")
    _absorb(g, t)
    _permute(g, mem_full)
    for i in range(t):
        st.bring(("s", i))
        st.reduce_top()
        st.name(("s", i))
    st.arrange(layout)
    st.dup("end")
    st.dup("p")
    st.binop("LT", 0)                           # p < end: another block
    a.push_label("block")
    a.op("JUMPI")
    st.s.pop()
    st.bring(("s", 1))
    a.op("PUSH0", "MSTORE")
    return _return_word_at_0(a)


def deploy_sponge(chain, t: int, sender: str, mem_full: bool = False):
    """Deploy the width-t sponge on a verifier.evm.Chain; returns its verifier.abi.Contract."""
    from .abi import Contract
    code = generate_sponge(t, mem_full)
    if len(code) > MAX_CODE_SIZE:
        raise ValueError(f"Poseidon sponge T{t}: {len(code)} bytes, over the {MAX_CODE_SIZE} limit")
    return Contract(chain, chain.deploy(sender, _wrap(code)).contract_address, abi())
