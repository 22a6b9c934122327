"""The market and oracle tables of a batch: hashed once, then read by every slot.

Encodings (the same lists `zkrollup.market.Market.encode` and
`zkrollup.risk.OracleTable.encode` hash, with `poseidon_sponge`):

    market: [K, liq_bonus_bps, liq_penalty_bps,
             kind_0, strike_0, expiry_0, contract_size_0, ..., contract_size_{K-1}]
    oracle: [market_hash, timestamp, spot, K, S, mark[0..K-1],
             scen_init[0][0..S-1], ..., scen_init[K-1][0..S-1],
             scen_maint[0][0..S-1], ..., scen_maint[K-1][0..S-1],
             settled[0..K-1], settle_price[0..K-1], settle_value[0..K-1]]

In the circuit every entry is a private witness and the two hashes enter the public
commitment, so the tables are exactly those the L1 contract received and hashed itself.
Trust note: the circuit does not range-check table entries; the L1 contract model
validates them when it receives them (widths of `zkrollup.units`: the native
`OracleTable`/`Market` constructors), and the hash binds the circuit to those values.

Native twins: `MarketTable.encode/hash`, `OracleTable.encode/hash`.
"""
from __future__ import annotations

from dataclasses import dataclass
from ..cs import LC, ConstraintSystem
from ..gadgets.poseidon import poseidon_sponge as sponge_gadget
from ..poseidon import poseidon_sponge
from .shape import BatchShape


@dataclass(frozen=True)
class MarketTable:
    """The market table as ints (one entry per instrument slot)."""

    kind: tuple[int, ...]
    strike: tuple[int, ...]
    expiry: tuple[int, ...]
    contract_size: tuple[int, ...]
    liq_bonus_bps: int
    liq_penalty_bps: int

    def encode(self) -> list[int]:
        out = [len(self.kind), self.liq_bonus_bps, self.liq_penalty_bps]
        for row in zip(self.kind, self.strike, self.expiry, self.contract_size):
            out += row
        return out

    def hash(self) -> int:
        return poseidon_sponge(self.encode())


@dataclass(frozen=True)
class OracleTable:
    """The oracle table as ints (per instrument slot k and scenario s)."""

    timestamp: int
    spot: int
    mark: tuple[int, ...]
    scen_init: tuple[tuple[int, ...], ...]
    scen_maint: tuple[tuple[int, ...], ...]
    settled: tuple[int, ...]
    settle_price: tuple[int, ...]
    settle_value: tuple[int, ...]

    def encode(self, market_hash: int) -> list[int]:
        k, s = len(self.mark), len(self.scen_init[0])
        out = [market_hash, self.timestamp, self.spot, k, s, *self.mark]
        for rows in (self.scen_init, self.scen_maint):
            for r in rows:
                out += r
        return out + [*self.settled, *self.settle_price, *self.settle_value]

    def hash(self, market_hash: int) -> int:
        return poseidon_sponge(self.encode(market_hash))


def check_tables(shape: BatchShape, market: MarketTable, oracle: OracleTable) -> None:
    """ValueError unless the tables have the shape's sizes."""
    k, s = shape.K, shape.S
    if any(len(v) != k for v in (market.kind, market.strike, market.expiry, market.contract_size)):
        raise ValueError(f"market table must have {k} instrument slots")
    if any(len(v) != k for v in (oracle.mark, oracle.settled, oracle.settle_price, oracle.settle_value)):
        raise ValueError(f"oracle table must have {k} instrument slots")
    for rows in (oracle.scen_init, oracle.scen_maint):
        if len(rows) != k or any(len(r) != s for r in rows):
            raise ValueError(f"oracle scenario tables must be {k} x {s}")


@dataclass
class TablesVars:
    """The tables in the circuit (LCs), and their two hashes."""

    market_hash: LC
    oracle_hash: LC
    kind: list[LC]
    expiry: list[LC]
    liq_bonus_bps: LC
    liq_penalty_bps: LC
    timestamp: LC
    mark: list[LC]
    scen_init: list[list[LC]]
    scen_maint: list[list[LC]]
    settled: list[LC]
    settle_value: list[LC]


def tables_gadget(cs: ConstraintSystem, shape: BatchShape, market: MarketTable | None,
                  oracle: OracleTable | None, name: str = "tables") -> TablesVars:
    """Allocate both tables as witnesses and hash them (values None when compiling).

    Cost: one sponge of len(market encoding) = 3 + 4K values and one of
    5 + K + 2KS + 3K values: 612 constraints per block of 16 values (a little less for
    constant entries). K = 8, S = 16: 3 + 19 blocks, about 13,400 constraints.
    """
    k_n, s_n = shape.K, shape.S
    solving = cs.solving
    if solving:
        check_tables(shape, market, oracle)

    def val(get):
        return get() if solving else None

    with cs.namespace(name):
        with cs.namespace("market"):
            bonus = cs.witness("liq_bonus_bps", val(lambda: market.liq_bonus_bps))
            penalty = cs.witness("liq_penalty_bps", val(lambda: market.liq_penalty_bps))
            kind, strike, expiry, csize = [], [], [], []
            for k in range(k_n):
                kind.append(cs.witness(f"kind{k}", val(lambda: market.kind[k])))
                strike.append(cs.witness(f"strike{k}", val(lambda: market.strike[k])))
                expiry.append(cs.witness(f"expiry{k}", val(lambda: market.expiry[k])))
                csize.append(cs.witness(f"contract_size{k}", val(lambda: market.contract_size[k])))
            enc = [LC.constant(k_n), bonus, penalty]
            for row in zip(kind, strike, expiry, csize):
                enc += row
            market_hash = sponge_gadget(cs, enc, name="hash")
        with cs.namespace("oracle"):
            ts = cs.witness("timestamp", val(lambda: oracle.timestamp))
            spot = cs.witness("spot", val(lambda: oracle.spot))
            mark = [cs.witness(f"mark{k}", val(lambda: oracle.mark[k])) for k in range(k_n)]
            si = [[cs.witness(f"init{k}_{s}", val(lambda: oracle.scen_init[k][s])) for s in range(s_n)]
                  for k in range(k_n)]
            sm = [[cs.witness(f"maint{k}_{s}", val(lambda: oracle.scen_maint[k][s])) for s in range(s_n)]
                  for k in range(k_n)]
            settled = [cs.witness(f"settled{k}", val(lambda: oracle.settled[k])) for k in range(k_n)]
            sprice = [cs.witness(f"settle_price{k}", val(lambda: oracle.settle_price[k]))
                      for k in range(k_n)]
            svalue = [cs.witness(f"settle_value{k}", val(lambda: oracle.settle_value[k]))
                      for k in range(k_n)]
            enc = [market_hash, ts, spot, LC.constant(k_n), LC.constant(s_n), *mark]
            for rows in (si, sm):
                for r in rows:
                    enc += r
            enc += settled + sprice + svalue
            oracle_hash = sponge_gadget(cs, enc, name="hash")
    return TablesVars(market_hash, oracle_hash, kind, expiry, bonus, penalty, ts, mark, si, sm,
                      settled, svalue)

