"""The embedded L1: an Ethereum chain in-process (REVM, Cancun rules) with exact gas.

    chain = Chain("l1.sqlite")            # or Chain() for memory only
    alice = address_of("alice"); chain.fund(alice, 10**18)
    r = chain.deploy(alice, initcode)      # Receipt: r.contract_address, r.gas_used, r.logs
    r = chain.transact(alice, r.contract_address, calldata)
    out = chain.call(to, calldata)         # a read-only call: no block, no state change

Model: every transaction is mined alone in its own block (automine): block numbers count
1, 2, ...; a block's timestamp is `next_timestamp`, which then moves `block_time`
seconds on (`advance_time`, `set_next_timestamp` move it further). Gas price and base fee
are 0, so ETH moves only as `value`; `fund` sets a balance (a host privilege, logged). A
failing transaction is mined too (status False, its gas used, nothing else changed) and
raises ExecutionFailed carrying the decoded revert reason and the receipt. Senders are
plain addresses: nothing is signed (`address_of(label)` makes deterministic ones).

Gas is read from the EVM per transaction (intrinsic 21000 + calldata included, refunds
applied), with real transaction boundaries (cold accounts and slots, original values):
see verifier/evm_backend.py for how that is obtained from pyrevm.

Persistence: the world state and every transaction (with its receipt) live in one SQLite
file (verifier/evm_store.py), written atomically per transaction; reopening loads the
state. `verify_log()` re-executes the whole transaction log on a fresh EVM and checks that
every receipt and the final state come out identical.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from Crypto.Hash import keccak as _keccak

from .evm_backend import InvalidTransaction, RawResult, RevmBackend, SPEC_ID
from .evm_store import ChainStore, ChainStoreError

DEFAULT_CHAIN_ID = 31337
BLOCK_GAS_LIMIT = 30_000_000
GENESIS_TIME = 1_767_225_600          # 2026-01-01T00:00:00Z: deterministic, not the wall clock
BLOCK_TIME = 12
ZERO_ADDRESS = "0x" + "00" * 20

AddressLike = Union[str, bytes]


def keccak256(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def to_address(a: AddressLike) -> str:
    """Normalize an address (0x-hex in any case, or 20 bytes) to lowercase 0x-hex."""
    if isinstance(a, (bytes, bytearray)) and len(a) == 20:
        return "0x" + bytes(a).hex()
    if isinstance(a, str) and len(a) == 42 and a[:2] in ("0x", "0X"):
        try:
            int(a[2:], 16)
        except ValueError:
            pass
        else:
            return "0x" + a[2:].lower()
    raise ValueError(f"not an address: {a!r}")


def checksum(a: AddressLike) -> str:
    """EIP-55 mixed-case form."""
    h = to_address(a)[2:]
    d = keccak256(h.encode()).hex()
    return "0x" + "".join(c.upper() if int(d[i], 16) >= 8 else c for i, c in enumerate(h))


def address_of(label: str) -> str:
    """A deterministic externally-owned address for a name (tests, demo users)."""
    return checksum(keccak256(b"zkrollup L1 account:" + label.encode())[12:])


@dataclass(frozen=True)
class Log:
    address: str                # checksummed
    topics: tuple               # of 32-byte values
    data: bytes


@dataclass(frozen=True)
class Receipt:
    block: int
    timestamp: int
    kind: str                   # "call" or "create"
    sender: str
    to: Optional[str]
    status: bool
    gas_used: int
    output: bytes               # return data (call), or revert data
    logs: tuple                 # of Log
    contract_address: Optional[str]
    reason: Optional[str]       # why it failed (decoded revert reason or halt), else None


class L1Error(Exception):
    """Base of the embedded L1's errors."""


class ExecutionFailed(L1Error):
    """A transaction or call reverted or halted. `reason`: the decoded revert reason
    (Error(string) text, "Panic(0x..)", or None for a bare revert) or the halt name;
    `data`: raw revert data; `receipt`: the mined failed transaction (None for `call`)."""

    def __init__(self, kind: str, reason: Optional[str], data: bytes, gas_used: int,
                 receipt: Optional[Receipt] = None):
        self.kind, self.reason, self.data, self.gas_used, self.receipt = kind, reason, data, gas_used, receipt
        what = "reverted" if kind == "revert" else "halted"
        super().__init__(f"execution {what}: {reason}" if reason else f"execution {what} (no reason given)")


def decode_revert(data: bytes) -> Optional[str]:
    """Error(string) -> its text; Panic(uint256) -> 'Panic(0x..)'; other data -> hex; b'' -> None."""
    if data[:4] == bytes.fromhex("08c379a0") and len(data) >= 68:
        n = int.from_bytes(data[36:68], "big")
        if 68 + n <= len(data):
            return data[68:68 + n].decode("utf-8", "replace")
    if data[:4] == bytes.fromhex("4e487b71") and len(data) == 36:
        return f"Panic(0x{int.from_bytes(data[4:], 'big'):02x})"
    return "0x" + data.hex() if data else None


class Chain:
    """An automining chain on REVM with its state in `path` (see the module docstring)."""

    def __init__(self, path: str = ":memory:", *, chain_id: int = DEFAULT_CHAIN_ID,
                 gas_limit: int = BLOCK_GAS_LIMIT, genesis_time: int = GENESIS_TIME,
                 block_time: int = BLOCK_TIME):
        self.store = ChainStore(path)
        s = self.store
        if s.get_meta("chain_id") is None:
            with s.transaction():
                for k, v in (("chain_id", chain_id), ("gas_limit", gas_limit), ("spec", SPEC_ID),
                             ("block_time", block_time), ("block_number", 0),
                             ("block_timestamp", genesis_time), ("next_timestamp", genesis_time + block_time)):
                    s.set_meta(k, v)
        if s.get_meta("spec") != SPEC_ID:
            raise ChainStoreError(f"{path}: chain runs {s.get_meta('spec')} rules, this code {SPEC_ID}")
        self.chain_id = s.get_meta("chain_id")
        self.gas_limit = s.get_meta("gas_limit")
        self.block_time = s.get_meta("block_time")
        self.block_number = s.get_meta("block_number")
        self.timestamp = s.get_meta("block_timestamp")       # of the last block
        self.next_timestamp = s.get_meta("next_timestamp")
        self._evm = RevmBackend(self.chain_id, self.gas_limit)
        for addr, balance, nonce, code in s.accounts():
            self._evm.put_account(addr, balance, nonce, code)
        for addr, slot, value in s.storage():
            self._evm.put_storage(addr, slot, value)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Chain":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- time ------------------------------------------------------------------------------
    def advance_time(self, seconds: int) -> None:
        if not isinstance(seconds, int) or seconds < 0:
            raise ValueError(f"advance_time: seconds must be a non-negative int, got {seconds!r}")
        self._set_next(self.next_timestamp + seconds)

    def set_next_timestamp(self, ts: int) -> None:
        if not isinstance(ts, int) or ts <= self.timestamp:
            raise ValueError(f"the next block's timestamp must be after {self.timestamp}, got {ts!r}")
        self._set_next(ts)

    def _set_next(self, ts: int) -> None:
        with self.store.transaction():
            self.store.set_meta("next_timestamp", ts)
        self.next_timestamp = ts

    # -- reads -----------------------------------------------------------------------------
    def balance(self, address: AddressLike) -> int:
        return self._evm.balance(to_address(address))

    def nonce(self, address: AddressLike) -> int:
        return self._evm.nonce(to_address(address))

    def storage(self, address: AddressLike, slot: int) -> int:
        return self._evm.storage(to_address(address), slot)

    def code(self, address: AddressLike) -> bytes:
        acc = self.store.account(to_address(address))
        return acc[2] if acc else b""

    def receipts(self) -> list[Receipt]:
        return [_receipt(row) for row in self.store.txs() if row["kind"] != "fund"]

    def transactions(self, since: int = 0):
        """(seq, receipt, input data) of every mined transaction after log position `since`
        (0: all), in order: what a client scans for events and calldata (eth_getLogs and
        eth_getTransactionByHash on a real node)."""
        for row in self.store.txs(since):
            if row["kind"] != "fund":
                yield row["seq"], _receipt(row), row["data"]

    # -- writes ----------------------------------------------------------------------------
    def fund(self, address: AddressLike, wei: int) -> None:
        """Set an account's ETH balance (a host privilege, like anvil_setBalance; logged)."""
        a = to_address(address)
        if not isinstance(wei, int) or not 0 <= wei < 2 ** 256:
            raise ValueError(f"fund: balance must be an int in [0, 2^256), got {wei!r}")
        nonce = self._evm.nonce(a)
        with self.store.transaction():
            self.store.put_account(a, wei, nonce, self.code(a))
            self.store.append_tx(dict(kind="fund", block=self.block_number, timestamp=self.timestamp,
                                      sender=None, to=a, value=wei, data=b"", gas_limit=0, status=True,
                                      gas_used=0, output=b"", logs=[], contract=None, reason=None))
        self._evm.put_account(a, wei, nonce, self.code(a) or None)

    def deploy(self, sender: AddressLike, initcode: bytes, *, value: int = 0,
               gas: Optional[int] = None) -> Receipt:
        """Create a contract; the receipt's contract_address is where it lives."""
        return self._mine("create", sender, None, bytes(initcode), value, gas)

    def transact(self, sender: AddressLike, to: AddressLike, data: bytes = b"", *, value: int = 0,
                 gas: Optional[int] = None) -> Receipt:
        """Send a transaction; ExecutionFailed (with .receipt) if it reverts or halts."""
        return self._mine("call", sender, to_address(to), bytes(data), value, gas)

    def call(self, to: AddressLike, data: bytes = b"", *, sender: AddressLike = ZERO_ADDRESS,
             value: int = 0, gas: Optional[int] = None) -> bytes:
        """A read-only call against the latest state (as eth_call): returns the output."""
        self._evm.set_block(self.block_number + 1, self.next_timestamp)
        res = self._evm.execute(to_address(sender), to_address(to), bytes(data), value,
                                self._gas(gas), collect=False)
        if not res.success:
            raise ExecutionFailed(res.kind, _reason(res), res.output, res.gas_used)
        return res.output

    def estimate_gas(self, sender: AddressLike, to: Optional[AddressLike], data: bytes = b"", *,
                     value: int = 0) -> int:
        """The gas the transaction would use now (no block, no state change)."""
        self._evm.set_block(self.block_number + 1, self.next_timestamp)
        res = self._evm.execute(to_address(sender), None if to is None else to_address(to),
                                bytes(data), value, self.gas_limit, collect=False)
        if not res.success:
            raise ExecutionFailed(res.kind, _reason(res), res.output, res.gas_used)
        return res.gas_used

    def _gas(self, gas: Optional[int]) -> int:
        gas = self.gas_limit if gas is None else gas
        if not isinstance(gas, int) or not 21_000 <= gas <= self.gas_limit:
            raise ValueError(f"gas must be an int in [21000, {self.gas_limit}], got {gas!r}")
        return gas

    def _mine(self, kind: str, sender: AddressLike, to: Optional[str], data: bytes, value: int,
              gas: Optional[int]) -> Receipt:
        sender = to_address(sender)
        if not isinstance(value, int) or not 0 <= value < 2 ** 256:
            raise ValueError(f"value must be an int in [0, 2^256), got {value!r}")
        gas = self._gas(gas)
        number, ts = self.block_number + 1, self.next_timestamp
        self._evm.set_block(number, ts)
        res = self._evm.execute(sender, to, data, value, gas)    # InvalidTransaction: not mined
        # an empty account the chain never held (the coinbase, a precompile, a 0-value
        # callee) does not exist (EIP-161): keep it out of the state
        changes = {a: ch for a, ch in res.changes.items()
                   if ch.balance or ch.nonce or ch.code or ch.storage or self.store.account(a)}
        row = dict(kind=kind, block=number, timestamp=ts, sender=sender, to=to, value=value,
                   data=data, gas_limit=gas, status=res.success, gas_used=res.gas_used,
                   output=res.output, contract=res.contract, reason=_reason(res),
                   logs=[[a, [t.hex() for t in topics], d.hex()] for a, topics, d in res.logs])
        with self.store.transaction():
            for addr, ch in changes.items():
                self.store.put_account(addr, ch.balance, ch.nonce, ch.code)
                for slot, v in ch.storage.items():
                    self.store.put_storage(addr, slot, v)
            self.store.append_tx(row)
            for k, v in (("block_number", number), ("block_timestamp", ts),
                         ("next_timestamp", ts + self.block_time)):
                self.store.set_meta(k, v)
        self._evm.apply(changes)
        self.block_number, self.timestamp, self.next_timestamp = number, ts, ts + self.block_time
        receipt = _receipt(row)
        if not res.success:
            raise ExecutionFailed(res.kind, receipt.reason, res.output, res.gas_used, receipt)
        return receipt

    # -- replay ----------------------------------------------------------------------------
    def verify_log(self) -> int:
        """Re-execute the whole transaction log on a fresh in-memory chain; raise L1Error at
        the first receipt that differs, or if the final state differs. Returns the count."""
        fresh = Chain(chain_id=self.chain_id, gas_limit=self.gas_limit, block_time=self.block_time)
        n = 0
        for row in self.store.txs():
            fresh._replay(row)
            n += 1
        if list(fresh.store.accounts()) != list(self.store.accounts()) or \
                list(fresh.store.storage()) != list(self.store.storage()):
            raise L1Error("replaying the transaction log gives a different final state")
        fresh.close()
        return n

    def _replay(self, row: dict) -> None:
        if row["kind"] == "fund":
            self.fund(row["to"], row["value"])
            return
        self.block_number, self.next_timestamp = row["block"] - 1, row["timestamp"]
        try:
            got = self._mine(row["kind"], row["sender"], row["to"], row["data"], row["value"],
                             row["gas_limit"])
        except ExecutionFailed as e:
            got = e.receipt
        want = _receipt(row)
        if got != want:
            raise L1Error(f"replay diverges at block {row['block']}: {got} != {want}")


def _reason(res: RawResult) -> Optional[str]:
    if res.success:
        return None
    return decode_revert(res.output) if res.kind == "revert" else res.reason


def _receipt(row: dict) -> Receipt:
    logs = tuple(Log(checksum(a), tuple(bytes.fromhex(t) for t in topics), bytes.fromhex(d))
                 for a, topics, d in row["logs"])
    return Receipt(block=row["block"], timestamp=row["timestamp"], kind=row["kind"],
                   sender=checksum(row["sender"]), to=checksum(row["to"]) if row["to"] else None,
                   status=row["status"], gas_used=row["gas_used"], output=row["output"], logs=logs,
                   contract_address=checksum(row["contract"]) if row["contract"] else None,
                   reason=row["reason"])


__all__ = ["BLOCK_GAS_LIMIT", "Chain", "ExecutionFailed", "InvalidTransaction", "L1Error", "Log",
           "Receipt", "ZERO_ADDRESS", "address_of", "checksum", "decode_revert", "keccak256",
           "to_address"]
