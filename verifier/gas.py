"""Gas model: what the RollupContract would pay on Ethereum, per batch and per operation.

The Python contract model does not run on an EVM; this module prices what the same
contract, written in Solidity, would spend for each call, from published opcode and
precompile prices and from published measurements where the cost is code, not an opcode:

* Base transaction: 21,000 (yellow paper G_transaction).
* Calldata, EIP-2028: 16 gas per non-zero byte, 4 per zero byte. Priced on the actual
  ABI bytes of submitBatch(bytes batch, uint256[8] proof, bytes data): 4-byte selector,
  the proof as uint256[8], `batch` and `data` each as `bytes` (offset word, length word,
  content padded to 32 bytes). `data` is the batch's operations (data availability:
  zkrollup.l1data, about 390 bytes per trade); what it adds (padded content, length
  word) is the item `data_calldata`, the rest of the transaction data `calldata`. The contract hashes the
  data with the SHA-256 precompile (60 + 12 per word, `data_hash`) and emits the hash
  in the BatchAccepted event (32 more log bytes); it does not store it in a slot (that
  would add 22,100 gas per batch; binding the hash in the SNARK commitment would make
  it part of the public input instead, a circuit change left for later).
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
* Poseidon on L1 (the commitment, the deposit chain, exits). Measured by
  chancehudson/poseidon-solidity (README, "Hash cost"): T2 13,488; T3 21,124;
  T4 37,643; T5 54,352; T6 74,065 gas (circomlibjs's generated contracts: T3 32,173,
  T6 100,197). Wider permutations are not published; their cost grows with the number
  of MDS products, (R_F + R_P(t)) * t^2, and a least-squares fit to the five points,
  gas(t) = 6,570 + 27.91 * (R_F + R_P(t)) * t^2 (within 9% of each measured point),
  gives t = 7: ~104,000, t = 9: ~167,000 and t = 17 (a sponge block of 16 values):
  ~620,000. The commitment (v2, circuits.batch.public) is Poseidon T6 of the five state
  fields, then T7 of that and the five chain hashes: ~178,000. Effects are a rolling
  chain over the actual effects only, one Poseidon T4 (37,643) per withdrawal or forced
  withdrawal served and nothing per trade. `effects_hashing_gas` also prices, for
  comparison, the fixed-length sponge of commitment v1 (4 values per slot, effect or not:
  ~155,000 gas per slot) and a SHA-256 public-data hash as zkSync Lite and Loopring use
  (60 + 12 per word on L1, but ~30,000 constraints per 64-byte block in the circuit).
* Baby Jubjub EdDSA on L1 (exits, and forced-withdrawal requests since commitment v2): a
  2-point Baby Jubjub multi-scalar multiplication, 107,543 gas measured by
  AztecProtocol/Oliver (README), plus one Poseidon T6 for the challenge hash. The
  request key's subgroup check (a multiplication by the subgroup order) is priced as
  one more such MSM: an assumption.

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
BABYJUB_MSM2 = 107_543

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


def abi_submit_bytes(batch_bytes: bytes, proof_words: Optional[Sequence[int]] = None,
                     data: bytes = b"") -> bytes:
    """The transaction data of submitBatch(bytes batch, uint256[8] proof, bytes data):
    selector, the head (offset of `batch`, the static proof words, offset of `data`),
    then each dynamic argument as its length word and its content padded to 32."""
    if proof_words is None:
        # a proof's coordinates are uniform below q: 32 non-zero bytes each, in practice
        proof = b"\xff" * (32 * PROOF_WORDS)
    else:
        proof = b"".join(int(w).to_bytes(32, "big") for w in proof_words)
    head_len = 32 * (2 + PROOF_WORDS)
    batch_tail = len(batch_bytes).to_bytes(32, "big") + _padded(batch_bytes)
    return (b"\x12\x34\x56\x78" + head_len.to_bytes(32, "big") + proof
            + (head_len + len(batch_tail)).to_bytes(32, "big")
            + batch_tail + len(data).to_bytes(32, "big") + _padded(data))


def data_calldata_gas(data: bytes) -> int:
    """What the batch data adds to the transaction's EIP-2028 price: its content padded to
    32 bytes and its length word, less the length word of empty data (32 zero bytes)."""
    return calldata_gas(len(data).to_bytes(32, "big") + _padded(data)) - 32 * CALLDATA_ZERO


def data_hash_gas(data: bytes) -> int:
    """SHA-256 precompile over the batch data (60 + 12 per 32-byte word)."""
    return SHA256_BASE + SHA256_WORD * (-(-len(data) // 32))


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


# Storage touched by submitBatch: read root, batch number, market hash, oracle table hash
# (by id), latest oracle id, deposit pointer, deposit count, two deposit chain hashes,
# exodus flag, forced-request queue head, the forced chain at the head; written: root,
# batch number, deposit pointer (when deposits were consumed), last oracle id; with
# forced requests served also the chain after them (read) and the queue head (write).
SUBMIT_COLD_READS = 12
SUBMIT_UPDATES = 3                  # root, batch number, last oracle table id
BATCH_EVENT = log_gas(2, 96)        # BatchAccepted(batch_number, commitment) with (new_root, n_deposits, data_hash)


EFFECTS_MODELS = ("chain", "sponge", "sha256")


def commitment_gas() -> int:
    """The commitment v2: Poseidon of 5 (state fields), then of 6 (that and the 5 hashes)."""
    return poseidon_gas(5) + poseidon_gas(6)


def effects_hashing_gas(n_slots: int, n_effects: int, model: str = "chain") -> int:
    """L1 gas of the effects part of the commitment.

    "chain" (what circuits.batch.public defines, commitment v2): h' = Poseidon(h,
    kind + 4 account + 2^34 amount, l1_address) over the actual effects only, so trades
    cost nothing.
    "sponge" (commitment v1, for comparison): poseidon_sponge over 4 values per slot,
    effect or not (one width-17 permutation per 4 slots).
    "sha256" (an alternative): SHA-256 of the public data, zkSync Lite / Loopring style.
    """
    if model == "sponge":
        return sponge_gas(4 * n_slots)
    if model == "chain":
        return n_effects * poseidon_gas(3)
    if model == "sha256":
        return sha256_public_data_gas(n_slots)
    raise ValueError(f"effects model must be one of {EFFECTS_MODELS}, got {model!r}")


def batch_gas(calldata: BatchCalldata, proof=None, effects_model: str = "chain",
              data: bytes = b"") -> GasReport:
    """Gas of submitBatch(calldata, proof, data) on Ethereum (see the module docstring)."""
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    words = proof_words(proof) if proof is not None else None
    data = bytes(data)
    data_part = data_calldata_gas(data)
    rep.add("calldata", calldata_gas(abi_submit_bytes(calldata.to_bytes(), words, data)) - data_part)
    rep.add("data_calldata", data_part)
    rep.add("data_hash", data_hash_gas(data))
    rep.add("groth16_verify", groth16_verify_gas(1))
    rep.add("commitment_poseidon", commitment_gas() if effects_model == "chain" else poseidon_gas(8))
    rep.add("effects_hash", effects_hashing_gas(calldata.batch_size, len(calldata.withdrawals()),
                                                effects_model))
    rep.add("storage_reads", SUBMIT_COLD_READS * COLD_SLOAD)
    writes = SUBMIT_UPDATES + (1 if calldata.n_deposits else 0)
    rep.add("storage_writes", writes * sstore_gas(new=False))
    listed = calldata.withdrawals()
    n_forced = sum(1 for e in listed if e.kind == 2)
    # a served forced request: read its record (2 cold slots), clear it; once per batch
    # with any: read the chain after them, move the queue head
    rep.add("forced_requests", n_forced * (2 * COLD_SLOAD + sstore_gas(new=False))
            + (COLD_SLOAD + sstore_gas(new=False) if n_forced else 0))
    rep.add("payouts", len(listed) * ERC20_TRANSFER)
    rep.add("events", BATCH_EVENT)
    return rep


def synthetic_calldata(n_slots: int, n_withdrawals: int = 0, n_deposits: int = 0,
                       batch_number: int = 1_000, table_id: int = 1_000) -> BatchCalldata:
    """A full-looking batch for the benchmark: random-like roots, the first n_withdrawals
    slots withdraw (20-byte addresses, 6-byte amounts), the rest trade or deposit."""
    from circuits.batch.public import EFFECT_WITHDRAWAL, Effect
    import hashlib

    def felt(tag: bytes) -> int:
        return int.from_bytes(hashlib.blake2b(tag, digest_size=31).digest(), "big")

    effects = [Effect(EFFECT_WITHDRAWAL, 1000 + i, felt(b"addr%d" % i) >> 88, 123_456_789_012 + i)
               for i in range(n_withdrawals)]
    return BatchCalldata(batch_size=n_slots, batch_number=batch_number, old_root=felt(b"old"),
                         new_root=felt(b"new"), n_deposits=n_deposits, oracle_table_id=table_id,
                         effects=tuple(effects))


TRADE_DATA_BYTES = 390
"""Batch data of one trade (both signed orders, msgpack; zkrollup.l1data), as measured in the demo."""


def synthetic_data(n_bytes: int) -> bytes:
    """Random-looking batch data of n_bytes (almost no zero bytes: prices an upper bound)."""
    import hashlib
    out = b"".join(hashlib.blake2b(i.to_bytes(4, "big"), digest_size=64).digest()
                   for i in range(-(-n_bytes // 64)))
    return out[:n_bytes]


def per_trade_gas(n_slots: int, effects_model: str = "chain", data_per_trade: int = 0) -> dict:
    """Gas of a batch whose N slots are all trades (no L1 effects), and per trade;
    `data_per_trade` bytes of batch data per slot (0: the data's cost left out)."""
    rep = batch_gas(synthetic_calldata(n_slots), effects_model=effects_model,
                    data=synthetic_data(data_per_trade * n_slots))
    return {"n_slots": n_slots, "data_per_trade": data_per_trade, "batch_gas": rep.total,
            "gas_per_trade": rep.total // n_slots, "items": rep.as_dict()}


def withdrawal_marginal_gas(n_slots: int, effects_model: str = "chain") -> int:
    """Extra gas one withdrawal adds to a batch of N slots (its calldata, hashing, payout)."""
    return (batch_gas(synthetic_calldata(n_slots, 1), effects_model=effects_model).total
            - batch_gas(synthetic_calldata(n_slots), effects_model=effects_model).total)


# --- per L1 operation ------------------------------------------------------------------------

def deposit_gas() -> GasReport:
    """deposit(account, pk_x, pk_y, amount): pull the tokens, extend the rolling hash,
    store the new chain value in a fresh slot, bump the queue length, emit the entry."""
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    rep.add("calldata", calldata_gas(b"\x12\x34\x56\x78" + b"\x00" * 28 + b"\x01\x02\x03\x04"
                                     + b"\xff" * 64 + b"\x00" * 24 + b"\x05" * 8))
    rep.add("erc20_transfer_from", ERC20_TRANSFER)
    rep.add("deposit_chain_poseidon", poseidon_gas(5))
    rep.add("storage", 2 * COLD_SLOAD + sstore_gas(new=True) + sstore_gas(new=False))
    rep.add("event", log_gas(1, 4 * 32))
    return rep


def forced_withdrawal_request_gas() -> GasReport:
    """requestForcedWithdrawal(account, l1_address, amount, nonce, pk, signature): check
    the key (subgroup) and the EdDSA signature of the request message, extend the
    forced-request chain, store a two-slot record (account, address, amount; deadline)
    and the chain value in fresh slots, bump the queue tail, emit the request (the
    operator reads nonce, key and signature from the event)."""
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    rep.add("calldata", calldata_gas(b"\x12\x34\x56\x78" + b"\x00" * 28 + b"\x01\x02\x03\x04"
                                     + b"\x00" * 12 + b"\xff" * 20 + b"\x00" * 24 + b"\x05" * 8
                                     + b"\x00" * 31 + b"\x01" + b"\xff" * (32 * 5)))
    rep.add("key_subgroup_check", BABYJUB_MSM2)
    rep.add("eddsa_verify", BABYJUB_MSM2 + poseidon_gas(5) + poseidon_gas(5))   # + the message hash
    rep.add("forced_chain_poseidon", poseidon_gas(5))
    rep.add("storage", 2 * COLD_SLOAD + 3 * sstore_gas(new=True) + sstore_gas(new=False))
    rep.add("event", log_gas(2, 7 * 32))
    return rep


def exit_gas(acc_depth: int, n_instruments: int) -> GasReport:
    """exit(...) in exodus mode: account fields, K sizes, D siblings and a signature in
    calldata; D Poseidon T3 for the path, the positions and leaf hashes, the EdDSA check,
    K mark reads, the exited flag and the payout."""
    rep = GasReport()
    rep.add("tx_base", TX_BASE)
    words = 4 + 6 + n_instruments + acc_depth + 3 + 1
    rep.add("calldata", calldata_gas(b"\x12\x34\x56\x78" + b"\xff" * (32 * words)))
    rep.add("merkle_path", (acc_depth + 1) * poseidon_gas(2))   # + Poseidon(accounts_root, oi_hash)
    rep.add("leaf_hash", poseidon_gas(n_instruments) + poseidon_gas(6))
    rep.add("eddsa", BABYJUB_MSM2 + poseidon_gas(5))
    rep.add("storage", (3 + n_instruments) * COLD_SLOAD + sstore_gas(new=True))
    rep.add("payout", ERC20_TRANSFER)
    return rep


def sha256_public_data_gas(n_slots: int) -> int:
    """What the commitment hashing would cost on L1 with SHA-256 of the header and the
    4 * N effect words instead of Poseidon (the comparison in the module docstring)."""
    words = 8 + 4 * n_slots
    return SHA256_BASE + SHA256_WORD * words


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
