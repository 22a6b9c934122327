"""Gas model: what the RollupContract would pay on Ethereum, per batch and per operation.

The Python contract model does not run on an EVM; this module prices what the same
contract, written in Solidity, would spend for each call, from published opcode and
precompile prices and from published measurements where the cost is code, not an opcode:

* Base transaction: 21,000 (yellow paper G_transaction).
* Calldata, EIP-2028: 16 gas per non-zero byte, 4 per zero byte. Priced on the actual
  ABI bytes of submitBatch(bytes batch, uint256[8] proof): 4-byte selector, the proof as
  uint256[8], `batch` (the v3 calldata: batch number, new root, oracle table id and the
  records, `verifier.calldata`) as `bytes` (offset word, length word, content padded to
  32 bytes). The records are the posted data (RECORD_BYTES per slot, mostly zero bytes
  for a noop).
* The public input (v3, `circuits.spec.public_input`): SHA-256 precompile over the
  160-byte header and the records (60 + 12 per 32-byte word), then a shift.
* Groth16 verification, EIP-1108: pairing check 45,000 + 34,000 per pair (4 pairs), and
  per public input one ecMul (6,000) and one ecAdd (150); plus `VERIFIER_OVERHEAD` for the
  verifier contract's own code (memory, 4 STATICCALLs, input range checks): an assumption.
* Storage, EIP-2929 / EIP-2200: cold SLOAD 2,100; SSTORE of a zero slot 20,000, of a
  non-zero slot 2,900, plus 2,100 when the slot is cold (so a cold update is 5,000 and a
  cold new slot 22,100). Refunds for clearing slots are ignored (they are capped anyway).
* Logs: 375 + 375 per topic + 8 per data byte.
* ERC-20 payout: `ERC20_TRANSFER` = 35,000 per transfer from the contract (cold CALL
  2,600, two balance writes of 5,000 to 22,100, code): an assumption inside the usual
  30-50k range of a transfer made from another contract.
* Poseidon on L1 (per queued entry, paid by its sender; exits). Measured by
  chancehudson/poseidon-solidity (README, "Hash cost"): T2 13,488; T3 21,124;
  T4 37,643; T5 54,352; T6 74,065 gas (circomlibjs's generated contracts: T3 32,173,
  T6 100,197). Wider permutations are not published; their cost grows with the number
  of MDS products, (R_F + R_P(t)) * t^2, and a least-squares fit to the five points,
  gas(t) = 6,570 + 27.91 * (R_F + R_P(t)) * t^2 (within 9% of each measured point),
  gives t = 7: ~104,000, t = 8: ~129,000 and t = 17 (a sponge block of 16 values):
  ~620,000. A queued entry extends the priority chain with one Poseidon of 5 inputs
  (T6); an exit hashes its path (T3 per level), positions and leaf (T8). The batch
  itself computes no Poseidon: the b2 EVM contract measures the real figures.

All figures are model outputs, not measurements of deployed code.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional, Sequence

from circuits.poseidon_params import N_ROUNDS_F, N_ROUNDS_P

from .calldata import BatchCalldata

# --- EVM prices -----------------------------------------------------------------------------
TX_BASE = 21_000
CALLDATA_ZERO = 4
CALLDATA_NONZERO = 16
EC_ADD = 150
EC_MUL = 6_000
PAIRING_BASE = 45_000
PAIRING_PER_PAIR = 34_000
GROTH16_PAIRS = 4
VERIFIER_OVERHEAD = 10_000
COLD_SLOAD = 2_100
SSTORE_SET = 20_000
SSTORE_RESET = 2_900
LOG_BASE = 375
LOG_TOPIC = 375
LOG_BYTE = 8
ERC20_TRANSFER = 35_000
SHA256_BASE = 60
SHA256_WORD = 12

PROOF_WORDS = 8                     # A (2), B (4), C (2) as uint256
SPONGE_RATE = 16

_MEASURED_POSEIDON = {2: 13_488, 3: 21_124, 4: 37_643, 5: 54_352, 6: 74_065}
_FIT_A, _FIT_B = 6_570.0, 27.91


def _poseidon_width_gas(t: int) -> int:
    if t in _MEASURED_POSEIDON:
        return _MEASURED_POSEIDON[t]
    if not 2 <= t <= 17:
        raise ValueError(f"Poseidon width must be in 2..17, got {t}")
    return int(round(_FIT_A + _FIT_B * (N_ROUNDS_F + N_ROUNDS_P[t - 2]) * t * t))


POSEIDON_GAS = {t: _poseidon_width_gas(t) for t in range(2, 18)}
"""Gas of one Poseidon permutation of width t (t = inputs + 1) in Solidity."""


def poseidon_gas(n_inputs: int) -> int:
    """One circomlib Poseidon hash of n_inputs (1..16) field elements on L1."""
    return POSEIDON_GAS[n_inputs + 1]


def sponge_gas(n_values: int) -> int:
    """circuits.poseidon.poseidon_sponge of n_values: one width-17 permutation per block of 16."""
    return max(1, -(-n_values // SPONGE_RATE)) * POSEIDON_GAS[17]


def sstore_gas(new: bool, cold: bool = True) -> int:
    return (SSTORE_SET if new else SSTORE_RESET) + (COLD_SLOAD if cold else 0)


def log_gas(topics: int, data_bytes: int) -> int:
    return LOG_BASE + LOG_TOPIC * topics + LOG_BYTE * data_bytes


def calldata_gas(data: bytes) -> int:
    """EIP-2028 price of a byte string."""
    zeros = data.count(0)
    return CALLDATA_ZERO * zeros + CALLDATA_NONZERO * (len(data) - zeros)


def groth16_verify_gas(n_public: int = 1) -> int:
    """EIP-1108 precompile cost of one Groth16 check plus the verifier's own code."""
    return (PAIRING_BASE + PAIRING_PER_PAIR * GROTH16_PAIRS + (EC_MUL + EC_ADD) * n_public
            + VERIFIER_OVERHEAD)


def _padded(b: bytes) -> bytes:
    return b + b"\x00" * ((-len(b)) % 32)


def abi_submit_bytes(batch_bytes: bytes, proof_words: Optional[Sequence[int]] = None) -> bytes:
    """The transaction data of submitBatch(bytes batch, uint256[8] proof): selector, the
    head (offset of `batch`, the static proof words), then `batch` as its length word and
    its content padded to 32."""
    if proof_words is None:
        # a proof's coordinates are uniform below q: 32 non-zero bytes each, in practice
        proof = b"\xff" * (32 * PROOF_WORDS)
    else:
        proof = b"".join(int(w).to_bytes(32, "big") for w in proof_words)
    head_len = 32 * (1 + PROOF_WORDS)
    return (b"\x12\x34\x56\x78" + head_len.to_bytes(32, "big") + proof
            + len(batch_bytes).to_bytes(32, "big") + _padded(batch_bytes))


def sha256_gas(n_bytes: int) -> int:
    """SHA-256 precompile over n_bytes (60 + 12 per 32-byte word)."""
    return SHA256_BASE + SHA256_WORD * (-(-n_bytes // 32))


def proof_words(proof) -> list[int]:
    """A verifier.groth16.Proof as the 8 uint256 words of the ABI (infinity as zeros)."""
    a = proof.a or (0, 0)
    b = proof.b or ((0, 0), (0, 0))
    c = proof.c or (0, 0)
    return [a[0], a[1], b[0][1], b[0][0], b[1][1], b[1][0], c[0], c[1]]


# --- per batch -----------------------------------------------------------------------------

@dataclass
class GasReport:
    """Itemised gas of one call; `total` is the sum of `items`."""
    items: dict = field(default_factory=dict)

    def add(self, name: str, gas: int) -> None:
        self.items[name] = self.items.get(name, 0) + int(gas)

    @property
    def total(self) -> int:
        return sum(self.items.values())

    def as_dict(self) -> dict:
        return {**self.items, "total": self.total}


# Storage touched by submitBatch: read root, batch number, exodus flag, market hash,
# oracle table hash and time (by id), latest oracle id, queue head, the chain value at the
# head and after the consumed entries, the queue length; written: root, batch number,
# last oracle id, and the queue head when entries were consumed.
SUBMIT_COLD_READS = 10
SUBMIT_UPDATES = 3                  # root, batch number, last oracle table id
BATCH_EVENT = log_gas(2, 64)        # BatchAccepted(batch_number, public_input) with (new_root, n_entries)
ENTRY_READ = 2 * COLD_SLOAD
"""Reading one consumed queue entry's kind, amount and address (2 cold slots): for a
deposit refund or a forced payout only (the chain value binds the rest)."""


def batch_gas(calldata: BatchCalldata, proof=None) -> GasReport:
    """Gas of submitBatch(calldata, proof) on Ethereum (see the module docstring)."""
    from circuits.spec.ops import OP_DEPOSIT, OP_FORCED, OP_WITHDRAW
    from circuits.spec.public_input import HEADER_BYTES
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    words = proof_words(proof) if proof is not None else None
    rep.add("calldata", calldata_gas(abi_submit_bytes(calldata.to_bytes(), words)))
    rep.add("public_input_sha256", sha256_gas(HEADER_BYTES + len(calldata.data())))
    rep.add("groth16_verify", groth16_verify_gas(1))
    rep.add("storage_reads", SUBMIT_COLD_READS * COLD_SLOAD)
    recs = calldata.decoded()
    n_entries = sum(1 for r in recs if r.op in (OP_DEPOSIT, OP_FORCED))
    rep.add("storage_writes", (SUBMIT_UPDATES + (1 if n_entries else 0)) * sstore_gas(new=False))
    n_paid_entries = sum(1 for r in recs if (r.op == OP_DEPOSIT and r.fields["refunded"])
                         or (r.op == OP_FORCED and r.fields["paid"]))
    rep.add("queue_entries", n_paid_entries * ENTRY_READ)
    n_payouts = n_paid_entries + sum(1 for r in recs if r.op == OP_WITHDRAW)
    rep.add("payouts", n_payouts * ERC20_TRANSFER)
    rep.add("events", BATCH_EVENT)
    return rep


def synthetic_calldata(n_slots: int, n_withdrawals: int = 0, batch_number: int = 1_000,
                       table_id: int = 1_000) -> BatchCalldata:
    """A full-looking batch for the benchmark: a random-like root, the first n_withdrawals
    slots withdraw (20-byte addresses, 5-byte amounts), the others are trades with
    realistic field sizes (3-byte accounts, 2-byte fills, 4-byte prices and order ids)."""
    import hashlib

    from circuits.spec.ops import OP_TRADE, OP_WITHDRAW
    from circuits.spec.records import encode_record

    def felt(tag: bytes) -> int:
        return int.from_bytes(hashlib.blake2b(tag, digest_size=31).digest(), "big")

    recs = []
    for i in range(n_slots):
        if i < n_withdrawals:
            recs.append(encode_record(OP_WITHDRAW, account=100_000 + i, amount=123_456_789_012 + i,
                                      l1_address=felt(b"addr%d" % i) >> 88))
        else:
            recs.append(encode_record(OP_TRADE, maker=100_000 + i, taker=200_000 + i, slot=i % 8, maker_side=i % 2,
                                      fill=1_000 + i, price=3_000_000_000 + i, maker_fee_rate=0, taker_fee_rate=5,
                                      maker_order_id=4_000_000_000 + i, taker_order_id=4_100_000_000 + i))
    return BatchCalldata(batch_number=batch_number, new_root=felt(b"new"), oracle_table_id=table_id,
                         records=tuple(recs))


def per_trade_gas(n_slots: int) -> dict:
    """Gas of a batch whose N slots are all trades (no L1 payouts), and per trade."""
    rep = batch_gas(synthetic_calldata(n_slots))
    return {"n_slots": n_slots, "batch_gas": rep.total, "gas_per_trade": rep.total // n_slots,
            "items": rep.as_dict()}


def withdrawal_marginal_gas(n_slots: int) -> int:
    """Extra gas one withdrawal adds to a batch of N trades (its record's calldata, payout)."""
    return batch_gas(synthetic_calldata(n_slots, 1)).total - batch_gas(synthetic_calldata(n_slots)).total


# --- per L1 operation ------------------------------------------------------------------------

def deposit_gas() -> GasReport:
    """deposit(account, pk_x, pk_y, amount): pull the tokens, extend the priority chain
    (Poseidon of 5), store the entry (kind, account, amount, address; key x, y; chain;
    deadline) in fresh slots, bump the queue length, emit the entry."""
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    rep.add("calldata", calldata_gas(b"\x12\x34\x56\x78" + b"\x00" * 28 + b"\x01\x02\x03\x04"
                                     + b"\xff" * 64 + b"\x00" * 24 + b"\x05" * 8))
    rep.add("erc20_transfer_from", ERC20_TRANSFER)
    rep.add("priority_chain_poseidon", poseidon_gas(5))
    rep.add("storage", 2 * COLD_SLOAD + 4 * sstore_gas(new=True) + sstore_gas(new=False))
    rep.add("event", log_gas(1, 4 * 32))
    return rep


def forced_withdrawal_request_gas() -> GasReport:
    """requestForcedWithdrawal(account, amount): no signature (the sender is the requester
    and, to be paid, must be the account's owner, which the circuit checks), extend the
    priority chain (Poseidon of 5), store the entry (kind, account, amount, address; chain;
    deadline) in fresh slots, bump the queue length, emit the request."""
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    rep.add("calldata", calldata_gas(b"\x12\x34\x56\x78" + b"\x00" * 28 + b"\x01\x02\x03\x04"
                                     + b"\x00" * 24 + b"\x05" * 8))
    rep.add("priority_chain_poseidon", poseidon_gas(5))
    rep.add("storage", 2 * COLD_SLOAD + 3 * sstore_gas(new=True) + sstore_gas(new=False))
    rep.add("event", log_gas(2, 3 * 32))
    return rep


def exit_gas(acc_depth: int, n_instruments: int) -> GasReport:
    """exit(...) in exodus mode: account fields (owner included), K sizes and D siblings in
    calldata; D Poseidon T3 for the path, the positions and leaf (7 inputs) hashes, K mark
    reads, the exited flag and the payout to the owner (no signature: L1 pays the owner)."""
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    words = 4 + 7 + n_instruments + acc_depth + 1
    rep.add("calldata", calldata_gas(b"\x12\x34\x56\x78" + b"\xff" * (32 * words)))
    rep.add("merkle_path", (acc_depth + 1) * poseidon_gas(2))   # + Poseidon(accounts_root, oi_hash)
    rep.add("leaf_hash", poseidon_gas(n_instruments) + poseidon_gas(7))
    rep.add("storage", (3 + n_instruments) * COLD_SLOAD + sstore_gas(new=True))
    rep.add("payout", ERC20_TRANSFER)
    return rep


# --- zk instant payout vs an optimistic challenge window -----------------------------------

SECONDS_PER_YEAR = 365 * 24 * 3600
CHALLENGE_WINDOW_S = 7 * 24 * 3600


@dataclass(frozen=True)
class WithdrawalComparison:
    amount: int
    annual_rate: float
    zk_wait_s: float
    optimistic_wait_s: float
    zk_capital_cost: float
    optimistic_capital_cost: float
    zk_capital_time: float          # amount x days locked
    optimistic_capital_time: float

    def as_dict(self) -> dict:
        return asdict(self)


def compare_withdrawal(amount: int, annual_rate: float = 0.05, zk_wait_s: float = 600.0,
                       challenge_window_s: float = CHALLENGE_WINDOW_S) -> WithdrawalComparison:
    """Cost of capital of one withdrawal: locked amount x rate x time until the user can
    spend it on L1. zk: until the batch containing it is proved and accepted (`zk_wait_s`:
    the batch interval plus the proving time), paid in the accepting call; optimistic:
    the challenge window (7 days) before the withdrawal can be finalised."""
    if amount < 0 or annual_rate < 0 or zk_wait_s < 0 or challenge_window_s < 0:
        raise ValueError("amount, rate and times must be non-negative")

    def cost(t: float) -> float:
        return amount * annual_rate * t / SECONDS_PER_YEAR

    return WithdrawalComparison(
        amount=amount, annual_rate=annual_rate, zk_wait_s=zk_wait_s,
        optimistic_wait_s=challenge_window_s, zk_capital_cost=cost(zk_wait_s),
        optimistic_capital_cost=cost(challenge_window_s),
        zk_capital_time=amount * zk_wait_s / 86_400, optimistic_capital_time=amount * challenge_window_s / 86_400)
