"""Reading the application's input files with a size limit.

Every file the application reads from a user (batch files, request files, proofs,
public inputs) goes through `read_limited` (`circuits.binfile.read_file`, which the iden3
readers, the proving-key reader and the snarkjs JSON readers share): it refuses a path
that is not a regular file (a directory, /dev/zero, a FIFO) and a file larger than the
reader's limit before reading it, so no input can exhaust memory, and names the file in
its one-line error.
"""
from __future__ import annotations

from circuits.binfile import read_file


class FileInputError(ValueError):
    """An input file that cannot be read as one (one line naming the file)."""


def read_limited(path, limit: int, what: str) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them (FileInputError otherwise)."""
    return read_file(path, limit, FileInputError, what)
