"""Reading the application's input files with a size limit.

Every file the application reads from a user (batch files, request files, proofs,
public inputs) goes through `read_limited`: it refuses a path that is not a regular file
(a directory, /dev/zero, a FIFO) and a file larger than the reader's limit before
reading it, so no input can exhaust memory, and names the file in its one-line error.
"""
from __future__ import annotations

import os
import stat


class FileInputError(ValueError):
    """An input file that cannot be read as one (one line naming the file)."""


def read_limited(path, limit: int, what: str) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them (FileInputError otherwise)."""
    name = os.fspath(path)
    try:
        st = os.stat(name)                  # before opening: opening a FIFO would block
        if stat.S_ISDIR(st.st_mode):
            raise FileInputError(f"{name}: the {what} is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise FileInputError(f"{name}: the {what} is not a regular file")
        if st.st_size > limit:
            raise FileInputError(f"{name}: the {what} has {st.st_size:,} bytes, more than the "
                                 f"{limit:,} a {what} may have")
        with open(name, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise FileInputError(f"{name}: cannot read the {what} ({e.strerror or e})") from None
    if len(data) > limit:                   # grew while being read
        raise FileInputError(f"{name}: the {what} is larger than {limit:,} bytes")
    return data
