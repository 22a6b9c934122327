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


# Widths of zkrollup.units (this package may not import the application); the circuit
# does not range-check table entries, so the contract checks them when it receives them.
PRICE_BITS = 48
TIME_BITS = 40
CONTRACT_SIZE_BITS = 24
BPS_DENOMINATOR = 10_000
KIND_EMPTY, KIND_CALL, KIND_PUT, KIND_FUTURE = 0, 1, 2, 3
MARKET_HEADER = 3  # K, liq_bonus_bps, liq_penalty_bps


def _below(v: int, bits: int, what: str) -> None:
    if not 0 <= v < (1 << bits):
        raise ValueError(f"{what} must be in [0, 2^{bits}), got {v}")


def check_market_encoding(enc: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """Validate a market table encoding [K, bonus_bps, penalty_bps, (kind, strike, expiry,
    contract_size) x K] with the application's rules; returns the K slots."""
    if len(enc) < MARKET_HEADER or not 1 <= enc[0] <= 16 or len(enc) != MARKET_HEADER + 4 * enc[0]:
        raise ValueError("a market table is [K, bonus_bps, penalty_bps] and 4 values per slot, K in 1..16")
    for name, v in (("liq_bonus_bps", enc[1]), ("liq_penalty_bps", enc[2])):
        if not 0 <= v < BPS_DENOMINATOR:
            raise ValueError(f"{name} must be in [0, {BPS_DENOMINATOR}), got {v}")
    slots = [tuple(enc[MARKET_HEADER + 4 * k:MARKET_HEADER + 4 * k + 4]) for k in range(enc[0])]
    for k, (kind, strike, expiry, csize) in enumerate(slots):
        if kind not in (KIND_EMPTY, KIND_CALL, KIND_PUT, KIND_FUTURE):
            raise ValueError(f"market slot {k}: unknown instrument kind {kind}")
        _below(strike, PRICE_BITS, f"market slot {k} strike")
        _below(expiry, TIME_BITS, f"market slot {k} expiry")
        _below(csize, CONTRACT_SIZE_BITS, f"market slot {k} contract size")
        if kind == KIND_EMPTY and (strike or expiry or csize):
            raise ValueError(f"market slot {k}: an empty slot has strike, expiry and contract size 0")
        if kind != KIND_EMPTY and csize < 1:
            raise ValueError(f"market slot {k}: contract size must be at least 1")
        if kind == KIND_FUTURE and strike:
            raise ValueError(f"market slot {k}: a future has no strike")
        if kind in (KIND_CALL, KIND_PUT) and strike < 1:
            raise ValueError(f"market slot {k}: an option needs a positive strike")
    return slots


def payoff(slot: tuple[int, int, int, int], settle_price: int) -> int:
    """Value per contract at expiry (zkrollup.market.Instrument.payoff)."""
    kind, strike, _, csize = slot
    if kind == KIND_CALL:
        return csize * max(settle_price - strike, 0)
    if kind == KIND_PUT:
        return csize * max(strike - settle_price, 0)
    if kind == KIND_FUTURE:
        return csize * settle_price
    return 0


def check_oracle_encoding(enc: Sequence[int], market_enc: Sequence[int]) -> None:
    """Validate an oracle table against the registered market (the rules of
    zkrollup.risk.OracleTable and its check_against): layout, widths, the market hash
    checked by the caller, settled flags in {0, 1}, unsettled slots without settlement
    data, settled slots only after expiry, valued at their exact payoff everywhere."""
    k, s = table_layout(enc)
    slots = check_market_encoding(market_enc)
    if len(slots) != k:
        raise ValueError(f"the oracle table has {k} slots, the market {len(slots)}")
    _below(enc[1], TIME_BITS, "oracle timestamp")
    for i, v in enumerate(enc[2:3] + list(enc[HEADER:HEADER + k + 2 * k * s])):
        _below(v, PRICE_BITS, f"oracle value {i}")
    base = HEADER + k + 2 * k * s
    settled, price, value = enc[base:base + k], enc[base + k:base + 2 * k], enc[base + 2 * k:base + 3 * k]
    mark = enc[HEADER:HEADER + k]
    for j in range(k):
        _below(price[j], PRICE_BITS, f"settlement price {j}")
        _below(value[j], PRICE_BITS, f"settlement value {j}")
        if settled[j] not in (0, 1):
            raise ValueError(f"slot {j}: settled flag must be 0 or 1")
        if not settled[j]:
            if price[j] or value[j]:
                raise ValueError(f"slot {j} is not settled but has a settlement price/value")
            continue
        if slots[j][0] == KIND_EMPTY or enc[1] < slots[j][2]:
            raise ValueError(f"slot {j} is settled before its expiry")
        if value[j] != payoff(slots[j], price[j]):
            raise ValueError(f"slot {j}: settlement value is not the payoff")
        rows = [enc[HEADER + k + j * s:HEADER + k + (j + 1) * s],
                enc[HEADER + k + (k + j) * s:HEADER + k + (k + j + 1) * s]]
        if mark[j] != value[j] or any(x != value[j] for r in rows for x in r):
            raise ValueError(f"slot {j}: a settled slot is valued at its payoff in every scenario")


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
