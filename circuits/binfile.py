"""The iden3 binary container shared by circom's .r1cs/.wtns and snarkjs's .zkey files.

Layout (all integers little-endian):

    magic (4 ASCII bytes) | version u32 | n_sections u32 |
    n_sections x ( section type u32 | section size u64 | size bytes of payload )

Section types may appear in any order (circom writes its constraints before its
header); a reader looks sections up by type. `parse_binfile` enforces: the magic, a
supported version, a plausible section count, every section inside the file, and no
bytes after the last section. Every problem raises the caller's error class (a
ValueError subclass) with one line naming the file and what is wrong.
"""
from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

MAX_SECTIONS = 64
"""No iden3 format uses more than a dozen section types; more means corruption."""


class BinFileError(ValueError):
    """A malformed iden3 binary file; the message is one line naming the file."""


MAX_FILE_BYTES = 1 << 40
"""No iden3 file of this project comes near a terabyte; a path to anything larger, or to
something that is not a regular file (/dev/zero, a FIFO), is refused before reading."""


def open_regular(path, limit: int, error: type[Exception], what: str = "file"):
    """(open binary file, size) of the regular file `path` of at most `limit` bytes: a
    directory, a device, a FIFO or a larger file raises `error` (one line naming the file)
    before it is opened, so no input path can exhaust memory or block."""
    name = os.fspath(path)
    try:
        st = os.stat(name)                  # before opening: opening a FIFO would block
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{name}: the {what} is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{name}: the {what} is not a regular file")
        if st.st_size > limit:
            raise error(f"{name}: the {what} has {st.st_size:,} bytes, more than the {limit:,} it may have")
        return open(name, "rb"), st.st_size
    except OSError as e:
        raise error(f"{name}: cannot read {what} ({e.strerror or e})") from None


def read_file(path, limit: int, error: type[Exception], what: str = "file") -> bytes:
    """The bytes of the regular file `path`, at most `limit` (checked as `open_regular`)."""
    name = os.fspath(path)
    f, size = open_regular(path, limit, error, what)
    try:
        with f:
            data = f.read(min(size, limit) + 1)
    except OSError as e:
        raise error(f"{name}: cannot read {what} ({e.strerror or e})") from None
    if len(data) > size:                    # grew while being read
        raise error(f"{name}: the {what} changed while being read")
    return data


def load_bytes(path, error: type[BinFileError] = BinFileError) -> bytes:
    """Read a whole (regular, at most MAX_FILE_BYTES) file, turning OS errors into `error`
    (one line, names the file)."""
    return read_file(path, MAX_FILE_BYTES, error)


class Reader:
    """Bounds-checked little-endian cursor over data[start:end] (one section's payload)."""

    def __init__(self, data: bytes, start: int, end: int, fail, where: str):
        self.data, self.pos, self.end, self._fail, self.where = data, start, end, fail, where

    def fail(self, msg: str):
        self._fail(f"{self.where}: {msg}")

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.end:
            self.fail(f"truncated: {what} needs {n} bytes at offset {self.pos}, "
                      f"only {self.end - self.pos} left in the section")

    def u32(self, what: str) -> int:
        self.need(4, what)
        (v,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        return v

    def u64(self, what: str) -> int:
        self.need(8, what)
        (v,) = struct.unpack_from("<Q", self.data, self.pos)
        self.pos += 8
        return v

    def bigint(self, n8: int, what: str) -> int:
        self.need(n8, what)
        v = int.from_bytes(self.data[self.pos:self.pos + n8], "little")
        self.pos += n8
        return v

    def raw(self, n: int, what: str) -> bytes:
        self.need(n, what)
        v = self.data[self.pos:self.pos + n]
        self.pos += n
        return v

    def skip(self, n: int, what: str) -> int:
        """Advance n bytes; returns the offset they started at."""
        self.need(n, what)
        p = self.pos
        self.pos += n
        return p

    @property
    def left(self) -> int:
        return self.end - self.pos

    def done(self) -> None:
        """The payload must be consumed exactly (its declared size must match its content)."""
        if self.pos != self.end:
            self.fail(f"section size does not match its content ({self.end - self.pos} unexplained bytes)")


@dataclass
class BinFile:
    """A parsed container: where each section's payload lies in `data`."""

    name: str
    magic: bytes
    version: int
    data: bytes
    sections: dict  # type -> list of (offset, size)
    error: type

    def fail(self, msg: str):
        raise self.error(f"{self.name}: {msg}")

    def has(self, kind: int) -> bool:
        return kind in self.sections

    def section(self, kind: int, what: str, required: bool = True) -> Optional[tuple[int, int]]:
        """(offset, size) of the one section of this type; missing or repeated is an error."""
        found = self.sections.get(kind)
        if not found:
            if required:
                self.fail(f"missing section {kind} ({what})")
            return None
        if len(found) > 1:
            self.fail(f"section {kind} ({what}) appears {len(found)} times")
        return found[0]

    def reader(self, kind: int, what: str) -> Reader:
        off, size = self.section(kind, what)
        return Reader(self.data, off, off + size, self.fail, f"section {kind} ({what})")


def parse_binfile(data: bytes, *, name: str, magic: bytes, versions: Sequence[int],
                  error: type[BinFileError] = BinFileError) -> BinFile:
    """Check the container and index its sections (payloads are not read here)."""
    def fail(msg):
        raise error(f"{name}: {msg}")

    kind = magic.decode()
    if len(data) < 12:
        fail(f"truncated: {len(data)} bytes is too short for a .{kind} file header")
    if data[:4] != magic:
        fail(f"not a .{kind} file (magic {bytes(data[:4])!r}, expected {magic!r})")
    version, n_sections = struct.unpack_from("<II", data, 4)
    if version not in versions:
        fail(f"unsupported .{kind} version {version} (supported: {', '.join(map(str, versions))})")
    if not 0 < n_sections <= MAX_SECTIONS:
        fail(f"implausible section count {n_sections}")
    sections: dict[int, list[tuple[int, int]]] = {}
    pos = 12
    for i in range(n_sections):
        if pos + 12 > len(data):
            fail(f"truncated: section header {i + 1} of {n_sections} starts at offset {pos}, "
                 f"past the end ({len(data)} bytes)")
        stype, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if size > len(data) - pos:
            fail(f"truncated: section {stype} declares {size} bytes at offset {pos}, "
                 f"only {len(data) - pos} remain")
        sections.setdefault(stype, []).append((pos, size))
        pos += size
    if pos != len(data):
        fail(f"{len(data) - pos} unexpected bytes after the last section")
    return BinFile(name, magic, version, data, sections, error)


def build_binfile(magic: bytes, version: int, sections: Iterable[tuple[int, Sequence[bytes]]]) -> bytes:
    """Assemble a container from (type, payload parts) in the given order.

    A payload is one bytes-like object or a list of them (contiguous numpy arrays work).
    """
    parts = []
    sections = list(sections)
    parts.append(magic + struct.pack("<II", version, len(sections)))
    for stype, payload in sections:
        if not isinstance(payload, (list, tuple)):
            payload = [payload]
        size = sum(memoryview(p).nbytes for p in payload)
        parts.append(struct.pack("<IQ", stype, size))
        parts.extend(payload)
    return b"".join(parts)
