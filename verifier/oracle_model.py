"""The price oracle of the L1 model: publishes one oracle table per batch or epoch.

The tables themselves (marks, scenario values, settlements) are built by the
application's risk engine (`zkrollup.risk.OracleTable`); this side only needs their
encoding, the list of field elements that `circuits.poseidon.poseidon_sponge` hashes:

    [market_hash, timestamp, spot, K, S, mark[0..K-1], scen_init (K x S),
     scen_maint (K x S), settled[0..K-1], settle_price[0..K-1], settle_value[0..K-1]]

The contract recomputes the hash of what the oracle publishes (the operator never
supplies it), stores it under a new table id, and a batch names the id it was proved
against. Exits in exodus mode read the marks (`mark[k]`, which for a settled slot is
its settlement payoff) of the last table a batch was accepted with.
"""
from __future__ import annotations

from typing import Optional, Sequence

DEFAULT_ORACLE_ADDRESS = 0x0AC1E0000000000000000000000000000000AC1E

HEADER = 5  # market_hash, timestamp, spot, K, S


def encode_table(table) -> list[int]:
    """The field-element encoding of a table: `table.encode()` when it has one, else the list itself."""
    enc = table.encode() if hasattr(table, "encode") else table
    if not isinstance(enc, (list, tuple)):
        raise ValueError(f"an oracle table is an object with encode() or a list of ints, got {type(table).__name__}")
    return [int(v) for v in enc]


def table_layout(encoded: Sequence[int]) -> tuple[int, int]:
    """(K, S) of an encoded table; ValueError unless its length is exactly that layout's."""
    if len(encoded) < HEADER:
        raise ValueError(f"an oracle table has a {HEADER}-value header, got {len(encoded)} values")
    k, s = encoded[3], encoded[4]
    if not 1 <= k <= 16 or not 1 <= s <= 1 << 16:
        raise ValueError(f"oracle table: K = {k} must be in 1..16 and S = {s} positive")
    want = HEADER + k + 2 * k * s + 3 * k
    if len(encoded) != want:
        raise ValueError(f"oracle table with K = {k}, S = {s} has {want} values, got {len(encoded)}")
    return k, s


def table_marks(encoded: Sequence[int]) -> list[int]:
    """mark[0..K-1] of an encoded table."""
    k, _ = table_layout(encoded)
    return list(encoded[HEADER:HEADER + k])


def table_market_hash(encoded: Sequence[int]) -> int:
    return encoded[0]


class OracleModel:
    """An oracle with an L1 address: `publish(table, now)` sends a table to the contract
    and returns the table id the operator must name in its batch."""

    def __init__(self, contract, address: int = DEFAULT_ORACLE_ADDRESS):
        self.contract = contract
        self.address = address
        self.published: list[int] = []

    def publish(self, table, now: Optional[int] = None) -> int:
        table_id = self.contract.publish_oracle_table(encode_table(table), now=now, sender=self.address)
        self.published.append(table_id)
        return table_id
