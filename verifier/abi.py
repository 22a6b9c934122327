"""Talking to a deployed contract through its ABI (encoding by eth-abi).

    token = deploy(chain, load("token"), "Collateral", "COL", 6, sender=owner)
    token.transact("mint", alice, 10**6, sender=owner)
    token.call("balanceOf", alice)                  # -> 1000000
    token.events(receipt)                           # -> [Event("Transfer", {...}), ...]

A function is chosen by name and argument count. `call` returns the single output
unwrapped (a tuple when there are several); revert reasons surface as
verifier.evm.ExecutionFailed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from eth_abi import decode, encode

from .evm import ZERO_ADDRESS, Chain, Receipt, checksum, keccak256, to_address
from .vyper_build import Artifact


def abi_type(param: dict) -> str:
    """The canonical type string of an ABI parameter (tuples expanded)."""
    t = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in param["components"]) + ")" + t[len("tuple"):]
    return t


def signature(entry: dict) -> str:
    return f"{entry['name']}(" + ",".join(abi_type(p) for p in entry["inputs"]) + ")"


def selector(sig: str) -> bytes:
    return keccak256(sig.encode())[:4]


def function(abi: list, name: str, nargs: int) -> dict:
    """The ABI entry of function `name` taking `nargs` arguments."""
    found = [e for e in abi if e.get("type") == "function" and e["name"] == name
             and len(e["inputs"]) == nargs]
    if len(found) != 1:
        raise ValueError(f"no unique function {name} with {nargs} arguments in the ABI")
    return found[0]


def encode_call(abi: list, name: str, *args) -> bytes:
    """Calldata of a call to `name(args)`: selector + ABI-encoded arguments."""
    fn = function(abi, name, len(args))
    return selector(signature(fn)) + encode([abi_type(p) for p in fn["inputs"]], list(args))


@dataclass(frozen=True)
class Event:
    name: str
    args: dict
    address: str


class Contract:
    """A deployed contract at `address` with the given ABI, on `chain`."""

    def __init__(self, chain: Chain, address: str, abi: list):
        self.chain, self.address, self.abi = chain, checksum(address), abi
        self._events = {keccak256(signature(e).encode()): e for e in abi if e["type"] == "event"}

    def _function(self, name: str, nargs: int) -> dict:
        return function(self.abi, name, nargs)

    def encode(self, name: str, *args) -> bytes:
        return encode_call(self.abi, name, *args)

    def _decode(self, name: str, nargs: int, output: bytes) -> Any:
        outs = self._function(name, nargs)["outputs"]
        values = decode([abi_type(p) for p in outs], output)
        return values[0] if len(values) == 1 else tuple(values) if values else None

    def call(self, name: str, *args, sender: str = ZERO_ADDRESS) -> Any:
        return self._decode(name, len(args), self.chain.call(self.address, self.encode(name, *args),
                                                             sender=sender))

    def transact(self, name: str, *args, sender: str, value: int = 0,
                 gas: Optional[int] = None) -> Receipt:
        return self.chain.transact(sender, self.address, self.encode(name, *args), value=value, gas=gas)

    def events(self, receipt: Receipt, name: Optional[str] = None) -> list[Event]:
        """The receipt's logs emitted by this contract, decoded (optionally one event name)."""
        out = []
        for log in receipt.logs:
            if to_address(log.address) != to_address(self.address) or not log.topics:
                continue
            ev = self._events.get(log.topics[0])
            if ev is None or (name and ev["name"] != name):
                continue
            indexed = [p for p in ev["inputs"] if p.get("indexed")]
            plain = [p for p in ev["inputs"] if not p.get("indexed")]
            args = {p["name"]: decode([abi_type(p)], t)[0] for p, t in zip(indexed, log.topics[1:])}
            args.update(zip((p["name"] for p in plain), decode([abi_type(p) for p in plain], log.data)))
            out.append(Event(ev["name"], args, log.address))
        return out


def constructor_args(abi: list, args: tuple) -> bytes:
    ctor = next((e for e in abi if e["type"] == "constructor"), {"inputs": []})
    if len(ctor["inputs"]) != len(args):
        raise ValueError(f"constructor takes {len(ctor['inputs'])} arguments, got {len(args)}")
    return encode([abi_type(p) for p in ctor["inputs"]], list(args)) if args else b""


def deploy(chain: Chain, artifact: Artifact, *args, sender: str, value: int = 0,
           gas: Optional[int] = None) -> Contract:
    """Deploy a compiled contract with constructor arguments; returns its Contract."""
    r = chain.deploy(sender, artifact.initcode + constructor_args(artifact.abi, args), value=value, gas=gas)
    c = Contract(chain, r.contract_address, artifact.abi)
    c.deploy_receipt = r
    return c
