"""A plain reader of iden3 binary containers for tests that craft or dissect files
(independent of circuits.binfile, which is what those tests check)."""
import struct


def sections_of(data: bytes) -> list[tuple[int, bytes]]:
    """[(type, payload)] in file order."""
    out, pos = [], 12
    (n,) = struct.unpack_from("<I", data, 8)
    for _ in range(n):
        t, size = struct.unpack_from("<IQ", data, pos)
        out.append((t, data[pos + 12:pos + 12 + size]))
        pos += 12 + size
    return out
