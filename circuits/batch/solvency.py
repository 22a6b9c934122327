"""The batch's solvency outputs (`circuits.spec.solvency`): the insurance fund's deficit
after the batch, proven from its leaf as the end flush writes it and acted on by L1
(pro-rata exits while it is uncovered); the batch's cash flow, summed from the cash the slots write;
the K open interests long and short. All are posted after the records (the public input's
trailer); L1 fills in the cash flow from the records and the open interests from the
calldata, twice, so it checks both."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..cs import LC, ConstraintSystem, lc_sum
from ..gadgets.data_hash import pack_record
from ..spec.solvency import CASH_FLOW_BITS, CASH_FLOW_OFFSET, DEFICIT_BITS, OI_BITS
from .account_leaf import AccountVars
from .ranges import signed
from .shape import BatchShape
from .tables import TablesVars


@dataclass
class Solvency:
    deficit: LC
    flow: LC
    trailer: list[LC]
    """The trailer's message bits (`circuits.spec.solvency.trailer_bytes`)."""


def fund_deficit(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, fund: AccountVars,
                 name: str = "solvency") -> tuple[LC, list[LC]]:
    """The fund's deficit D = max(0, -(cash + sum_k size_k * mark_k)) of its leaf after the
    end flush, and D's trailer bits (DEFICIT_BITS, big-endian bytes).

    Enforces: the value's sign split (|value| < 2^equity_bits always holds: cash <
    2^cash_bits and a portfolio's mark value < 2^cash_bits, `BatchShape`), D = -neg * value,
    and D < 2^DEFICIT_BITS by its decomposition (D < 2^equity_bits <= 2^DEFICIT_BITS).
    Cost: K + equity_bits + 4 + DEFICIT_BITS + 1 constraints (K = 8: 238).
    """
    K = shape.K
    with cs.namespace(name):
        value = fund.cash + lc_sum(cs.mul(fund.sizes[k], tv.mark[k], name=f"value{k}") for k in range(K))
        s = signed(cs, value, shape.equity_bits, name="value")
        deficit = -s.neg_value
        bits = pack_record(cs, [(deficit, DEFICIT_BITS)], name="trailer")
    return deficit, bits


def solvency(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, fund: AccountVars, flow: LC,
             oi: Sequence[LC], oi_short: Sequence[LC], name: str = "solvency") -> Solvency:
    """The trailer: the fund's deficit (`fund_deficit`), CASH_FLOW_OFFSET + the cash flow
    (summed over the slots' ports, `circuits.batch.slot.gadget`), the K long open interests, then the K
    short ones.

    Enforces each value's decomposition: |flow| < 2^(CASH_FLOW_BITS - 1) (it is below
    4N * 2^cash_bits) and every open interest below 2^OI_BITS (long: the trades' range
    check; short: equal to long in a batch that conserves sizes; otherwise unprovable, as it
    would be on L1).
    Cost: fund_deficit + CASH_FLOW_BITS + 1 + 2K * (OI_BITS + 1) (K = 8: 238 + 129 + 656 = 1,023).
    """
    deficit, bits = fund_deficit(cs, shape, tv, fund, name=name)
    with cs.namespace(name):
        bits = bits + pack_record(cs, [(flow + CASH_FLOW_OFFSET, CASH_FLOW_BITS)]
                                  + [(x, OI_BITS) for x in list(oi) + list(oi_short)], name="outputs")
    return Solvency(deficit, flow, bits)
