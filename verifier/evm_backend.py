"""REVM through pyrevm 0.3.7, with real transaction boundaries.

pyrevm runs every `message_call`/`deploy` inside ONE open revm transaction: its journal is
never finalized, so the accounts and storage slots that one call touched stay warm for the
next (EIP-2929) and every slot keeps the value it had at the first call as its "original"
value (EIP-2200/3529). Gas read from a second call is then wrong, and `EVM.commit()` does
not help (it only lowers the journal depth). This module restores per-transaction semantics:

1. state lives in the EVM's database (revm's CacheDB), every account cold;
2. a transaction runs inside `snapshot()`; afterwards its effects (accounts marked Touched,
   storage slots whose present value differs from the original) are read from the journal;
3. `revert()` drops the journal (everything cold again) and the effects are written into the
   database: `insert_account_info` for an account not in the journal goes straight to the
   database, and `insert_account_storage`, which warms the account, runs inside its own
   snapshot/revert so that only the database write remains.

pyrevm exposes the journal's storage only through its Debug text (`EVM.journal_str`), which
`_parse_journal` reads; the format is revm 8's, so the pyrevm version is pinned and checked
(tests/test_evm_host.py pins the gas of known transactions, which breaks if it drifts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env

PYREVM_VERSION = "0.3.7"
SPEC_ID = "Cancun"   # revm's SpecId name, case-sensitive: an unknown name silently means LATEST
KECCAK_EMPTY = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def _check_version() -> None:
    from importlib.metadata import version
    found = version("pyrevm")
    if found != PYREVM_VERSION:
        raise RuntimeError(f"verifier.evm_backend reads pyrevm {PYREVM_VERSION}'s journal; "
                           f"pyrevm {found} is installed")


_check_version()

_ACCOUNT = re.compile(
    r"(0x[0-9a-fA-F]{40}): Account \{ info: AccountInfo \{ balance: (\d+), nonce: (\d+), "
    r"code_hash: 0x([0-9a-f]{64}), code: (?:None|Some\(Bytecode \{ bytecode: 0x([0-9a-f]*), "
    r"state: (?:Raw|\w+ \{ len: (\d+)))")
_STORAGE = re.compile(r"storage: \{(.*?)\}, status: AccountStatus\(([^)]*)\)")
_SLOT = re.compile(r"(\d+): StorageSlot \{ previous_or_original_value: (\d+), present_value: (\d+) \}")


@dataclass
class AccountChange:
    """One account's state after a transaction: the full info, and the changed slots."""
    balance: int
    nonce: int
    code: Optional[bytes]
    storage: dict = field(default_factory=dict)     # slot -> new value (0 = cleared)


def _parse_journal(text: str) -> dict[str, AccountChange]:
    """Touched accounts of revm's JournaledState Debug text -> {lowercase address: change}."""
    start, end = text.find("state: {"), text.find("}, transient_storage:")
    if start < 0 or end < 0:
        raise RuntimeError("unexpected pyrevm journal format (state section not found)")
    state = text[start:end]
    heads = list(_ACCOUNT.finditer(state))
    if state.count(": Account { info:") != len(heads):
        raise RuntimeError("unexpected pyrevm journal format (account entry not understood)")
    out: dict[str, AccountChange] = {}
    for i, m in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else len(state)
        sm = _STORAGE.search(state, m.end(), stop)
        if sm is None:
            raise RuntimeError("unexpected pyrevm journal format (storage of an account)")
        status = sm.group(2)
        if "SelfDestructed" in status:
            raise RuntimeError("SELFDESTRUCT is not supported by this embedded L1")
        if "Touched" not in status:
            continue
        code = None
        if m.group(4) != KECCAK_EMPTY:
            code = bytes.fromhex(m.group(5))
            if m.group(6) is not None:          # analysed bytecode is padded: keep its length
                code = code[:int(m.group(6))]
        slots = {int(k): int(new) for k, old, new in _SLOT.findall(sm.group(1)) if old != new}
        out[m.group(1).lower()] = AccountChange(int(m.group(2)), int(m.group(3)), code, slots)
    return out


@dataclass(frozen=True)
class RawResult:
    """What one executed transaction did (nothing is applied yet)."""
    success: bool
    kind: str                   # "success", "revert", "halt"
    reason: str                 # revm's reason: Stop/Return/SelfDestruct, Revert, or the halt
    gas_used: int
    output: bytes               # return data, or revert data
    logs: tuple                 # ((address, (topic bytes, ...), data), ...)
    contract: Optional[str]     # the created address (lowercase) for a successful create
    changes: dict               # {address: AccountChange}, empty unless success


_REVERT = re.compile(r"Revert \{ gas_used: (\d+), output: 0x([0-9a-f]*) \}")
_HALT = re.compile(r"Halt \{ reason: (\w+)(?:\([^)]*\))?, gas_used: (\d+) \}")


class InvalidTransaction(ValueError):
    """revm refused the transaction before executing it (e.g. too little balance for value)."""


class RevmBackend:
    """One pyrevm EVM used with per-transaction semantics (see the module docstring)."""

    def __init__(self, chain_id: int, gas_limit: int):
        self.gas_limit = gas_limit
        self.evm = EVM(env=Env(cfg=CfgEnv(chain_id=chain_id)), gas_limit=gas_limit, spec_id=SPEC_ID)

    # -- state --------------------------------------------------------------------------
    def put_account(self, address: str, balance: int, nonce: int, code: Optional[bytes]) -> None:
        self.evm.insert_account_info(address, AccountInfo(balance=balance, nonce=nonce,
                                                          code=code or None))

    def put_storage(self, address: str, slot: int, value: int) -> None:
        cp = self.evm.snapshot()
        self.evm.insert_account_storage(address, slot, value)
        self.evm.revert(cp)

    def apply(self, changes: dict[str, AccountChange]) -> None:
        for addr, ch in changes.items():
            self.put_account(addr, ch.balance, ch.nonce, ch.code)
        for addr, ch in changes.items():
            for slot, value in ch.storage.items():
                self.put_storage(addr, slot, value)

    def balance(self, address: str) -> int:
        return self._read(lambda: self.evm.get_balance(address))

    def nonce(self, address: str) -> int:
        return self._read(lambda: self.evm.basic(address).nonce)

    def storage(self, address: str, slot: int) -> int:
        return self._read(lambda: self.evm.storage(address, slot))

    def _read(self, fn):
        """Reads load accounts into the journal (warming them): undo that."""
        cp = self.evm.snapshot()
        try:
            return fn()
        finally:
            self.evm.revert(cp)

    # -- execution ------------------------------------------------------------------------
    def set_block(self, number: int, timestamp: int) -> None:
        self.evm.set_block_env(BlockEnv(number=number, timestamp=timestamp,
                                        coinbase="0x" + "00" * 20, prevrandao=bytes(32),
                                        basefee=0, gas_limit=self.gas_limit))

    def execute(self, sender: str, to: Optional[str], data: bytes, value: int, gas: int,
                collect: bool = True) -> RawResult:
        """Run one transaction (a create when `to` is None) and undo it; the caller applies
        `result.changes` (collected only if `collect`) to commit it. InvalidTransaction if
        revm refuses it outright."""
        cp = self.evm.snapshot()
        try:
            return self._run(sender, to, data, value, gas, collect)
        finally:
            self.evm.revert(cp)

    def _run(self, sender, to, data, value, gas, collect) -> RawResult:
        try:
            if to is None:
                contract = self.evm.deploy(sender, data, value=value, gas=gas).lower()
                output = b""
            else:
                contract = None
                output = bytes(self.evm.message_call(sender, to, data, value=value, gas=gas))
        except RuntimeError as e:
            return self._failure(str(e))
        res = self.evm.result
        logs = tuple((lg.address.lower(), tuple(bytes.fromhex(t[2:]) for t in lg.topics),
                      bytes(lg.data[1])) for lg in res.logs)
        changes = _parse_journal(self.evm.journal_str) if collect else {}
        return RawResult(True, "success", res.reason, res.gas_used, output, logs, contract, changes)

    def _failure(self, text: str) -> RawResult:
        res = self.evm.result
        m = _REVERT.search(text)
        if m and res is not None:
            return RawResult(False, "revert", "Revert", int(m.group(1)),
                             bytes.fromhex(m.group(2)), (), None, {})
        m = _HALT.search(text)
        if m and res is not None:
            return RawResult(False, "halt", m.group(1), int(m.group(2)), b"", (), None, {})
        raise InvalidTransaction(f"transaction refused by the EVM: {text}")


__all__ = ["AccountChange", "InvalidTransaction", "RawResult", "RevmBackend", "SPEC_ID",
           "PYREVM_VERSION"]
