"""The market and oracle tables of a batch in the circuit: hashed once, then read by every slot.

The tables, their encodings and rules are `circuits.spec.tables`; the circuit hashes the
same lists (`market_encoding`, and `oracle_encoding` packed by `oracle_hash_inputs`) with
`poseidon_sponge`. Every entry is a private witness and the two hashes enter the public
input, so the tables are exactly those the L1 contract received and hashed itself. The
packing of the oracle table into 48-bit lanes is one-to-one only for lanes below 2^48, so
every lane is range-checked to `ORACLE_LANE_BITS`; beyond that the circuit does not
range-check table entries: L1 checks them when it receives them (`MarketTable.check`,
`OracleTable.check`), and the hash binds the circuit to those values.

The market hash is the sponge of [deployment_id, K, bonus, penalty, instrument ids];
the circuit computes the K instrument ids once per batch (orders sign the id of the
instrument they trade, selected per slot) and reads the deployment id from the table
(every request message signs it).

Native twins: `MarketTable.hash`, `MarketTable.instrument_ids`, `OracleTable.hash` (the
oracle table's `market_hash` field is not read: the circuit puts the market hash it
computed in its place).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..cs import LC, ConstraintSystem
from ..gadgets.bits import range_check
from ..gadgets.poseidon import poseidon_sponge as sponge_gadget
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..spec.tables import (ORACLE_LANE_BITS, MarketTable, OracleTable, instrument_inputs, market_encoding,
                           oracle_encoding, oracle_hash_inputs)
from .shape import BatchShape


def check_tables(shape: BatchShape, market: MarketTable, oracle: OracleTable) -> None:
    """ValueError unless the tables have the shape's sizes."""
    k, s = shape.K, shape.S
    if any(len(v) != k for v in (market.kind, market.strike, market.expiry, market.contract_size)):
        raise ValueError(f"market table must have {k} instrument slots")
    if any(len(v) != k for v in (oracle.scen, oracle.vol_bps, oracle.settled, oracle.settle_price)):
        raise ValueError(f"oracle table must have {k} instrument slots")
    if any(len(r) != s for r in oracle.scen):
        raise ValueError(f"the oracle scenario table must be {k} x {s}")


@dataclass
class TablesVars:
    """The tables in the circuit (LCs), and their two hashes."""

    market_hash: LC
    oracle_hash: LC
    deployment_id: LC
    instrument_id: list[LC]
    kind: list[LC]
    expiry: list[LC]
    liq_bonus_bps: LC
    liq_penalty_bps: LC
    timestamp: LC
    scen: list[list[LC]]
    """scen[k][s]: slot k's value per contract in scenario s."""
    mark: list[LC]
    """scen[k][0]; a settled slot's settlement value."""
    settled: list[LC]


def tables_gadget(cs: ConstraintSystem, shape: BatchShape, market: MarketTable | None,
                  oracle: OracleTable | None, name: str = "tables") -> TablesVars:
    """Allocate both tables as witnesses and hash them (values None when compiling).

    Cost: K instrument ids (Poseidon of 4: 297 each), one sponge of 4 + K values, a range
    check of each of the 3 + KS + 3K variable oracle lanes (49 constraints) and one
    sponge of their 1 + ceil((5 + KS + 3K) / 5) packed elements; a sponge costs 264
    constraints per block of 3 values (a little less for constant entries). K = 8, S = 35:
    2,376 + 4 blocks, 307 lanes and 21 blocks: 24,010 constraints (S = 16: 13,922).
    """
    k_n, s_n = shape.K, shape.S
    solving = cs.solving
    if solving:
        check_tables(shape, market, oracle)

    def val(get):
        return get() if solving else None

    with cs.namespace(name):
        with cs.namespace("market"):
            did = cs.witness("deployment_id", val(lambda: market.deployment_id))
            bonus = cs.witness("liq_bonus_bps", val(lambda: market.liq_bonus_bps))
            penalty = cs.witness("liq_penalty_bps", val(lambda: market.liq_penalty_bps))
            kind, strike, expiry, csize = [], [], [], []
            for k in range(k_n):
                kind.append(cs.witness(f"kind{k}", val(lambda: market.kind[k])))
                strike.append(cs.witness(f"strike{k}", val(lambda: market.strike[k])))
                expiry.append(cs.witness(f"expiry{k}", val(lambda: market.expiry[k])))
                csize.append(cs.witness(f"contract_size{k}", val(lambda: market.contract_size[k])))
            ids = [poseidon_gadget(cs, instrument_inputs(kind[k], strike[k], expiry[k], csize[k]),
                                   name=f"instrument_id{k}") for k in range(k_n)]
            enc = market_encoding(did, LC.constant(k_n), bonus, penalty, ids)
            market_hash = sponge_gadget(cs, enc, name="hash")
        with cs.namespace("oracle"):
            ts = cs.witness("timestamp", val(lambda: oracle.timestamp))
            spot = cs.witness("spot", val(lambda: oracle.spot))
            move = cs.witness("move_bps", val(lambda: oracle.move_bps))
            scen = [[cs.witness(f"scen{k}_{s}", val(lambda: oracle.scen[k][s])) for s in range(s_n)]
                    for k in range(k_n)]
            vol = [cs.witness(f"vol_bps{k}", val(lambda: oracle.vol_bps[k])) for k in range(k_n)]
            settled = [cs.witness(f"settled{k}", val(lambda: oracle.settled[k])) for k in range(k_n)]
            sprice = [cs.witness(f"settle_price{k}", val(lambda: oracle.settle_price[k]))
                      for k in range(k_n)]
            enc = oracle_encoding(market_hash, ts, spot, LC.constant(k_n), LC.constant(s_n), move, scen, vol,
                                  settled, sprice)
            for i, v in enumerate(enc[1:]):         # K and S are constants, below 2^48 already
                if v.constant_value() is None:
                    range_check(cs, v, ORACLE_LANE_BITS, name=f"lane{i}")
            oracle_hash = sponge_gadget(cs, oracle_hash_inputs(enc), name="hash")
    return TablesVars(market_hash, oracle_hash, did, ids, kind, expiry, bonus, penalty, ts, scen,
                      [row[0] for row in scen], settled)

