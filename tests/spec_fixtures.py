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
                 settle: dict[int, int] | None = None) -> OracleTable:
    """Marks at intrinsic value plus a little time value; scenarios move spot by -20%..+20%
    (initial grid) and half that (maintenance); settled slots at their exact payoff."""
    settle = settle or {}
    k = market.K
    moves = [(-20 + 40 * i // max(1, s - 1)) for i in range(s)]

    def value(j: int, price: int) -> int:
        return payoff(market.kind[j], market.strike[j], market.contract_size[j], price)

    mark, init, maint = [], [], []
    for j in range(k):
        if j in settle:
            v = value(j, settle[j])
            mark.append(v)
            init.append((v,) * s)
            maint.append((v,) * s)
            continue
        tv = spot // 50 if market.kind[j] in (KIND_CALL, KIND_PUT) else 0
        mark.append(value(j, spot) + tv)
        init.append(tuple(value(j, spot * (100 + m) // 100) + tv for m in moves))
        maint.append(tuple(value(j, spot * (100 + m // 2) // 100) + tv for m in moves))
    settled = tuple(int(j in settle) for j in range(k))
    sp = tuple(settle.get(j, 0) for j in range(k))
    sv = tuple(value(j, settle[j]) if j in settle else 0 for j in range(k))
    return OracleTable(market.hash(), ts, spot, tuple(mark), tuple(init), tuple(maint), settled, sp, sv).check()
