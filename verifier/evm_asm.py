"""A minimal EVM assembler: opcodes, pushes, labels, a data section, and a deploy wrapper.

    a = Asm()
    a.op("CALLDATASIZE"); a.push_label("bad"); a.op("JUMPI")
    a.label("bad"); a.op("JUMPDEST") ...
    code = a.assemble()

`push(v)` uses the shortest PUSH (PUSH0 for 0); `push_label(name)` is a PUSH2 of the label's
offset; `push_data(name)` a PUSH2 of the offset of data blob `name` (appended after the
code by `data(name, blob)`). `initcode(runtime)` wraps runtime code in the usual
"copy myself and return" constructor.
"""
from __future__ import annotations

OPCODES = {
    "STOP": 0x00, "ADD": 0x01, "MUL": 0x02, "SUB": 0x03, "DIV": 0x04, "MOD": 0x06,
    "ADDMOD": 0x08, "MULMOD": 0x09, "LT": 0x10, "GT": 0x11, "EQ": 0x14, "ISZERO": 0x15,
    "AND": 0x16, "OR": 0x17, "SHR": 0x1C, "CALLVALUE": 0x34, "CALLDATALOAD": 0x35,
    "CALLDATASIZE": 0x36, "CODECOPY": 0x39, "EXTCODECOPY": 0x3C, "RETURNDATASIZE": 0x3D, "POP": 0x50, "MLOAD": 0x51, "MSTORE": 0x52,
    "JUMP": 0x56, "JUMPI": 0x57, "GAS": 0x5A, "JUMPDEST": 0x5B, "PUSH0": 0x5F, "RETURN": 0xF3,
    "STATICCALL": 0xFA, "REVERT": 0xFD, "INVALID": 0xFE,
}
OPCODES.update({f"PUSH{i}": 0x5F + i for i in range(1, 33)})
OPCODES.update({f"DUP{i}": 0x7F + i for i in range(1, 17)})
OPCODES.update({f"SWAP{i}": 0x8F + i for i in range(1, 17)})

MAX_CODE_SIZE = 24_576          # EIP-170


class Asm:
    def __init__(self):
        self.items: list[tuple] = []
        self._data: dict[str, bytes] = {}

    def op(self, *names: str) -> None:
        for name in names:
            self.items.append(("op", OPCODES[name]))

    def push(self, value: int) -> None:
        if not 0 <= value < 2**256:
            raise ValueError(f"push: {value} does not fit in 256 bits")
        if value == 0:
            self.op("PUSH0")
            return
        n = (value.bit_length() + 7) // 8
        self.items.append(("push", value, n))

    def label(self, name: str) -> None:
        self.items.append(("label", name))
        self.op("JUMPDEST")

    def push_label(self, name: str) -> None:
        self.items.append(("ref", name))

    def data(self, name: str, blob: bytes) -> None:
        self._data[name] = bytes(blob)

    def push_data(self, name: str) -> None:
        self.items.append(("ref", "data:" + name))

    def assemble(self) -> bytes:
        pos, where = 0, {}
        for it in self.items:
            if it[0] == "label":
                where[it[1]] = pos
            pos += {"op": 1, "push": 1 + (it[2] if it[0] == "push" else 0), "ref": 3, "label": 0}[it[0]]
        for name, blob in self._data.items():
            where["data:" + name] = pos
            pos += len(blob)
        if pos >= 2**16:
            raise ValueError("code too large for PUSH2 references")
        out = bytearray()
        for it in self.items:
            if it[0] == "op":
                out.append(it[1])
            elif it[0] == "push":
                out.append(0x5F + it[2])
                out += it[1].to_bytes(it[2], "big")
            elif it[0] == "ref":
                if it[1] not in where:
                    raise ValueError(f"undefined label {it[1]!r}")
                out.append(0x61)
                out += where[it[1]].to_bytes(2, "big")
        for blob in self._data.values():
            out += blob
        return bytes(out)


def initcode(runtime: bytes) -> bytes:
    """Constructor that returns `runtime` (refuses ETH sent with the deployment)."""
    n = len(runtime)
    if n >= 2**16:
        raise ValueError("runtime too large")
    # CALLVALUE ISZERO PUSH1 ok JUMPI PUSH0 PUSH0 REVERT | ok: JUMPDEST
    # PUSH2 n DUP1 PUSH1 off PUSH0 CODECOPY PUSH0 RETURN
    head = bytes([0x34, 0x15, 0x60, 0x08, 0x57, 0x5F, 0x5F, 0xFD, 0x5B, 0x61]) + n.to_bytes(2, "big")
    head += bytes([0x80, 0x60, 0x00, 0x5F, 0x39, 0x5F, 0xF3])
    off = len(head)
    head = head[:14] + bytes([off]) + head[15:]
    return head + runtime
