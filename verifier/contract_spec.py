"""The rollup's constants as a Vyper module (`spec.vy`), rendered from `circuits.spec`.

The contracts `import spec` and read every number of the rollup's definitions from it:
the field modulus, bit widths, table kinds and the packed oracle layout, the priority
queue's kinds and entry packing, the operation codes and the record layout, the header
size, the 4-ary Merkle tree's shape and sibling order (`circuits.spec.tree`). verifier/vyper_build.py renders this module at build time (it is never written to
the repository) and the build cache's hash covers its text, so a change in circuits.spec
makes the cached contracts stale until they are rebuilt: one definition, nothing copied.

Besides the rollup's definitions it holds the L1 contracts' own static bounds (Vyper
sizes every array statically): `MAX_L1_BATCH` slots per batch and the longest packed
oracle table (`MAX_PACKED_ORACLE`, K = 16 and S = 35); and the L1's own rule constants:
`EXODUS_CLAIM_PERIOD` (verifier/contracts/exodus.vy, docs/l1.md "Exodus").
"""
from __future__ import annotations

from circuits import babyjub
from circuits.field import R
from circuits.poseidon import SPONGE_WIDTH
from circuits.spec import accounts as A
from circuits.spec import ops as O
from circuits.spec import priority as P
from circuits.spec import public_input as PI
from circuits.spec import records as REC
from circuits.spec import solvency as SOLV
from circuits.spec import tables as T
from circuits.spec import tree as TREE
from circuits.spec import widths as W

from .curve import Q

MAX_L1_BATCH = 64
"""The most slots a batch may have on L1 (the CLI's N range is 1..64)."""

EXODUS_CLAIM_PERIOD = 14 * 24 * 3600
"""Seconds from exodus activation during which accounts claim their worth; withdrawals
(pro rata when the claims exceed the pool) start when it ends (verifier/contracts/exodus.vy)."""


ENTRY_AMOUNT_SHIFT = W.L1_ADDRESS_BITS
ENTRY_KIND_SHIFT = ENTRY_AMOUNT_SHIFT + W.AMOUNT_BITS
ENTRY_TIME_SHIFT = ENTRY_KIND_SHIFT + P.KIND_BITS
"""The priority queue's storage word of an entry (verifier/contracts/priority_queue.vy, read
by rollup.vy too): l1_address | amount << ENTRY_AMOUNT_SHIFT | kind << ENTRY_KIND_SHIFT |
(queued at - START) << ENTRY_TIME_SHIFT."""


def _max_packed_oracle() -> int:
    n = T.oracle_lane_count(W.MAX_INSTRUMENTS, W.MAX_SCENARIOS)
    return 1 + -(-n // T.ORACLE_LANES)


def _record_fields() -> list[tuple[str, int, str]]:
    """<OP>_<FIELD>_OFFSET / _BYTES for every field of every operation's record."""
    out = []
    for op, fields in REC.LAYOUT.items():
        for f in fields:
            stem = f"{O.OP_NAMES[op].upper()}_{f.name.upper()}"
            out.append((f"{stem}_OFFSET", f.offset, f"circuits.spec.records ({f.bits} bits)"))
            out.append((f"{stem}_BYTES", f.size, "circuits.spec.records"))
    return out


def _constants() -> list[tuple[str, int, str]]:
    """(name, value, comment) of every constant, in module order."""
    if not SOLV.DEFICIT_BITS == SOLV.CASH_FLOW_BITS == 128:
        raise ValueError("rollup.vy hashes the trailer's deficit and cash flow as bytes16: both must be 128 bits")
    c = [("R", R, "the BN254 scalar field modulus"), ("Q", Q, "the BN254 base field modulus")]
    for name in ("SIZE_BITS", "PRICE_BITS", "CONTRACT_SIZE_BITS", "AMOUNT_BITS", "CASH_BITS", "NONCE_BITS",
                 "TIME_BITS", "L1_ADDRESS_BITS", "ACCOUNT_BITS", "BPS_DENOMINATOR", "MAX_INSTRUMENTS",
                 "MAX_SCENARIOS"):
        c.append((name, getattr(W, name), "circuits.spec.widths"))
    for name in ("KIND_EMPTY", "KIND_CALL", "KIND_PUT", "KIND_FUTURE", "MARKET_HEADER", "ORACLE_HEADER",
                 "ORACLE_SLOT_FIELDS", "ORACLE_LANE_BITS", "ORACLE_LANES"):
        c.append((name, getattr(T, name), "circuits.spec.tables"))
    c.append(("SPONGE_WIDTH", SPONGE_WIDTH, "circuits.poseidon (market and oracle hashes)"))
    c.append(("BABYJUB_A", babyjub.A, "circuits.babyjub (a x^2 + y^2 = 1 + d x^2 y^2)"))
    c.append(("BABYJUB_D", babyjub.D, "circuits.babyjub"))
    c.append(("BABYJUB_COFACTOR", babyjub.COFACTOR, "circuits.babyjub"))
    c.append(("FEE_ACCOUNT", A.FEE_ACCOUNT, "circuits.spec.accounts"))
    c.append(("INSURANCE_ACCOUNT", A.INSURANCE_ACCOUNT, "circuits.spec.accounts (the backstop)"))
    c.append(("CLEARING_ACCOUNT", A.CLEARING_ACCOUNT, "circuits.spec.accounts (deposits refused)"))
    c.append(("SPECIAL_OWNER", A.SPECIAL_OWNER, "circuits.spec.accounts (no exit)"))
    for name in ("KIND_DEPOSIT", "KIND_FORCED", "KIND_FORCED_CLOSE", "KIND_BITS", "PRIO_EMPTY"):
        c.append((name, getattr(P, name), "circuits.spec.priority"))
    for op, name in enumerate(O.OP_NAMES):
        c.append((f"OP_{name.upper()}", op, "circuits.spec.ops"))
    c.append(("N_OPS", O.N_OPS, "circuits.spec.ops"))
    c.append(("DEFICIT_BITS", SOLV.DEFICIT_BITS, "circuits.spec.solvency (the trailer's fund deficit)"))
    c.append(("CASH_FLOW_OFFSET", SOLV.CASH_FLOW_OFFSET, "circuits.spec.solvency (the trailer's signed cash flow)"))
    c.append(("OI_BYTES", SOLV.OI_BYTES, "circuits.spec.solvency (an open interest in the trailer)"))
    c.append(("MAX_OI_BYTES", W.MAX_INSTRUMENTS * SOLV.OI_BYTES, "verifier.contract_spec (K <= MAX_INSTRUMENTS)"))
    c.append(("RECORD_BYTES", REC.RECORD_BYTES, "circuits.spec.records"))
    c.append(("OP_OFFSET", REC.OP_OFFSET, "circuits.spec.records"))
    c += _record_fields()
    c.append(("HEADER_BYTES", PI.HEADER_BYTES, "circuits.spec.public_input"))
    c.append(("TREE_ARITY", TREE.ARITY, "circuits.spec.tree (children per node)"))
    c.append(("TREE_BITS_PER_LEVEL", TREE.BITS_PER_LEVEL, "circuits.spec.tree (index bits per level)"))
    c.append(("TREE_SIBLINGS_PER_LEVEL", TREE.SIBLINGS_PER_LEVEL, "circuits.spec.tree"))
    c.append(("TREE_MAX_LEVELS", TREE.levels(W.ACCOUNT_BITS), "circuits.spec.tree (an account tree of ACCOUNT_BITS)"))
    c.append(("MAX_L1_BATCH", MAX_L1_BATCH, "verifier.contract_spec (L1 bound)"))
    c.append(("ENTRY_AMOUNT_SHIFT", ENTRY_AMOUNT_SHIFT, "verifier.contract_spec (queue entry word)"))
    c.append(("ENTRY_KIND_SHIFT", ENTRY_KIND_SHIFT, "verifier.contract_spec (queue entry word)"))
    c.append(("ENTRY_TIME_SHIFT", ENTRY_TIME_SHIFT, "verifier.contract_spec (queue entry word)"))
    c.append(("MAX_RECORDS_BYTES", MAX_L1_BATCH * REC.RECORD_BYTES, "verifier.contract_spec (L1 bound)"))
    c.append(("MAX_PACKED_ORACLE", _max_packed_oracle(), "verifier.contract_spec (K = 16, S = 35)"))
    c.append(("EXODUS_CLAIM_PERIOD", EXODUS_CLAIM_PERIOD, "verifier.contract_spec (seconds, from exodus activation)"))
    return c


def _arrays() -> list[tuple[str, str, list, str]]:
    """(name, Vyper type, value, comment) of the constant arrays."""
    pos = [list(TREE.sibling_positions(d)) for d in range(TREE.ARITY)]
    return [("TREE_SIBLING_POSITIONS", f"uint256[{TREE.SIBLINGS_PER_LEVEL}][{TREE.ARITY}]", pos,
             "circuits.spec.tree.sibling_positions: [digit][j] = the child position of sibling j")]


def constants() -> dict[str, int]:
    return {n: v for n, v, _ in _constants()}


def render_spec() -> str:
    lines = ["# pragma version ~=0.4.3", '"""',
             "@title The rollup's constants, rendered from circuits.spec by verifier/contract_spec.py",
             "@notice Generated at build time; never edit (and never committed).", '"""', ""]
    for name, value, comment in _constants():
        lines.append(f"{name}: constant(uint256) = {value}  # {comment}")
    for name, typ, value, comment in _arrays():
        lines.append(f"{name}: constant({typ}) = {value}  # {comment}")
    return "\n".join(lines) + "\n"
