"""Tables built from circuits.spec alone (no application code): a small market with a
call, a put, a future and an empty slot, and a simple oracle table for it."""
from __future__ import annotations

from circuits.spec.deployment import deployment_id
from circuits.spec.tables import KIND_CALL, KIND_EMPTY, KIND_FUTURE, KIND_PUT, MarketTable, OracleTable, payoff

T0 = 1_700_000_000
DAY = 86_400
EXPIRY = T0 + 30 * DAY
SPOT = 60_000_000
DID = deployment_id(31337, 0xC0FFEE)


def market_table(k: int = 4, did: int = DID) -> MarketTable:
    rows = [(KIND_CALL, SPOT, EXPIRY, 1), (KIND_PUT, SPOT, EXPIRY, 1), (KIND_FUTURE, 0, EXPIRY, 1)]
    rows += [(KIND_EMPTY, 0, 0, 0)] * (k - len(rows))
    kind, strike, expiry, csize = (tuple(r[j] for r in rows[:k]) for j in range(4))
    return MarketTable(kind, strike, expiry, csize, 500, 300, did).check()


def oracle_table(market: MarketTable, ts: int = T0, spot: int = SPOT, s: int = 4,
                 settle: dict[int, int] | None = None, move_bps: int = 2000) -> OracleTable:
    """Scenario 0 (the mark) at intrinsic value plus a little time value, the others moving
    spot by -move..+move (a simple ladder, not the standard grid); settled slots at their
    exact payoff everywhere."""
    settle = settle or {}
    k = market.K
    moves = [0] + [(-move_bps + 2 * move_bps * i // max(1, s - 2)) for i in range(s - 1)]

    def value(j: int, price: int) -> int:
        return payoff(market.kind[j], market.strike[j], market.contract_size[j], price)

    scen, vol = [], []
    for j in range(k):
        if j in settle:
            scen.append((value(j, settle[j]),) * s)
            vol.append(0)
            continue
        option = market.kind[j] in (KIND_CALL, KIND_PUT)
        tv = spot // 50 if option else 0
        scen.append(tuple(value(j, spot * (10_000 + m) // 10_000) + tv for m in moves))
        vol.append(6000 if option else 0)
    settled = tuple(int(j in settle) for j in range(k))
    sp = tuple(settle.get(j, 0) for j in range(k))
    return OracleTable(market.hash(), ts, spot, move_bps, tuple(scen), tuple(vol), settled, sp).check()
