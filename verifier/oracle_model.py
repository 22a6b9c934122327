"""The price oracle of the L1 model: publishes one oracle table per batch or epoch.

The tables (fields, rules, encodings, hashes) are `circuits.spec.tables`; the application's
risk engine builds them. The contract recomputes the hash of what the oracle publishes
(the operator never supplies it), checks the table against the registered market, stores
it under a new table id, and a batch names the id it was proved against. Exits in exodus
mode read the marks (`mark[k]`, which for a settled slot is its settlement payoff) of the
last table a batch was accepted with.
"""
from __future__ import annotations

from typing import Optional, Sequence

from circuits.spec.tables import MarketTable, OracleTable

DEFAULT_ORACLE_ADDRESS = 0x0AC1E0000000000000000000000000000000AC1E


def encode_table(table) -> list[int]:
    """The field-element encoding of a table: `table.encode()` when it has one, else the list itself."""
    enc = table.encode() if hasattr(table, "encode") else table
    if not isinstance(enc, (list, tuple)):
        raise ValueError(f"an oracle table is an object with encode() or a list of ints, got {type(table).__name__}")
    return [int(v) for v in enc]


def check_market_encoding(enc: Sequence[int]) -> MarketTable:
    """The market table of an encoding, checked by the rules of `circuits.spec.tables` (ValueError)."""
    return MarketTable.decode(enc)


def check_oracle_encoding(enc: Sequence[int], market_enc: Sequence[int]) -> OracleTable:
    """The oracle table of an encoding, checked by the rules of `circuits.spec.tables` and
    against the registered market's encoding (ValueError)."""
    table = OracleTable.decode(enc)
    table.check_against(MarketTable.decode(market_enc))
    return table


def table_marks(encoded: Sequence[int]) -> list[int]:
    """mark[0..K-1] of an encoded (published, so checked) table."""
    return list(OracleTable.decode(encoded).mark)


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
